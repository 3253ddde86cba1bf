import type { BenchOutcome } from './redis-benchmark.js'
import type { Workload } from './workloads.js'

/**
 * A proxy the bench measures: slotgate as shipped, the C++ peer, slotgate with `--workers`, and
 * another checkout's build of slotgate (`--baseline DIR`) to judge a change against.
 */
export type ProxyId = 'slotgate' | 'predixy' | 'slotgate-workers' | 'slotgate-baseline'

/** Where a run sent its requests: straight at the cluster, or through a proxy. */
export type Target = 'direct' | ProxyId

/** One redis-benchmark invocation and what was measured around it. */
export interface RunRecord {
  readonly workload: Workload
  readonly round: number
  readonly target: Target
  readonly outcome: BenchOutcome
  /** Backend calls of the workload's command the cluster counted during the run. */
  readonly backendCalls?: number
  /** Proxy runs: Δ(utime+stime) of the proxy's processes per request, µs. */
  readonly cpuMicrosPerRequest?: number
  /** Proxy runs: the proxy's VmRSS right after the run (process tree summed), KiB. */
  readonly rssKib?: number
  /** Share of the machine's CPU that processes outside the bench used during the run, 0..1. */
  readonly foreignCpuShare?: number
}

/** Latency above which a run is flagged as having stalled. */
export const STALL_MS = 1000
/** redis-benchmark with threads notices the end of a run only on its 250 ms throughput tick. */
export const END_TICK_MS = 250
/** Other work above this share of the CPU marks a run as noisy. */
export const NOISY_SHARE = 0.1
/** Runs shorter than this get a note on how far the end tick can pull their ops/s down. */
const SHORT_RUN_MS = 2000

/** Seconds the run took by redis-benchmark's own clock (requests / ops/s). */
export function elapsedMs (run: RunRecord): number | undefined {
  return run.outcome.rps === undefined ? undefined : run.workload.requests / run.outcome.rps * 1000
}

/** True when the run produced numbers that can be trusted: no errors, a CSV row, exit 0. */
export function succeeded (run: RunRecord): boolean {
  const o = run.outcome
  return o.exitCode === 0 && !o.timedOut && o.errors.length === 0 && o.rps !== undefined
}

/**
 * Single-key workloads must reach the cluster exactly once per request: fewer means lost
 * requests, more means duplicates (a retried write applied twice). Split commands fan out, so
 * only their ratio is shown.
 */
export function countMismatch (run: RunRecord): boolean {
  return succeeded(run) && !run.workload.multiKey && run.backendCalls !== undefined && run.backendCalls !== run.workload.requests
}

/** redis-benchmark runs with threads (and so with the end tick) for this run's target. */
function threaded (run: RunRecord): boolean {
  return run.target === 'direct' || run.workload.method.clientThreads !== undefined
}

/** What kind of trouble a note is about (the summary counts them by kind). */
export type NoteKind = 'timeout' | 'exit' | 'error' | 'no result' | 'count' | 'stall' | 'short run' | 'noisy' | 'output'

/** One remark on a run. */
export interface RunNote {
  readonly kind: NoteKind
  readonly text: string
}

/** Notes on what went wrong or looked odd in one run (empty when nothing did). */
export function runNotes (run: RunRecord): RunNote[] {
  const o = run.outcome
  const notes: RunNote[] = []
  const add = (kind: NoteKind, text: string): void => { notes.push({ kind, text }) }
  if (o.timedOut) add('timeout', `TIMEOUT after ${(o.wallMs / 1000).toFixed(0)} s (killed)`)
  else if (o.exitCode !== 0) add('exit', `exit ${o.exitCode}`)
  if (o.errors.length > 0) add('error', `ERROR: ${o.errors[0] as string}${o.errors.length > 1 ? ` (+${o.errors.length - 1} more lines)` : ''}`)
  if (!o.timedOut && o.exitCode === 0 && o.rps === undefined) add('no result', 'no CSV result row')
  if (countMismatch(run)) add('count', `COUNT: cluster ran ${run.backendCalls} ${run.workload.backend.name.toUpperCase()} for ${run.workload.requests} requests`)
  if (o.maxMs !== undefined && o.maxMs >= STALL_MS) add('stall', `stall: max latency ${o.maxMs.toFixed(0)} ms`)
  const elapsed = elapsedMs(run)
  if (succeeded(run) && threaded(run) && elapsed !== undefined && elapsed < SHORT_RUN_MS) {
    add('short run', `short run (${(elapsed / 1000).toFixed(2)} s): ops/s up to ${(END_TICK_MS / elapsed * 100).toFixed(0)}% low`)
  }
  if (run.foreignCpuShare !== undefined && run.foreignCpuShare > NOISY_SHARE) add('noisy', `noisy: other processes used ${(run.foreignCpuShare * 100).toFixed(0)}% of the CPU`)
  if (o.other.length > 0) add('output', `output: ${o.other[0] as string}`)
  return notes
}
