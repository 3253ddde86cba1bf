import type { NodeAddress } from './node-address.js'

/** Where a read-only command may go (config readPolicy, or READONLY in a session). */
export const ReadFrom = { master: 0, preferReplica: 1, replica: 2, any: 3 } as const
export type ReadFrom = typeof ReadFrom[keyof typeof ReadFrom]

/** Whoever waits for a request's reply (a client session, or a fan-out gathering parts). */
export interface RequestOwner {
  /** Called once, when `req.reply` holds the final reply bytes. */
  onRequestDone (req: BackendRequest): void
  /** True once nobody wants the reply any more (the client disconnected). */
  readonly closed: boolean
  /**
   * Which of a node's shared links to use (with linksPerNode > 1): the client's, so that one
   * client's commands to a node keep their order on one connection.
   */
  readonly lane?: number
}

/**
 * One command on its way to the cluster. It is also the client's place in its reply queue,
 * so a request costs one object, not a request plus a callback closure.
 */
export class BackendRequest {
  /** The final reply bytes, set just before `owner.onRequestDone`. */
  reply: Buffer | null = null
  /** MOVED/ASK redirects and retries taken so far (bounded by maxRedirects). */
  redirects = 0
  /** Sends repeated after TRYAGAIN, CLUSTERDOWN or a lost link (metrics). */
  retries = 0
  /** Node named by an ASK redirect: the next attempt goes there, preceded by ASKING. */
  askNode: NodeAddress | null = null
  /** Set by the link that prefixed it with ASKING, until written. */
  asking = false
  /** Time (ms) after which a waiting request gives up; 0 while it never had to wait. */
  deadline = 0
  /** Metrics tags, set on the first entry a client command queues (declared here so the hot object keeps one shape). */
  command: string | null | undefined = undefined
  startedAt = 0
  /** performance.now() when last written to a node, for the backend timeout. */
  sentAt = 0
  /** The node it was last written to. */
  node: NodeAddress | null = null
  /** Free for the owner (e.g. a part index in a split command). */
  tag = 0
  /**
   * Part of a block that must stay together on one connection (MULTI ... EXEC): replies go to
   * the owner as they are (no redirect followed), and it is never re-routed or retried.
   */
  raw = false
  /** For read-only commands: whether a replica may (or must) serve it. */
  readFrom: ReadFrom = ReadFrom.master
  /** See RequestOwner.lane. */
  readonly lane: number
  /** RESP version of the link it must travel on: the client's, so replies pass through as they are. */
  protocol: 2 | 3 = 2
  /** The request's bytes as the client sent them (RESP multibulk of exactly `args`), forwarded without re-encoding; null: encode `args`. */
  wire: Buffer | null = null

  constructor (
    /** Command and arguments, as received. */
    readonly args: Buffer[],
    /** Hash slot of its keys, or -1 for a keyless request sent to a chosen node. */
    readonly slot: number,
    /** Safe to send again after a lost connection (the command never writes). */
    readonly readOnly: boolean,
    readonly owner: RequestOwner,
    /** For keyless requests: the node to send to. */
    public target: NodeAddress | null = null
  ) {
    this.lane = owner.lane ?? 0
  }

  /** The owner no longer wants the reply: never (re)send it. */
  get cancelled (): boolean {
    return this.owner.closed
  }
}
