import type { BackendRequest } from './backend-request.js'
import { DedicatedLink, type DedicatedLinkHost, type DedicatedLinkOwner } from './dedicated-link.js'
import type { NodeAddress } from './node-address.js'
import type { LinkOptions, NodeLink } from './node-link.js'

/** Bounds on connections owned by one client each (WATCH, Pub/Sub, blocking commands). */
export interface DedicatedLimits {
  /** Most dedicated connections open at once, all clients together. */
  max: number
  /** Most per client; at least one per master, which a cross-slot wait or Pub/Sub may need. */
  perClient: number
}

/** Where a dedicated link's requests go for the failure policy and the timeout watch. */
export interface DedicatedSupport {
  onLinkReply (link: NodeLink, req: BackendRequest, reply: Buffer): void
  onRequestsLost (node: NodeAddress, timedOut: boolean, unwritten: BackendRequest[], inFlight: BackendRequest[], reason: string): void
  watch (link: NodeLink): void
  unwatch (link: NodeLink): void
}

/**
 * Opens the connections clients own alone, within bounds: every open one counts against a
 * total (so many clients cannot exhaust the nodes' `maxclients` through slotgate), and every
 * one a client holds against its own cap (a lease, taken before and given back after). Idle
 * pooled links (blocking commands) count in the total and are reclaimed first when it is full.
 */
export class DedicatedLinks implements DedicatedLinkHost {
  private open = 0
  private readonly leases = new Map<number, number>()
  /** Asked to close an idle pooled link when the total is reached; true if it did. */
  reclaimIdle: () => boolean = () => false
  /** Refusals for a full cap, by which cap (metrics). */
  readonly refused = { total: 0, perClient: 0 }

  constructor (private readonly limits: DedicatedLimits, private readonly support: DedicatedSupport) {}

  /** Dedicated connections open now. */
  get count (): number { return this.open }
  /** The configured bounds. */
  get bounds (): DedicatedLimits { return this.limits }

  /** Takes one of `client`'s leases; false (and counted) when it holds its cap already. */
  lease (client: number): boolean {
    const held = this.leases.get(client) ?? 0
    if (held >= this.limits.perClient) { this.refused.perClient++; return false }
    this.leases.set(client, held + 1)
    return true
  }

  /** Gives one of `client`'s leases back. */
  release (client: number): void {
    const left = (this.leases.get(client) ?? 1) - 1
    if (left > 0) this.leases.set(client, left)
    else this.leases.delete(client)
  }

  /** A new dedicated connection to `node`, or null (counted) when the total is reached. */
  connect (node: NodeAddress, options: LinkOptions, owner: DedicatedLinkOwner): DedicatedLink | null {
    if (this.open >= this.limits.max && !this.reclaimIdle()) { this.refused.total++; return null }
    this.open++
    return new DedicatedLink(node, options, {
      onDedicatedPush: (l, frame) => { owner.onDedicatedPush(l, frame) },
      onDedicatedDown: (l, reason) => {
        this.open--
        owner.onDedicatedDown(l, reason)
      }
    }, this)
  }

  /** @internal DedicatedLinkHost */
  onLinkReply (link: NodeLink, req: BackendRequest, reply: Buffer): void {
    this.support.onLinkReply(link, req, reply)
  }

  /** @internal DedicatedLinkHost */
  onRequestsLost (node: NodeAddress, timedOut: boolean, unwritten: BackendRequest[], inFlight: BackendRequest[], reason: string): void {
    this.support.onRequestsLost(node, timedOut, unwritten, inFlight, reason)
  }

  /** @internal DedicatedLinkHost */
  watch (link: NodeLink): void { this.support.watch(link) }
  /** @internal DedicatedLinkHost */
  unwatch (link: NodeLink): void { this.support.unwatch(link) }
}
