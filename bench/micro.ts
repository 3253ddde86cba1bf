import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { cpuSnapshot, foreignShare } from './cpu-share.js'
import { command, cpuModel, loadAverages, REPO_ROOT, sourceCommit } from './environment.js'
import { run as runEncoder } from './encoder.bench.js'
import { run as runFramer } from './framer.bench.js'
import { run as runKeySlot } from './key-slot.bench.js'
import { suiteTable, type SuiteResult } from './micro-harness.js'
import { run as runParser } from './parser.bench.js'
import { run as runRouting } from './routing.bench.js'

/** The repository's top level (this file runs as dist/bench/micro.js). */
const MICRO_MD = join(REPO_ROOT, 'bench', 'MICRO.md')
/** MICRO.md keeps everything from this heading on across rewrites: hand-written comparisons. */
const KEPT_HEADING = '## Before / after'
const DEFAULT_KEPT = `${KEPT_HEADING}\n\nHand-written: key medians before and after a change (this section survives \`--write\`).\n`

/** A suite's result and the share of the machine's CPU other processes used meanwhile. */
interface Measured extends SuiteResult {
  other: number
}

/** Runs a suite, noting how busy the rest of the machine was (shared cores skew the figures). */
function measured (run: () => SuiteResult): Measured {
  const before = cpuSnapshot([])
  const result = run()
  return { ...result, other: foreignShare(before, cpuSnapshot([])) }
}

const percent = (share: number): string => `${(share * 100).toFixed(0)}%`

/** Taken before the suites run: the commit should name the sources as built, not as they are after. */
interface Start { date: string, commit: string, load: string }

function render (suites: readonly Measured[], kept: string, start: Start): string {
  const env: Array<[string, string]> = [
    ['date', start.date], ['uname -srm', command('uname', ['-srm'])],
    ['nproc', String(availableParallelism())], ['CPU', cpuModel()],
    ['node', process.version], ['commit', start.commit],
    ['load average at start / end', `${start.load} / ${loadAverages()}`]
  ]
  return [
    '# slotgate micro benchmarks',
    '',
    'Latest run of `npm run bench:micro -- --write` (pure CPU, no sockets): a suite\'s cases are warmed',
    'up, then timed in 7 rounds that take one ~200 ms batch of each case in turn; the tables give the',
    'median batch\'s ns per operation, the ops/s that median means, and the fastest and slowest batch.',
    'The cores are shared: other work has slowed cases up to 2× for seconds at a time, so compare runs',
    'whose "other processes" shares are alike, and trust differences beyond the min–max spread.',
    '',
    '| | |',
    '| --- | --- |',
    ...env.map(([k, v]) => `| ${k} | ${v} |`),
    ...suites.flatMap(s => ['', `## ${s.title}`, '', suiteTable(s.rows), '',
      `Other processes used ${percent(s.other)} of the machine's CPU during this suite.`]),
    '',
    kept.trimEnd(),
    ''
  ].join('\n')
}

/** The `## Before / after` section of the current MICRO.md (to its end), or a fresh one. */
function keptSection (): string {
  if (!existsSync(MICRO_MD)) return DEFAULT_KEPT
  const text = readFileSync(MICRO_MD, 'utf8')
  const at = text.search(/^## Before \/ after/m)
  return at === -1 ? DEFAULT_KEPT : text.slice(at)
}

const started = Date.now()
const start: Start = { date: new Date(started).toISOString(), commit: sourceCommit([]), load: loadAverages() }
const suites = [runParser, runFramer, runKeySlot, runRouting, runEncoder].map(measured)
const others = suites.map(s => percent(s.other)).join(', ')
process.stderr.write(`[micro] ${suites.reduce((n, s) => n + s.rows.length, 0)} cases in ${((Date.now() - started) / 1000).toFixed(1)} s; other processes' CPU share per suite: ${others}\n`)
if (process.argv.includes('--write')) {
  writeFileSync(MICRO_MD, render(suites, keptSection(), start))
  process.stderr.write(`[micro] wrote ${MICRO_MD}\n`)
}
