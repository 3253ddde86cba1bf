import { BackendRequest, type LinkProvider, type RequestLink, type RequestOwner } from '../cluster/backend-request.js'
import type { DedicatedLink } from '../cluster/dedicated-link.js'
import type { NodeAddress } from '../cluster/node-address.js'
import { blockingTimeoutMs } from '../commands/blocking-timeout.js'
import { errorReply, nullArrayReply } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { BlockedCommand, ClientContext } from './context.js'
import type { UnblockMode } from './client-view.js'
import type { QueueEntry } from './queue-entry.js'
import { leaseBlockingLink } from './targets.js'

/** A reply time for a command that may block forever: no timeout of its own (node liveness still applies). */
const FOREVER_MS = 2 ** 31

/**
 * One blocking command (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK, ...) on a connection of its
 * own from the blocking pool, so a command that waits on the node never holds up the shared
 * links. Redirects and losses go through the failure policy like any request; as its
 * LinkProvider this follows the slot to another node's pooled connection. Its reply may take
 * as long as its own timeout (plus the backend timeout). If the client leaves while blocked,
 * the connection is closed so the node unblocks at once — otherwise a late pop would take an
 * element nobody receives.
 */
export class BlockingRequest implements RequestOwner, LinkProvider, QueueEntry, BlockedCommand {
  reply: Buffer | null = null
  command: string | null | undefined = undefined
  startedAt = 0
  private link: DedicatedLink | null = null
  private leased = false
  private readonly req: BackendRequest
  /** BlockedCommand: the command has a timeout of its own. */
  readonly hasTimeout: boolean
  /** Set by CLIENT UNBLOCK: the node's reply, should one still come, is nobody's. */
  private unblocked = false

  constructor (private readonly client: ClientContext, args: Buffer[], slot: number, readOnly: boolean) {
    this.req = new BackendRequest(args, slot, readOnly, this)
    this.req.protocol = client.protocol
    this.req.via = this
    const blockMs = blockingTimeoutMs(args)
    this.hasTimeout = blockMs > 0
    this.req.timeoutMs = blockMs > 0 ? blockMs + client.ctx.commandTimeoutMs : FOREVER_MS
  }

  /** The client's lane (unused on a connection of its own; kept for the owner interface). */
  get lane (): number { return this.client.sink.lane }

  get closed (): boolean { return this.unblocked || this.client.sink.closed }

  /**
   * BlockedCommand: written to its node and unanswered. slotgate cannot see whether the node
   * blocked it or is about to answer at once; a command on the node's socket is as good as
   * blocked for a client that waits for `blocked_clients` before it pushes.
   */
  get waitingOnNode (): boolean { return this.reply === null && this.req.sentAt > 0 && this.link !== null }

  /**
   * CLIENT UNBLOCK: answers now, as Redis does for a blocked list, zset or stream command (a
   * null array on timeout, else the UNBLOCKED error), and closes the node connection so the
   * node stops waiting. An element the node hands out in the instant before the close is lost
   * with the connection, as when a blocked client disconnects.
   */
  unblock (mode: UnblockMode): boolean {
    if (!this.waitingOnNode) return false
    this.unblocked = true
    this.abandon()
    this.finish(mode === 'error' ? errorReply(ReplyStrings.unblocked) : nullArrayReply(this.client.protocol))
    return true
  }

  /** Sends the command, holding one of the client's dedicated-connection leases while it blocks. */
  start (): void {
    if (!this.client.ctx.dedicated.lease(this.client.id)) {
      this.finish(errorReply(ReplyStrings.tooManyDedicated('per-client', this.client.ctx.dedicated.bounds.perClient)))
      return
    }
    this.leased = true
    this.client.ctx.dispatcher.send(this.req)
  }

  /** @internal LinkProvider: the pooled connection to `node` (the current one, or another after a redirect). */
  linkTo (node: NodeAddress, req: BackendRequest): RequestLink | null {
    if (this.link !== null && !this.link.closed && this.link.node === node) return this.link
    this.giveBackLink()
    const link = leaseBlockingLink(this.client, node, req)
    if (link === null) {
      this.onRequestDone(req)
      return null
    }
    this.link = link
    return link
  }

  /** Called when the client disconnects, so the node stops blocking now. */
  abandon (): void {
    const link = this.link
    // Cleared first: closing the link reports the request lost, synchronously.
    this.link = null
    if (link !== null) this.client.ctx.blocking.discard(link)
    this.unlease()
  }

  /** @internal RequestOwner */
  onRequestDone (req: BackendRequest): void {
    this.giveBackLink()
    this.finish(req.reply as Buffer)
  }

  private giveBackLink (): void {
    if (this.link === null) return
    this.client.ctx.blocking.release(this.link, this.client.protocol)
    this.link = null
  }

  private unlease (): void {
    if (!this.leased) return
    this.leased = false
    this.client.ctx.dedicated.release(this.client.id)
  }

  private finish (reply: Buffer): void {
    this.unlease()
    this.client.blocked.delete(this)
    if (this.reply !== null) return
    this.reply = reply
    this.client.sink.onRequestDone(this)
  }
}
