/**
 * One client command as the session reports it when its reply is written: the session's
 * queue entry itself (a backend request, a fan-out, a local reply), read and not kept.
 */
export interface ObservedCommand {
  /** The command table's name (`get`, `config|get`); null for a command slotgate does not know. */
  readonly command: string | null
  /** The reply being written. */
  readonly reply: Buffer | null
  /** performance.now() when the request was parsed. */
  readonly startedAt: number
  /** MOVED/ASK redirects followed (backend requests only). */
  readonly redirects?: number
  /** Sends repeated after TRYAGAIN, CLUSTERDOWN or a lost link (backend requests only). */
  readonly retries?: number
}

/** Told about every client command once its reply leaves (the session's flush). */
export interface CommandObserver {
  /**
   * `now` is performance.now() read once per flush, not per command: a clock read costs
   * 40–100 ns on the VMs measured, as much as the rest of the bookkeeping.
   */
  commandDone (entry: ObservedCommand, now: number): void
}

/** Told about every reply a node sends for a request (the dispatcher's onLinkReply). */
export interface BackendObserver {
  /**
   * `sentAt`: performance.now() when the request was written (NodeLink.flush); `receivedAt`:
   * when the socket read holding its reply began (read once per chunk, not per reply);
   * `reply`: the reply itself (read, not kept: error replies are counted per node).
   */
  backendReply (node: string, sentAt: number, receivedAt: number, reply: Buffer): void
}

/** One observer telling two (INFO's node stats and the metrics). */
export function bothObservers (a: CommandObserver, b: CommandObserver): CommandObserver {
  return { commandDone (entry, now) { a.commandDone(entry, now); b.commandDone(entry, now) } }
}
