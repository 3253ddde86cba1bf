import type { BackendRequest, RequestLink } from './backend-request.js'
import type { NodeAddress } from './node-address.js'
import { NodeLink, type LinkListener, type LinkOptions } from './node-link.js'
import { errorReply } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'

function end (req: BackendRequest, message: string): void {
  if (req.reply !== null) return
  req.reply = errorReply(message)
  req.owner.onRequestDone(req)
}

/** Who owns a dedicated link: told about unsolicited frames and about its end. */
export interface DedicatedLinkOwner {
  onDedicatedPush (link: DedicatedLink, frame: Buffer): void
  onDedicatedDown (link: DedicatedLink, reason: string): void
}

/**
 * What a dedicated link needs from the cluster side: the failure policy for its requests'
 * replies and losses (the dispatcher), and the timeout watch every link is under (the pool).
 */
export interface DedicatedLinkHost {
  onLinkReply (link: NodeLink, req: BackendRequest, reply: Buffer): void
  onRequestsLost (node: NodeAddress, timedOut: boolean, unwritten: BackendRequest[], inFlight: BackendRequest[], reason: string): void
  /** Puts the link under the same backend timeout as shared links, until it closes. */
  watch (link: NodeLink): void
  unwatch (link: NodeLink): void
}

/**
 * A connection one client owns alone (its WATCH and the transaction it guards, a blocking
 * command, its subscriptions): state that lives on a Redis connection must not be shared
 * with other clients, and a blocked connection must not hold up theirs. Its requests'
 * replies and its loss go through the same failure policy as shared links' (the host); the
 * owner hears of pushes (Pub/Sub frames) and of the end.
 */
export class DedicatedLink implements LinkListener, RequestLink {
  readonly link: NodeLink
  private down = false

  constructor (readonly node: NodeAddress, options: LinkOptions, private readonly owner: DedicatedLinkOwner, private readonly host: DedicatedLinkHost) {
    this.link = new NodeLink(node, options, this)
    host.watch(this.link)
  }

  /** True once the connection is gone. */
  get closed (): boolean { return this.down }

  /** Sends a request on this connection (a closed one reports it lost, unwritten). */
  send (req: BackendRequest): void {
    if (this.down) {
      this.lost(false, [req], [], 'link closed')
      return
    }
    this.link.send(req)
  }

  /** Closes the connection (its pending requests go through the loss policy). */
  close (reason = 'released'): void {
    this.link.close(reason)
  }

  /** @internal */
  onLinkReply (link: NodeLink, req: BackendRequest, reply: Buffer): void {
    this.host.onLinkReply(link, req, reply)
  }

  /** @internal */
  onLinkUp (): void {}

  /** @internal */
  onLinkPush (_link: NodeLink, frame: Buffer): void {
    this.owner.onDedicatedPush(this, frame)
  }

  /** @internal */
  onLinkDown (link: NodeLink, unwritten: BackendRequest[], inFlight: BackendRequest[], reason: string): void {
    this.down = true
    this.host.unwatch(link)
    // The owner first, so a provider knows its link is gone before its requests are routed again.
    this.owner.onDedicatedDown(this, reason)
    this.lost(link.timedOut, unwritten, inFlight, reason)
  }

  /**
   * Requests with a LinkProvider go through the loss policy (the provider decides where they
   * may go next). The others belong to this connection alone (a subscription command): they
   * must never be routed to another connection, least of all a shared one; they end here.
   */
  private lost (timedOut: boolean, unwritten: BackendRequest[], inFlight: BackendRequest[], reason: string): void {
    const movable = (r: BackendRequest): boolean => r.via !== null
    this.host.onRequestsLost(this.node, timedOut, unwritten.filter(movable), inFlight.filter(movable), reason)
    for (const r of unwritten) if (!movable(r)) end(r, ReplyStrings.notSent(this.node, reason))
    for (const r of inFlight) if (!movable(r)) end(r, ReplyStrings.outcomeUnknown(this.node, reason))
  }
}
