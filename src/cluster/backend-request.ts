import { CommandBudget } from './failure-policy.js'
import type { NodeAddress } from './node-address.js'

/** Where a read-only command may go (config readPolicy, or READONLY in a session). */
export const ReadFrom = { master: 0, preferReplica: 1, replica: 2, any: 3 } as const
export type ReadFrom = typeof ReadFrom[keyof typeof ReadFrom]

/** Whoever waits for a request's reply (a client's reply queue, or a fan-out gathering parts). */
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

/** The minimal link a request is written to (a NodeLink). */
export interface RequestLink {
  send (req: BackendRequest): void
}

/**
 * For a request that must travel on a connection of its own (a blocking command, a WATCH and
 * the transaction it guards): gives the connection to `node` for its next send. Returns null
 * when it cannot, having completed the request itself (no connection to be had; a WATCH'd
 * transaction that can no more run where its keys were watched). `req.sends` tells a first
 * send from one after a redirect, a retry or a lost link.
 */
export interface LinkProvider {
  linkTo (node: NodeAddress, req: BackendRequest): RequestLink | null
}

/**
 * One command on its way to the cluster. It is also the client's place in its reply queue,
 * so a request costs one object, not a request plus a callback closure.
 */
export class BackendRequest {
  /** The final reply bytes, set just before `owner.onRequestDone`. */
  reply: Buffer | null = null
  /**
   * The command's deadline and redirect count: shared by every part of one client command;
   * made on first need (most requests never need one).
   */
  budget: CommandBudget | null
  /** Sends repeated after TRYAGAIN, CLUSTERDOWN or a lost link (metrics). */
  retries = 0
  /** Times it was handed to a link (see LinkProvider). */
  sends = 0
  /** Node named by an ASK redirect: the next attempt goes there, preceded by ASKING. */
  askNode: NodeAddress | null = null
  /** Set by the link that prefixed it with ASKING, until written. */
  asking = false
  /** Metrics tags, set on the first entry a client command queues (declared here so the hot object keeps one shape). */
  command: string | null | undefined = undefined
  startedAt = 0
  /** performance.now() when last written to a node, for the backend timeout. */
  sentAt = 0
  /**
   * How long its reply may take once written, in ms; 0: the link's default (commandTimeoutMs).
   * Slow commands and blocking ones get their own, so their wait never reads as a frozen node.
   */
  timeoutMs = 0
  /**
   * The node works on it for all that time (a slow command: a script, KEYS), so a silence of
   * the node meanwhile is no sign it froze; a blocked command waits without holding the node.
   */
  holdsNode = false
  /** The node it was last written to. */
  node: NodeAddress | null = null
  /** Free for the owner (e.g. a part index in a split command). */
  tag = 0
  /**
   * Replies it expects: 1, or the length of a block that must stay together on one connection
   * (MULTI ... EXEC), whose replies arrive in `replies` and which is sent, redirected and
   * retried as one.
   */
  replyCount = 1
  /** A block's replies, in order, once all arrived (replyCount > 1). */
  replies: Buffer[] | null = null
  /** For read-only commands: whether a replica may (or must) serve it. */
  readFrom: ReadFrom = ReadFrom.master
  /** See RequestOwner.lane. */
  readonly lane: number
  /** RESP version of the link it must travel on: the client's, so replies pass through as they are. */
  protocol: 2 | 3 = 2
  /** The request's bytes as the client sent them (RESP multibulk of exactly `args`), forwarded without re-encoding; null: encode `args`. */
  wire: Buffer | null = null
  /** A connection of its own instead of the node's shared link (see LinkProvider); null: shared. */
  via: LinkProvider | null = null

  constructor (
    /** Command and arguments, as received. */
    readonly args: Buffer[],
    /** Hash slot of its keys, or -1 for a keyless request sent to a chosen node. */
    readonly slot: number,
    /** Safe to send again after a lost connection (the command never writes). */
    readonly readOnly: boolean,
    readonly owner: RequestOwner,
    /** For keyless requests: the node to send to. */
    public target: NodeAddress | null = null,
    budget?: CommandBudget
  ) {
    this.lane = owner.lane ?? 0
    this.budget = budget ?? null
  }

  /** MOVED redirects followed (metrics). */
  get redirects (): number { return this.budget?.redirects ?? 0 }

  /** Marks a slow command: its own reply time, and the node is busy with it meanwhile (see holdsNode). */
  runsLong (timeoutMs: number): void {
    this.timeoutMs = timeoutMs
    this.holdsNode = true
  }

  /** The budget, made now if this request had none. */
  ownBudget (): CommandBudget {
    return (this.budget ??= new CommandBudget())
  }

  /** The owner no longer wants the reply: never (re)send it. */
  get cancelled (): boolean {
    return this.owner.closed
  }
}
