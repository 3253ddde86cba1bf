import type { DedicatedLink, DedicatedLinkOwner } from './dedicated-link.js'
import type { DedicatedLinks } from './dedicated-links.js'
import type { LinkOptions } from './node-link.js'
import type { NodeAddress } from './node-address.js'

/**
 * Connections for blocking commands (BLPOP, XREAD BLOCK, ...): one per blocked command, so a
 * command that waits on the node never holds up the shared links. Counted among the
 * dedicated connections (their bounds apply); freed ones are kept (up to `maxIdlePerNode`)
 * for the next blocked client, and given up first when the total is reached.
 */
export class BlockingLinkPool implements DedicatedLinkOwner {
  private readonly idle = new Map<string, DedicatedLink[]>()
  private inUse = 0

  constructor (private readonly dedicated: DedicatedLinks, private readonly maxIdlePerNode = 8) {
    dedicated.reclaimIdle = () => this.closeOneIdle()
  }

  /** Connections in use by blocked clients now. */
  get active (): number { return this.inUse }

  /** Connections kept for the next blocked client (some may have closed since, and go when next found). */
  get idleCount (): number {
    let n = 0
    for (const list of this.idle.values()) n += list.length
    return n
  }

  /**
   * A connection to `node`, or null when the dedicated connections' total is reached. Each
   * learns its client id at handshake, so a wait on it can be ended with CLIENT UNBLOCK.
   */
  acquire (node: NodeAddress, wanted: LinkOptions): DedicatedLink | null {
    const options = { ...wanted, learnClientId: true }
    const key = `${node}/${options.protocol}`
    const list = this.idle.get(key)
    while (list !== undefined && list.length > 0) {
      const link = list.pop() as DedicatedLink
      if (!link.closed) { this.inUse++; return link }
    }
    const link = this.dedicated.connect(node, options, this)
    if (link !== null) this.inUse++
    return link
  }

  /** Gives back a connection whose command finished normally. */
  release (link: DedicatedLink, protocol: 2 | 3): void {
    this.inUse--
    if (link.closed) return
    const key = `${link.node}/${protocol}`
    const list = this.idle.get(key) ?? []
    if (list.length >= this.maxIdlePerNode) { link.close(); return }
    list.push(link)
    this.idle.set(key, list)
  }

  /** Closes a connection whose client left while blocked: the node stops blocking at once. */
  discard (link: DedicatedLink): void {
    this.inUse--
    link.close('client disconnected while blocked')
  }

  /** Closes every idle connection. */
  close (): void {
    for (const list of this.idle.values()) for (const l of list) l.close()
    this.idle.clear()
  }

  private closeOneIdle (): boolean {
    for (const list of this.idle.values()) {
      const link = list.pop()
      if (link !== undefined) { link.close('room for another dedicated connection'); return true }
    }
    return false
  }

  /** @internal */
  onDedicatedPush (): void {}
  /** @internal An idle connection that died is dropped when next found. */
  onDedicatedDown (): void {}
}
