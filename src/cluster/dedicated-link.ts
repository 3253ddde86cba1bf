import type { BackendRequest } from './backend-request.js'
import type { NodeAddress } from './node-address.js'
import { NodeLink, type LinkListener, type LinkOptions } from './node-link.js'
import { errorReply } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'

/** Who owns a dedicated link: told about unsolicited frames and about its end. */
export interface DedicatedLinkOwner {
  onDedicatedPush (link: DedicatedLink, frame: Buffer): void
  onDedicatedDown (link: DedicatedLink, reason: string): void
}

/**
 * A connection one client session owns alone (WATCH/MULTI state, a blocking command, its
 * subscriptions): state that lives on a Redis connection must not be shared with other
 * clients, and a blocked connection must not hold up theirs. Replies go straight to the
 * request's owner: no redirect is followed on a connection whose state is pinned to a node.
 */
export class DedicatedLink implements LinkListener {
  readonly link: NodeLink
  private down = false

  constructor (readonly node: NodeAddress, options: LinkOptions, private readonly owner: DedicatedLinkOwner) {
    this.link = new NodeLink(node, options, this)
  }

  /** True once the connection is gone. */
  get closed (): boolean { return this.down }

  /** Sends a request on this connection. */
  send (req: BackendRequest): void {
    if (this.down) {
      this.fail(req, ReplyStrings.notSent(this.node, 'link closed'))
      return
    }
    this.link.send(req)
  }

  /** Closes the connection (pending requests get an error). */
  close (reason = 'released'): void {
    this.link.close(reason)
  }

  /** @internal */
  onLinkReply (_link: NodeLink, req: BackendRequest, reply: Buffer): void {
    req.reply = reply
    req.owner.onRequestDone(req)
  }

  /** @internal */
  onLinkUp (): void {}

  /** @internal */
  onLinkPush (_link: NodeLink, frame: Buffer): void {
    this.owner.onDedicatedPush(this, frame)
  }

  /** @internal */
  onLinkDown (_link: NodeLink, unwritten: BackendRequest[], inFlight: BackendRequest[], reason: string): void {
    this.down = true
    for (const req of inFlight) this.fail(req, ReplyStrings.outcomeUnknown(this.node, reason))
    for (const req of unwritten) this.fail(req, ReplyStrings.notSent(this.node, reason))
    this.owner.onDedicatedDown(this, reason)
  }

  private fail (req: BackendRequest, message: string): void {
    if (req.reply !== null) return
    req.reply = errorReply(message)
    req.owner.onRequestDone(req)
  }
}
