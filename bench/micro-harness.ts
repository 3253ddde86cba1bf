import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { markdownTable } from './markdown-table.js'

/** How one case is timed. */
export interface BenchOptions {
  /** Operations one call of `fn` performs (16 for a 16-request pipeline): results are per op. */
  opsPerCall?: number
  /** Timed samples; the median is reported. */
  samples?: number
  /** Target duration of one sample. */
  sampleMs?: number
  /** Untimed calls first, so V8 has optimized `fn` and what it calls before timing starts. */
  warmupMs?: number
}

/** One case's result; nanosecond figures are per operation, min and max over the samples. */
export interface BenchRow { name: string, medianNs: number, opsPerSec: number, minNs: number, maxNs: number }

/** A suite's title and rows, as `run()` of each `*.bench.ts` returns them. */
export interface SuiteResult { title: string, rows: BenchRow[] }

/** A case: `fn` returns a number derived from its work, which the harness consumes. */
export interface BenchCase { name: string, fn: () => number, opts?: BenchOptions }

/** Everything `fn` returned, summed, so V8 cannot drop the work as dead code. */
export let sink = 0

// Budget: ~0.15 s warm-up + 8 × 0.2 s (one untimed) per case keeps bench:micro's 23 cases near 40 s.
const DEFAULTS: Required<BenchOptions> = { opsPerCall: 1, samples: 7, sampleMs: 200, warmupMs: 150 }

type Loop = (fn: () => number, n: number) => number
let loops = 0

/**
 * A timing loop per case, so V8 can inline the case's `fn`: a shared loop's call goes megamorphic,
 * an indirect call per op. Each source is unique, or V8 reuses one compiled body for all (10-byte
 * keySlot after the framer suite: 26.6 ns with identical sources, 17.5 ns with unique ones).
 */
function freshLoop (): Loop {
  // eslint-disable-next-line no-new-func -- a unique compiled loop per case, as said above
  return new Function('fn', 'n', `// loop ${++loops}\nlet acc = 0\nfor (let i = 0; i < n; i++) acc += fn()\nreturn acc`) as Loop
}

/** A warmed-up case with its batch size, collecting ns/op samples. */
interface Timed { c: BenchCase, o: Required<BenchOptions>, loop: Loop, perBatch: number, perOp: number[] }

/** Calls the case's `fn` `n` times; nanoseconds taken. */
function batch (t: Timed, n: number): number {
  const start = process.hrtime.bigint()
  sink = (sink + t.loop(t.c.fn, n)) % 0x7fffffff
  return Number(process.hrtime.bigint() - start)
}

/** Warms up, doubling the batch until one takes ≥ 10 ms, then sizes a batch to ~sampleMs. */
function prepare (c: BenchCase): Timed {
  const t: Timed = { c, o: { ...DEFAULTS, ...c.opts }, loop: freshLoop(), perBatch: 1, perOp: [] }
  let n = 1
  let ns = batch(t, n)
  const warmupEnd = Date.now() + t.o.warmupMs
  while (ns < 10e6 || Date.now() < warmupEnd) {
    if (ns < 10e6) n *= 2
    ns = batch(t, n)
  }
  t.perBatch = Math.max(1, Math.round(n * (t.o.sampleMs * 1e6) / ns))
  return t
}

function row (t: Timed): BenchRow {
  const s = [...t.perOp].sort((a, b) => a - b)
  const mid = s.length >> 1
  const medianNs = s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
  return { name: t.c.name, medianNs, opsPerSec: 1e9 / medianNs, minNs: s[0], maxNs: s[s.length - 1] }
}

/**
 * Times the cases: all are warmed up, then one untimed and `samples` timed rounds take one
 * batch of each case in turn. Round-robin because the cores are shared: a burst of other
 * work then costs each case one sample (which the median drops) instead of all of some
 * cases' samples, and every case is timed with the same JIT state of the shared code.
 */
export function timeCases (cases: readonly BenchCase[]): BenchRow[] {
  const timed = cases.map(prepare)
  const rounds = Math.max(...timed.map(t => t.o.samples))
  for (const t of timed) batch(t, t.perBatch)
  for (let r = 0; r < rounds; r++) {
    for (const t of timed) if (r < t.o.samples) t.perOp.push(batch(t, t.perBatch) / (t.perBatch * t.o.opsPerCall))
  }
  return timed.map(row)
}

/** Times one case alone. */
export function bench (name: string, fn: () => number, opts: BenchOptions = {}): BenchRow {
  return timeCases([{ name, fn, opts }])[0]
}

/** A suite's rows as a markdown table: case, median ns/op, ops/s, min–max ns/op. */
export function suiteTable (rows: readonly BenchRow[]): string {
  const formatNs = (ns: number): string => ns < 100 ? ns.toFixed(1) : Math.round(ns).toLocaleString('en-US')
  return markdownTable(['case', 'median ns/op', 'ops/s', 'spread ns/op (min–max)'], rows.map(r => [
    r.name, formatNs(r.medianNs), Math.round(r.opsPerSec).toLocaleString('en-US'), `${formatNs(r.minNs)}–${formatNs(r.maxNs)}`
  ]))
}

/** Times a suite's cases (see {@link timeCases}), prints a markdown table, returns the rows. */
export function runSuite (title: string, cases: readonly BenchCase[]): SuiteResult {
  const rows = timeCases(cases)
  process.stdout.write(`\n## ${title}\n\n${suiteTable(rows)}\n`)
  return { title, rows }
}

/** True when the module at `url` is the script node was started with (run alone). */
export function isMain (url: string): boolean {
  return process.argv[1] !== undefined && pathToFileURL(resolve(process.argv[1])).href === url
}

/** Throws unless `ok`: a case checks its setup once, so a broken input fails instead of timing nothing. */
export function check (ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench setup: ${what}`)
}
