import type { BackendRequest, LinkProvider, RequestLink, RequestOwner } from '../cluster/backend-request.js'
import type { DedicatedLink, DedicatedLinkOwner } from '../cluster/dedicated-link.js'
import type { NodeAddress } from '../cluster/node-address.js'
import { errorReply, nullArrayReply, OK } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { ClientContext } from './context.js'
import type { QueueEntry, ReplySink } from './queue-entry.js'
import { dedicatedLinkOptions } from './targets.js'

/**
 * The connection that holds one client's WATCH: WATCH state lives on a Redis connection, so
 * the watched keys and the transaction they guard travel on a connection of the client's
 * own. Its requests go through the failure policy like any other; as their LinkProvider it
 * decides what the policy's verdicts mean for a watch:
 * - before any WATCH succeeded, the connection may follow the slot (MOVED, a lost link);
 * - after one did, the watch is tied to that node and that connection: a redirect, a lost
 *   link or a retry of the block makes the watch *void*. EXEC then answers as a failed WATCH
 *   does (a null array), so the client's check-and-set loop retries — never a bare EXEC
 *   that would run unguarded. A block lost after it was written is "outcome unknown" (the
 *   policy's verdict), never null: a null would make the client apply a committed block twice.
 */
export class WatchConnection implements LinkProvider, DedicatedLinkOwner {
  private link: DedicatedLink | null = null
  private node: NodeAddress | null = null
  private leased = false
  /** A WATCH succeeded on the current connection: its state pins the transaction there. */
  private watching = false
  /** The watch can no more be honoured: EXEC answers null. */
  void = false

  constructor (private readonly client: ClientContext) {}

  /** Takes the client's dedicated-connection lease; the error text when its cap is reached. */
  lease (): string | null {
    if (this.leased) return null
    if (!this.client.ctx.dedicated.lease(this.client.id)) return ReplyStrings.tooManyDedicated('per-client', this.client.ctx.dedicated.bounds.perClient)
    this.leased = true
    return null
  }

  /** The owner for a WATCH request: notes that the watch took hold, then delivers to `sink`. */
  replies (sink: ReplySink): RequestOwner {
    const note = (req: BackendRequest): void => { if (req.reply !== null && req.reply[0] === 0x2b) this.watching = true }
    return {
      get closed () { return sink.closed },
      lane: sink.lane,
      onRequestDone (req: BackendRequest) {
        note(req)
        sink.onRequestDone(req as QueueEntry)
      }
    }
  }

  /** @internal LinkProvider */
  linkTo (node: NodeAddress, req: BackendRequest): RequestLink | null {
    const block = req.replyCount > 1
    // A block sent again (after TRYAGAIN, ASK...) would run without the watch: the node
    // discarded it with the failed EXEC.
    if (block && req.sends > 0) this.void = true
    const open = this.link !== null && !this.link.closed
    if (open && node !== this.node && (this.watching || block)) this.void = true
    if (this.void) {
      this.answerVoid(req)
      return null
    }
    if (open && node === this.node) return this.link
    // No watch state to lose yet: (re)connect where the slot is served.
    this.link?.close('watch moved before it took hold')
    const link = this.client.ctx.dedicated.connect(node, dedicatedLinkOptions(this.client), this)
    if (link === null) {
      req.reply = errorReply(ReplyStrings.tooManyDedicated('total', this.client.ctx.dedicated.bounds.max))
      req.owner.onRequestDone(req)
      return null
    }
    this.link = link
    this.node = node
    return link
  }

  /** EXEC, UNWATCH, DISCARD, RESET or the client leaving: the connection and its lease go. */
  close (): void {
    this.link?.close()
    this.link = null
    if (this.leased) { this.client.ctx.dedicated.release(this.client.id); this.leased = false }
  }

  /** @internal DedicatedLinkOwner */
  onDedicatedPush (): void {}

  /** @internal DedicatedLinkOwner: a connection that held a watch takes the watch with it. */
  onDedicatedDown (link: DedicatedLink): void {
    if (link !== this.link) return
    if (this.watching) this.void = true
    this.link = null
  }

  /** A void watch: WATCH itself still answers OK (as the node would have); the block, null. */
  private answerVoid (req: BackendRequest): void {
    req.reply = req.replyCount > 1 ? nullArrayReply(req.protocol) : OK
    req.owner.onRequestDone(req)
  }
}
