import { markdownTable } from './markdown-table.js'
import { errorRate, type ProbeResult } from './multi-key-probe.js'
import { runNotes, succeeded, type RunRecord, type Target } from './run-record.js'
import { median, range } from './stats.js'
import type { Workload } from './workloads.js'

const ops = (v: number | undefined): string => v === undefined ? '—' : Math.round(v).toLocaleString('en-US')
const ms = (v: number | undefined): string => v === undefined ? '—' : v.toFixed(3)
const fixed = (v: number | undefined, digits: number): string => v === undefined ? '—' : v.toFixed(digits)
const pct = (share: number | undefined): string => share === undefined ? '—' : (share * 100).toFixed(0)
const mib = (kib: number | undefined): string => kib === undefined ? '—' : (kib / 1024).toFixed(1)
/** Marks numbers of a direct run that did other work than the slotgate run (see Workload.comparable). */
const REF = '†'

function pick (runs: readonly RunRecord[], round: number, target: Target): RunRecord | undefined {
  return runs.find(r => r.round === round && r.target === target)
}

/**
 * slotgate/direct ops/s of one round, where both runs succeeded. For workloads that are not
 * comparable (MSET/MGET) it is against the single-slot reference, and printed with a †.
 */
function ratio (slotgate: RunRecord | undefined, direct: RunRecord | undefined): number | undefined {
  if (slotgate === undefined || direct === undefined) return undefined
  if (!succeeded(slotgate) || !succeeded(direct)) return undefined
  return (slotgate.outcome.rps as number) / (direct.outcome.rps as number)
}

/** Numbers of a run, or undefined for a failed one, so a broken run never feeds a median. */
const ok = <T>(run: RunRecord | undefined, get: (r: RunRecord) => T | undefined): T | undefined =>
  run !== undefined && succeeded(run) ? get(run) : undefined

function countKinds (runs: readonly RunRecord[]): Map<string, number> {
  const kinds = new Map<string, number>()
  for (const run of runs) {
    for (const kind of new Set(runNotes(run).map(n => n.kind))) kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
  }
  return kinds
}

/** The per-workload medians the summary and RESULTS.md use. */
export interface WorkloadSummary {
  readonly workload: Workload
  readonly ratio?: number
  readonly ratioRange?: [number, number]
  readonly slotgateRps?: number
  readonly directRps?: number
  readonly cpuMicros?: number
  readonly p50: [number | undefined, number | undefined]
  readonly p99: [number | undefined, number | undefined]
  readonly rssKib?: number
  readonly backendPerRequest?: number
  /** Median share of the CPU used by processes outside the bench: slotgate runs, direct runs. */
  readonly foreignShare: [number | undefined, number | undefined]
  readonly failedRuns: number
  /** How many runs got a note of each kind. */
  readonly noteKinds: Map<string, number>
  readonly rounds: number
}

/** Medians over rounds of one workload's runs. */
export function summarize (workload: Workload, runs: readonly RunRecord[]): WorkloadSummary {
  const rounds = [...new Set(runs.map(r => r.round))].sort((a, b) => a - b)
  const s = rounds.map(round => pick(runs, round, 'slotgate'))
  const d = rounds.map(round => pick(runs, round, 'direct'))
  const ratios = rounds.map((_, i) => ratio(s[i], d[i]))
  return {
    workload,
    ratio: median(ratios),
    ratioRange: range(ratios),
    slotgateRps: median(s.map(r => ok(r, x => x.outcome.rps))),
    directRps: median(d.map(r => ok(r, x => x.outcome.rps))),
    cpuMicros: median(s.map(r => ok(r, x => x.cpuMicrosPerRequest))),
    p50: [median(s.map(r => ok(r, x => x.outcome.p50Ms))), median(d.map(r => ok(r, x => x.outcome.p50Ms)))],
    p99: [median(s.map(r => ok(r, x => x.outcome.p99Ms))), median(d.map(r => ok(r, x => x.outcome.p99Ms)))],
    rssKib: median(s.map(r => r?.rssKib)),
    backendPerRequest: median(s.map(r => ok(r, x => x.backendCalls === undefined ? undefined : x.backendCalls / x.workload.requests))),
    foreignShare: [median(s.map(r => r?.foreignCpuShare)), median(d.map(r => r?.foreignCpuShare))],
    failedRuns: runs.filter(r => !succeeded(r)).length,
    noteKinds: countKinds(runs),
    rounds: rounds.length
  }
}

/** One table for one workload: a row per round, then the medians. */
export function workloadTable (workload: Workload, runs: readonly RunRecord[]): string {
  const ref = workload.comparable ? '' : REF
  const headers = ['round', 'direct ops/s', 'slotgate ops/s', 'ratio', 'direct p50/p99 ms', 'slotgate p50/p99 ms', 'CPU µs/req', 'RSS MiB', 'backend/req', 'other CPU % s/d', 'notes']
  const rows: string[][] = []
  const rounds = [...new Set(runs.map(r => r.round))].sort((a, b) => a - b)
  for (const round of rounds) {
    const s = pick(runs, round, 'slotgate')
    const d = pick(runs, round, 'direct')
    // 'noisy' has its own column here.
    const notesOf = (run: RunRecord | undefined, who: string): string[] => run === undefined ? [] : runNotes(run).filter(n => n.kind !== 'noisy').map(n => `${who} ${n.text}`)
    const notes = [...notesOf(s, 'slotgate'), ...notesOf(d, 'direct')]
    rows.push([
      String(round),
      `${ops(ok(d, x => x.outcome.rps))}${ref}`,
      ops(ok(s, x => x.outcome.rps)),
      `${fixed(ratio(s, d), 2)}${ref}`,
      `${ms(ok(d, x => x.outcome.p50Ms))} / ${ms(ok(d, x => x.outcome.p99Ms))}${ref}`,
      `${ms(ok(s, x => x.outcome.p50Ms))} / ${ms(ok(s, x => x.outcome.p99Ms))}`,
      fixed(ok(s, x => x.cpuMicrosPerRequest), 1),
      mib(s?.rssKib),
      fixed(ok(s, x => x.backendCalls === undefined ? undefined : x.backendCalls / workload.requests), 3),
      `${pct(s?.foreignCpuShare)} / ${pct(d?.foreignCpuShare)}`,
      notes.join('; ')
    ])
  }
  const m = summarize(workload, runs)
  rows.push(['median', `${ops(m.directRps)}${ref}`, ops(m.slotgateRps), `${fixed(m.ratio, 2)}${ref}`,
    `${ms(m.p50[1])} / ${ms(m.p99[1])}${ref}`, `${ms(m.p50[0])} / ${ms(m.p99[0])}`, fixed(m.cpuMicros, 1), mib(m.rssKib), fixed(m.backendPerRequest, 3),
    `${pct(m.foreignShare[0])} / ${pct(m.foreignShare[1])}`,
    m.failedRuns > 0 ? `${m.failedRuns} failed run(s) left out` : ''])
  const footnote = workload.comparable
    ? ''
    : `\n${REF} direct runs use --cluster, which puts all 10 keys of a command in one slot ({tag}): a reference, not the same work (slotgate splits over ~10 slots on every master), so the ratio is to that reference.`
  return `### ${workload.title} (${workload.requests.toLocaleString('en-US')} requests)\n\n${markdownTable(headers, rows, ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'])}${footnote}`
}

/** The final table: one row per workload, medians over rounds. */
export function summaryTable (summaries: readonly WorkloadSummary[], probes: ReadonlyMap<string, ProbeResult>): string {
  const headers = ['workload', 'ratio', 'ratio range', 'CPU µs/req', 'C++ peer (issue #8)', 'p50 slotgate / direct', 'p99 slotgate / direct', 'slotgate ops/s', 'notes']
  const rows = summaries.map(m => {
    const w = m.workload
    const notes: string[] = []
    if (m.failedRuns > 0) notes.push(`FAILED: ${m.failedRuns} of ${2 * m.rounds} runs`)
    const kinds = [...m.noteKinds].map(([kind, n]) => `${kind} ×${n}`).join(', ')
    if (kinds !== '') notes.push(`runs with notes: ${kinds}`)
    const probe = probes.get(w.backend.name.toUpperCase())
    if (probe !== undefined && (errorRate(probe) > 0 || probe.wrong > 0)) notes.push(`probe: ${probeLine(probe)}`)
    if (!w.comparable) notes.push(`${REF} ratio to --cluster's single-slot ${w.backend.name.toUpperCase()}`)
    const ref = w.comparable ? '' : REF
    return [w.title, `${fixed(m.ratio, 2)}${ref}`,
      m.ratioRange === undefined ? '—' : `${m.ratioRange[0].toFixed(2)}–${m.ratioRange[1].toFixed(2)}`,
      fixed(m.cpuMicros, 1), w.peer, `${ms(m.p50[0])} / ${ms(m.p50[1])}${ref} ms`, `${ms(m.p99[0])} / ${ms(m.p99[1])}${ref} ms`,
      ops(m.slotgateRps), notes.join('; ')]
  })
  return markdownTable(headers, rows, ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'])
}

/** One line about a multi-key probe: error rate by kind, wrong answers. */
export function probeLine (probe: ProbeResult): string {
  const kinds = [...probe.errors].map(([kind, n]) => `${n} ${kind}`).join(', ')
  const rate = `${(errorRate(probe) * 100).toFixed(1)}% errors (${kinds === '' ? 'none' : kinds} of ${probe.sent})`
  const wrong = probe.wrong > 0 ? `, ${probe.wrong} wrong replies` : ''
  const first = probe.firstError === undefined ? '' : `, first: "${probe.firstError}"`
  return `${probe.command} ${rate}${wrong}${first}`
}
