import { judgeRow, judgeRss, MAX_CROWD_RSS_KIB, MAX_IDLE_RSS_KIB, type Verdict } from './goals.js'
import { markdownTable, type Align } from './markdown-table.js'
import { errorRate, type ProbeResult } from './multi-key-probe.js'
import { runNotes, succeeded, type ProxyId, type RunRecord, type Target } from './run-record.js'
import { median, medianInterval, range, type MedianInterval } from './stats.js'
import type { Workload } from './workloads.js'

const ops = (v: number | undefined): string => v === undefined ? '—' : Math.round(v).toLocaleString('en-US')
const ms = (v: number | undefined): string => v === undefined ? '—' : v.toFixed(3)
const fixed = (v: number | undefined, digits: number): string => v === undefined ? '—' : v.toFixed(digits)
const pct = (share: number | undefined): string => share === undefined ? '—' : (share * 100).toFixed(0)
const mib = (kib: number | undefined): string => kib === undefined ? '—' : (kib / 1024).toFixed(1)
/** Marks numbers of a direct run that did other work than the proxy runs (see Workload.comparable). */
const REF = '†'

/** Target names as the tables print them. */
export const TARGET_NAMES: Readonly<Record<Target, string>> = { direct: 'direct', slotgate: 'slotgate', predixy: 'predixy', 'slotgate-workers': 'slotgate --workers N', 'slotgate-baseline': 'slotgate-baseline' }

function pick (runs: readonly RunRecord[], round: number, target: Target): RunRecord | undefined {
  return runs.find(r => r.round === round && r.target === target)
}

/** Numbers of a run, or undefined for a failed one, so a broken run never feeds a median. */
const ok = <T>(run: RunRecord | undefined, get: (r: RunRecord) => T | undefined): T | undefined =>
  run !== undefined && succeeded(run) ? get(run) : undefined

/** ops/s of `a` over ops/s of `b` in the same round, where both succeeded. */
function ratio (a: RunRecord | undefined, b: RunRecord | undefined): number | undefined {
  const x = ok(a, r => r.outcome.rps)
  const y = ok(b, r => r.outcome.rps)
  return x === undefined || y === undefined ? undefined : x / y
}

const roundsOf = (runs: readonly RunRecord[]): number[] => [...new Set(runs.map(r => r.round))].sort((a, b) => a - b)

/** One target's medians over the rounds of one workload. */
export interface TargetSummary {
  readonly rps?: number
  /** Median of the per-round ratios to direct. */
  readonly ratio?: number
  readonly ratioRange?: [number, number]
  readonly cpuMicros?: number
  readonly p50?: number
  readonly p99?: number
  readonly rssKib?: number
  readonly backendPerRequest?: number
  readonly foreignShare?: number
}

/** The per-workload medians the summary tables use. */
export interface WorkloadSummary {
  readonly workload: Workload
  readonly targets: ReadonlyMap<Target, TargetSummary>
  /** Median of the per-round ratios `proxy` ops/s ÷ predixy ops/s. */
  readonly peerRatio: (proxy: ProxyId) => number | undefined
  /** Median of the per-round ratios `a` ops/s ÷ `b` ops/s (rounds where both succeeded). */
  readonly roundRatio: (a: Target, b: Target) => number | undefined
  /** A 95% interval for that median (stats.ts medianInterval); undefined under 6 rounds. */
  readonly roundRatioInterval: (a: Target, b: Target) => MedianInterval | undefined
  readonly failedRuns: number
  readonly runs: number
  /** How many runs got a note of each kind. */
  readonly noteKinds: Map<string, number>
}

function countKinds (runs: readonly RunRecord[]): Map<string, number> {
  const kinds = new Map<string, number>()
  for (const run of runs) {
    for (const kind of new Set(runNotes(run).map(n => n.kind))) kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
  }
  return kinds
}

/** Medians over rounds of one workload's runs, per target. */
export function summarize (workload: Workload, runs: readonly RunRecord[]): WorkloadSummary {
  const rounds = roundsOf(runs)
  const targets = new Map<Target, TargetSummary>()
  for (const target of new Set(runs.map(r => r.target))) {
    const mine = rounds.map(round => pick(runs, round, target))
    const ratios = rounds.map((round, i) => ratio(mine[i], pick(runs, round, 'direct')))
    targets.set(target, {
      rps: median(mine.map(r => ok(r, x => x.outcome.rps))),
      ratio: median(ratios),
      ratioRange: range(ratios),
      cpuMicros: median(mine.map(r => ok(r, x => x.cpuMicrosPerRequest))),
      p50: median(mine.map(r => ok(r, x => x.outcome.p50Ms))),
      p99: median(mine.map(r => ok(r, x => x.outcome.p99Ms))),
      rssKib: median(mine.map(r => r?.rssKib)),
      backendPerRequest: median(mine.map(r => ok(r, x => x.backendCalls === undefined ? undefined : x.backendCalls / x.workload.requests))),
      foreignShare: median(mine.map(r => r?.foreignCpuShare))
    })
  }
  const roundRatios = (a: Target, b: Target): Array<number | undefined> => rounds.map(round => ratio(pick(runs, round, a), pick(runs, round, b)))
  return {
    workload,
    targets,
    peerRatio: proxy => median(roundRatios(proxy, 'predixy')),
    roundRatio: (a, b) => median(roundRatios(a, b)),
    roundRatioInterval: (a, b) => medianInterval(roundRatios(a, b)),
    failedRuns: runs.filter(r => !succeeded(r)).length,
    runs: runs.length,
    noteKinds: countKinds(runs)
  }
}

/** One table for one workload: a row per round and target, then the medians per target. */
export function workloadTable (workload: Workload, runs: readonly RunRecord[], names: Readonly<Record<Target, string>> = TARGET_NAMES): string {
  const ref = (target: Target): string => target === 'direct' && !workload.comparable ? REF : ''
  const headers = ['round', 'target', 'ops/s', 'ratio to direct', 'p50 / p99 ms', 'CPU µs/req', 'RSS MiB', 'backend/req', 'other CPU %', 'notes']
  const rows: string[][] = []
  for (const round of roundsOf(runs)) {
    for (const run of runs.filter(r => r.round === round)) {
      const t = run.target
      rows.push([String(round), names[t], `${ops(ok(run, x => x.outcome.rps))}${ref(t)}`, t === 'direct' ? '' : fixed(ratio(run, pick(runs, round, 'direct')), 2),
        `${ms(ok(run, x => x.outcome.p50Ms))} / ${ms(ok(run, x => x.outcome.p99Ms))}${ref(t)}`,
        fixed(ok(run, x => x.cpuMicrosPerRequest), 1), mib(run.rssKib),
        fixed(ok(run, x => x.backendCalls === undefined ? undefined : x.backendCalls / workload.requests), 3), pct(run.foreignCpuShare),
        // 'noisy' has its own column here.
        runNotes(run).filter(n => n.kind !== 'noisy').map(n => n.text).join('; ')])
    }
  }
  const m = summarize(workload, runs)
  // With one round the medians are that round again.
  for (const [t, s] of roundsOf(runs).length > 1 ? m.targets : []) {
    rows.push(['median', names[t], `${ops(s.rps)}${ref(t)}`, t === 'direct' ? '' : fixed(s.ratio, 2), `${ms(s.p50)} / ${ms(s.p99)}${ref(t)}`,
      fixed(s.cpuMicros, 1), mib(s.rssKib), fixed(s.backendPerRequest, 3), pct(s.foreignShare), ''])
  }
  const footnote = workload.comparable
    ? ''
    : `\n\n${REF} direct runs use --cluster, which puts all 10 keys of a command in one slot ({tag}): a reference, not the same work (the proxies split over ~10 slots on every master), so ratios to direct are to that reference; slotgate/predixy is like for like.`
  const failed = m.failedRuns > 0 ? `\n\n${m.failedRuns} failed run(s) left out of the medians.` : ''
  return `#### ${workload.title} (${workload.requests.toLocaleString('en-US')} requests)\n\n${markdownTable(headers, rows, ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'])}${footnote}${failed}`
}

/**
 * The baseline's columns of a summary row: slotgate/baseline (median of the per-round ratios,
 * with its 95% interval from 6 rounds on) and both CPU figures; `—` on the `--workers` rows,
 * whose slotgate is not the baseline's kind.
 */
function baselineCells (m: WorkloadSummary, proxy: ProxyId): string[] {
  if (proxy !== 'slotgate') return ['—', '—']
  const interval = m.roundRatioInterval('slotgate', 'slotgate-baseline')
  const within = interval === undefined ? '' : ` (${fixed(interval.low, 2)}–${fixed(interval.high, 2)})`
  return [`${fixed(m.roundRatio('slotgate', 'slotgate-baseline'), 2)}${within}`, `${fixed(m.targets.get('slotgate')?.cpuMicros, 1)} / ${fixed(m.targets.get('slotgate-baseline')?.cpuMicros, 1)}`]
}

/** One row of a method's summary: a workload through slotgate (or its multi-process form). */
function summaryRow (m: WorkloadSummary, proxy: ProxyId, title: string, judged: Verdict, probes: ReadonlyMap<string, ProbeResult>, withBaseline: boolean): string[] {
  const w = m.workload
  const ref = w.comparable ? '' : REF
  const s = m.targets.get(proxy)
  const p = m.targets.get('predixy')
  const d = m.targets.get('direct')
  const notes: string[] = []
  if (m.failedRuns > 0) notes.push(`FAILED: ${m.failedRuns} of ${m.runs} runs`)
  const kinds = [...m.noteKinds].map(([kind, n]) => `${kind} ×${n}`).join(', ')
  if (kinds !== '') notes.push(`runs with notes: ${kinds}`)
  const probe = probes.get(w.backend.name.toUpperCase())
  if (proxy === 'slotgate' && probe !== undefined && (errorRate(probe) > 0 || probe.wrong > 0)) notes.push(`probe: ${probeLine(probe)}`)
  const [vsBaseline, cpuBaseline] = withBaseline ? baselineCells(m, proxy) : []
  return [title, `${ops(d?.rps)}${ref}`, ops(s?.rps), `${fixed(s?.ratio, 2)}${ref}`, `${fixed(p?.ratio, 2)}${ref}`, fixed(m.peerRatio(proxy), 2),
    ...(vsBaseline === undefined ? [] : [vsBaseline]), `${fixed(s?.cpuMicros, 1)} / ${fixed(p?.cpuMicros, 1)}`, ...(cpuBaseline === undefined ? [] : [cpuBaseline]),
    `${ms(s?.p50)} / ${ms(p?.p50)} / ${ms(d?.p50)}${ref}`, judged.goal, judged.met, notes.join('; ')]
}

/**
 * A method's summary table: one row per workload with the ratios to direct, slotgate/predixy,
 * CPU per request of both, p50s, and the goal with its verdict; then the `--workers` rows
 * (ops/s and CPU, to show multi-core scaling; no goal). When a baseline ran (`--baseline`),
 * slotgate/baseline and `CPU µs/req s / b` follow their predixy counterparts.
 */
export function summaryTable (summaries: readonly WorkloadSummary[], probes: ReadonlyMap<string, ProbeResult>, workersName?: string): string {
  const withBaseline = summaries.some(m => m.targets.has('slotgate-baseline'))
  const headers = ['workload', 'direct ops/s', 'slotgate ops/s', 'slotgate/direct', 'predixy/direct', 'slotgate/predixy', ...(withBaseline ? ['slotgate/baseline'] : []),
    'CPU µs/req s / p', ...(withBaseline ? ['CPU µs/req s / b'] : []), 'p50 ms s / p / d', 'goal', 'met', 'notes']
  const rows = summaries.map(m => {
    const s = m.targets.get('slotgate')
    const hasPeer = m.targets.has('predixy')
    const judged = judgeRow({ peerRatio: m.peerRatio('slotgate'), cpuSlotgate: s?.cpuMicros, cpuPredixy: m.targets.get('predixy')?.cpuMicros, p50: s?.p50, latency: m.workload.latency }, hasPeer)
    return summaryRow(m, 'slotgate', m.workload.title, judged, probes, withBaseline)
  })
  for (const m of summaries.filter(x => x.targets.has('slotgate-workers'))) {
    rows.push(summaryRow(m, 'slotgate-workers', `${m.workload.title}, ${workersName ?? 'slotgate --workers N'}`, { goal: '— (scaling)', met: '—' }, probes, withBaseline))
  }
  // Numbers right, the first column and the last three (goal, met, notes) left.
  return markdownTable(headers, rows, headers.map<Align>((_, i) => i === 0 || i >= headers.length - 3 ? 'left' : 'right'))
}

/** RSS readings of one proxy over the bench, KiB. */
export interface MemoryFigures {
  readonly idle?: number
  /** Highest RSS right after any run. */
  readonly peakAfterRun?: number
  /** After the last round, before the crowd. */
  readonly end?: number
  /** With 1,000 clients connected and idle, then the highest reading while a load ran beside them. */
  readonly crowdConnected?: number
  readonly crowdUnderLoad?: number
}

/** The RSS readings of the proxies the memory table shows; predixy and the baseline when they ran. */
export interface MemoryReadings {
  readonly slotgate: MemoryFigures
  readonly predixy?: MemoryFigures
  readonly baseline?: MemoryFigures
}

/** slotgate's, predixy's and the baseline's RSS side by side, with slotgate's goals. */
export function memoryTable ({ slotgate, predixy, baseline }: MemoryReadings, crowdClients: number): string {
  const hasPeer = predixy !== undefined
  const idle = judgeRss(slotgate.idle, MAX_IDLE_RSS_KIB, hasPeer)
  const crowd = judgeRss(slotgate.crowdUnderLoad, MAX_CROWD_RSS_KIB, hasPeer)
  const none = { goal: '', met: '' }
  const clients = crowdClients.toLocaleString('en-US')
  const withBaseline = baseline !== undefined
  const row = (label: string, key: keyof MemoryFigures, v: Verdict): string[] =>
    [label, mib(slotgate[key]), mib(predixy?.[key]), ...(withBaseline ? [mib(baseline[key])] : []), v.goal, v.met]
  const headers = ['RSS', 'slotgate MiB', 'predixy MiB', ...(withBaseline ? ['baseline MiB'] : []), 'goal', 'met']
  return markdownTable(headers, [
    row('idle, before the warm-up', 'idle', idle),
    row('peak right after a run', 'peakAfterRun', none),
    row('after the last round', 'end', none),
    row(`${clients} clients connected, idle`, 'crowdConnected', none),
    row(`${clients} clients connected, under load (peak)`, 'crowdUnderLoad', crowd)
  ], headers.map<Align>((_, i) => i > 0 && i < headers.length - 2 ? 'right' : 'left'))
}

/** One line about a multi-key probe: error rate by kind, wrong answers. */
export function probeLine (probe: ProbeResult): string {
  const kinds = [...probe.errors].map(([kind, n]) => `${n} ${kind}`).join(', ')
  const rate = `${(errorRate(probe) * 100).toFixed(1)}% errors (${kinds === '' ? 'none' : kinds} of ${probe.sent})`
  const wrong = probe.wrong > 0 ? `, ${probe.wrong} wrong replies` : ''
  const first = probe.firstError === undefined ? '' : `, first: "${probe.firstError}"`
  return `${probe.command} ${rate}${wrong}${first}`
}
