/** A command held back by the fence. */
export interface ParkedCommand {
  args: Buffer[]
  wire: Buffer | null
  startedAt: number
  /** Its request bytes (see PendingBytes), set once it is known. */
  bytes: number
}

/** What the fence needs from its session. */
export interface FenceHost {
  readonly closed: boolean
  /** True while some command in the reply queue has no reply yet. */
  hasUnanswered (): boolean
  /** Runs a command that was held back. */
  runParked (command: ParkedCommand): void
  /** Stops / resumes handing out parsed requests (the parser's own pause). */
  pauseParsing (): void
  resumeParsing (): void
}

/**
 * A client's ordering fence: a command that travels on another connection than the
 * client's shared one (a blocking command, WATCH, the EXEC it guards) or is about the
 * effects of the earlier ones (WAIT) must not start before those are answered, or it could
 * overtake them on the node (see exec's needsFence). Such a command is held here, and
 * nothing after it is parsed, until the client's queue has no unanswered command left.
 */
export class OrderingFence {
  private parked: ParkedCommand | null = null

  constructor (private readonly host: FenceHost) {}

  /** True while a command is held. */
  get holding (): boolean { return this.parked !== null }

  /** Holds `command` back; parsing waits with it. */
  park (command: ParkedCommand): void {
    this.parked = command
    this.host.pauseParsing()
  }

  /** The bytes the held command had (known once its run ended). */
  setBytes (bytes: number): void {
    if (this.parked !== null && this.parked.bytes === -1) this.parked.bytes = bytes
  }

  /** A reply arrived: when nothing is unanswered any more, the held command runs. */
  onAnswer (): void {
    if (this.parked !== null && !this.host.hasUnanswered()) setImmediate(() => { this.release() })
  }

  private release (): void {
    const parked = this.parked
    if (parked === null || this.host.closed || this.host.hasUnanswered()) return
    this.parked = null
    this.host.runParked(parked)
    if (this.parked === null) this.host.resumeParsing()
  }
}
