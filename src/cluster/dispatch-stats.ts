/** The transient signals retried after a backoff. */
export type RetriedSignal = 'tryagain' | 'clusterdown' | 'loading' | 'readonly' | 'masterdown'

/** What the dispatcher counts (exported by the metrics module); plain fields, so `{ ...stats }` is a snapshot. */
export class DispatchStats {
  moved = 0
  ask = 0
  /** Sends repeated after a transient signal, by signal. */
  tryAgain = 0
  clusterDown = 0
  loading = 0
  /** Writes that met READONLY from a master a failover had demoted. */
  demoted = 0
  masterDown = 0
  /** Read-only commands sent again after their link broke mid-flight. */
  retriedReads = 0
  /** Unwritten commands re-routed after their link broke. */
  rerouted = 0
  /** Writes answered "outcome unknown" because their link broke mid-flight. */
  unknownOutcome = 0
  /** Commands that had to wait for a reachable master, and those that gave up. */
  waited = 0
  deadlineExceeded = 0
}

/** Counts one retry of a transient signal. */
export function countRetry (stats: DispatchStats, signal: RetriedSignal): void {
  switch (signal) {
    case 'tryagain': stats.tryAgain++; return
    case 'clusterdown': stats.clusterDown++; return
    case 'loading': stats.loading++; return
    case 'readonly': stats.demoted++; return
    case 'masterdown': stats.masterDown++
  }
}
