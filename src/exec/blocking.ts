import { BackendRequest, type RequestOwner } from '../cluster/backend-request.js'
import type { DedicatedLink } from '../cluster/dedicated-link.js'
import { parseRedirect } from '../cluster/parse-redirect.js'
import { errorReply } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { ClientContext } from './context.js'
import { dedicatedLinkOptions } from './targets.js'

/**
 * One blocking command (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK, ...) on a connection of its
 * own from the blocking pool. Follows MOVED/ASK itself (a dedicated link does not), and if
 * the client leaves while blocked, closes the connection so the node unblocks at once —
 * otherwise a late pop would take an element nobody receives.
 */
export class BlockingRequest implements RequestOwner {
  reply: Buffer | null = null
  private link: DedicatedLink | null = null
  private readonly req: BackendRequest
  private redirects = 0

  constructor (private readonly client: ClientContext, args: Buffer[], private readonly slot: number) {
    this.req = new BackendRequest(args, slot, false, this)
    this.req.protocol = client.protocol
  }

  /** The client's lane, so these requests keep its order on a node's links. */
  get lane (): number { return this.client.sink.lane }

  get closed (): boolean {
    return this.client.sink.closed
  }

  /** Sends the command to the slot's master on a pooled connection. */
  start (node = this.client.ctx.topology.masterFor(this.slot)): void {
    if (node === undefined) { this.finish(errorReply(ReplyStrings.noNodeForSlot(this.slot))); return }
    const link = this.client.ctx.blocking.acquire(node, dedicatedLinkOptions(this.client))
    if (link === null) { this.finish(errorReply(ReplyStrings.tooManyBlocked(this.client.ctx.blocking.limit))); return }
    this.link = link
    this.req.reply = null
    link.send(this.req)
  }

  /** Called by the session when the client disconnects, so the node stops blocking now. */
  abandon (): void {
    const link = this.link
    if (link === null) return
    // Cleared first: closing the link completes the request synchronously, and
    // onRequestDone must not release a link that is being discarded.
    this.link = null
    this.client.ctx.blocking.discard(link)
  }

  /** @internal RequestOwner */
  onRequestDone (req: BackendRequest): void {
    const link = this.link
    if (link === null) return // abandoned
    this.link = null
    this.client.ctx.blocking.release(link, this.client.protocol)
    const reply = req.reply as Buffer
    const redirect = reply[0] === 0x2d ? parseRedirect(reply, link.node) : null
    if (redirect !== null && (redirect.kind === 'moved' || redirect.kind === 'ask') &&
      ++this.redirects <= this.client.ctx.maxRedirects) {
      if (redirect.kind === 'moved') this.client.ctx.topology.moveSlot(redirect.slot, redirect.node)
      else this.req.askNode = redirect.node
      this.start(redirect.node)
      return
    }
    this.finish(reply)
  }

  private finish (reply: Buffer): void {
    this.client.blocked.delete(this)
    this.reply = reply
    this.client.sink.onRequestDone(this)
  }
}
