import type { ClusterSignal } from './cluster-signal.js'
import type { NodeAddress } from './node-address.js'

/**
 * slotgate's one policy for what goes wrong between a command and the cluster: what each
 * cluster signal (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, LOADING, READONLY from a demoted master,
 * MASTERDOWN) and each lost link means for the command, for shared and dedicated connections
 * alike (the dispatcher carries the verdicts out). Pure: values in, a verdict out.
 *
 * | signal                          | meaning                                 | verdict                                    |
 * |---------------------------------|-----------------------------------------|--------------------------------------------|
 * | MOVED                           | map stale                               | follow (record the slot), within the cap   |
 * | ASK                             | slot migrating                          | follow with ASKING, within the deadline    |
 * | TRYAGAIN, CLUSTERDOWN, LOADING, MASTERDOWN | transient, not executed      | retry after a backoff, within the deadline |
 * | READONLY (write to a demoted master) | failover happened, not executed    | refresh, retry within the deadline         |
 * | link lost before the write      | not sent                                | route again                                |
 * | link lost (or silent) after it  | outcome unknown                         | reads sent again; writes "outcome unknown" |
 *
 * Every retry is bounded: MOVED by a count (a redirect loop is a broken cluster), the rest by
 * one deadline per client command, which the parts of a split command or a MULTI block share.
 */
export interface PolicyOptions {
  /** MOVED redirects one command may follow. */
  maxRedirects: number
  /** How long a command may wait for its slot to be served (failover, migration). */
  failoverDeadlineMs: number
  /** Delay before retrying a transient signal. */
  retryBackoffMs: number
}

/** One client command's budget: its deadline and the redirects it took, shared by all its parts. */
export class CommandBudget {
  /** performance.now() after which waiting and retrying stop; 0 until something had to wait. */
  deadline = 0
  /** MOVED redirects followed so far. */
  redirects = 0

  /** Starts the deadline clock on first use; true while `now` is within it. */
  within (now: number, options: PolicyOptions): boolean {
    if (this.deadline === 0) this.deadline = now + options.failoverDeadlineMs
    return now < this.deadline
  }
}

/** What to do with a request whose reply was a cluster signal. */
export type SignalVerdict =
  /** Send it to `node` now; `slotMoved` records a MOVED in the slot map, `asking` prefixes ASKING. */
  | { act: 'follow', node: NodeAddress, slotMoved: { slot: number, node: NodeAddress } | null, asking: boolean }
  /** Not executed: send it again after a backoff (`refresh`: the slot map is suspect). */
  | { act: 'retry', refresh: boolean }
  /** The budget is spent: the client gets `error`, or the node's own reply when null. */
  | { act: 'give-up', error: string | null }

/** Reasons a budget runs out, worded in one place (reply-strings holds the texts). */
export type GiveUpReason = 'redirects' | 'deadline'

/**
 * The verdict on a cluster signal. `giveUpText` words the error for a spent budget (null:
 * the node's own error is the answer, as for TRYAGAIN past the deadline).
 */
export function judgeSignal (signal: ClusterSignal, budget: CommandBudget, now: number, options: PolicyOptions,
  giveUpText: (reason: GiveUpReason) => string): SignalVerdict {
  switch (signal.kind) {
    case 'moved':
      if (++budget.redirects > options.maxRedirects) return { act: 'give-up', error: giveUpText('redirects') }
      return { act: 'follow', node: signal.node, slotMoved: { slot: signal.slot, node: signal.node }, asking: false }
    case 'ask':
      // A migration legitimately cycles ASK -> TRYAGAIN for as long as it lasts: bounded by time.
      if (!budget.within(now, options)) return { act: 'give-up', error: giveUpText('redirects') }
      return { act: 'follow', node: signal.node, slotMoved: null, asking: true }
    case 'readonly':
      // A write reached a master that a failover turned into a replica: it did not run.
      if (now + options.retryBackoffMs > budgetDeadline(budget, now, options)) return { act: 'give-up', error: null }
      return { act: 'retry', refresh: true }
    case 'tryagain':
    case 'clusterdown':
    case 'loading':
    case 'masterdown':
      if (now + options.retryBackoffMs > budgetDeadline(budget, now, options)) return { act: 'give-up', error: null }
      return { act: 'retry', refresh: signal.kind !== 'tryagain' }
  }
}

function budgetDeadline (budget: CommandBudget, now: number, options: PolicyOptions): number {
  budget.within(now, options)
  return budget.deadline
}

/** What to do with a request whose link went away. */
export type LossVerdict =
  /** Never written: route it again (it waits for the topology when its node is gone). */
  | 'reroute'
  /** Written, but only reads: safe to send again. */
  | 'resend'
  /** Written and may have run: the client is told the outcome is unknown, never sent twice. */
  | 'outcome-unknown'

/**
 * The verdict on a request whose link was lost. `timedOut`: the node stopped answering
 * rather than closing, so a read sent again would wait on the same frozen node, past the
 * time the client was promised an answer by.
 */
export function judgeLoss (written: boolean, readOnly: boolean, timedOut: boolean, budget: CommandBudget, options: PolicyOptions): LossVerdict {
  if (!written) return 'reroute'
  if (readOnly && !timedOut && ++budget.redirects <= options.maxRedirects) return 'resend'
  return 'outcome-unknown'
}
