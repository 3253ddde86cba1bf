/**
 * A place in a client's reply queue. Every client command takes exactly one (CLIENT REPLY
 * OFF aside), in the order it was read, so replies leave in request order whichever node
 * answers first: a backend request, a fan-out gathering parts, or a reply made here.
 */
export interface QueueEntry {
  /** The reply bytes once known; the session writes entries at the queue's head as they complete. */
  reply: Buffer | null
  /** Metrics tag: the command's table name (null: unknown), set by the session. */
  command?: string | null
  /** Metrics tag: performance.now() when the command was read. */
  startedAt?: number
  /** The connection ends once this reply is written (QUIT, CLIENT KILL of itself, a protocol error). */
  closeAfter?: boolean
  /** Pub/Sub confirmations: written even under CLIENT REPLY OFF, as Redis writes them (CLIENT_PUSHING). */
  push?: boolean
}

/**
 * Where a handler delivers: the client's reply queue, as the session exposes it. Handlers
 * never see the session, only this.
 */
export interface ReplySink {
  /** True once the client is gone: nothing sent for it any more, no reply wanted. */
  readonly closed: boolean
  /**
   * Which of a node's shared links the client uses (with linksPerNode > 1): one per client,
   * so that its commands to a node keep their order on one connection.
   */
  readonly lane: number
  /** Appends `entry` to the queue (its reply may be set already, or come later). */
  push (entry: QueueEntry): void
  /** `entry.reply` is set: write it when it reaches the queue's head. */
  onRequestDone (entry: QueueEntry): void
  /** A frame nobody asked for (a Pub/Sub message) joins the queue, already complete. */
  pushMessage (frame: Buffer): void
}

/** A reply slotgate makes itself, now or later (INFO awaits the masters). */
export class LocalReply implements QueueEntry {
  /** Metrics tags (see QueueEntry), declared so the object keeps one shape. */
  command: string | null | undefined = undefined
  startedAt = 0
  push = false
  constructor (public reply: Buffer | null, public closeAfter = false) {}
}
