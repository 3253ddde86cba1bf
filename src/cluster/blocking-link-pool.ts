import { DedicatedLink, type DedicatedLinkOwner } from './dedicated-link.js'
import type { LinkOptions } from './node-link.js'
import type { NodeAddress } from './node-address.js'

/**
 * Connections for blocking commands (BLPOP, XREAD BLOCK, ...): one per blocked client, so a
 * command that waits on the node never holds up the shared links. Bounded: past `max` in use
 * a client is told to retry instead of slotgate opening connections without limit. Freed
 * connections are kept (up to `maxIdlePerNode`) for the next blocked client.
 */
export class BlockingLinkPool implements DedicatedLinkOwner {
  private readonly idle = new Map<string, DedicatedLink[]>()
  private inUse = 0

  constructor (private readonly max: number, private readonly maxIdlePerNode = 8) {}

  /** Connections in use by blocked clients now. */
  get active (): number { return this.inUse }
  /** The configured bound. */
  get limit (): number { return this.max }

  /** A connection to `node`, or null when the bound is reached. */
  acquire (node: NodeAddress, options: LinkOptions): DedicatedLink | null {
    if (this.inUse >= this.max) return null
    this.inUse++
    const key = `${node}/${options.protocol}`
    const list = this.idle.get(key)
    while (list !== undefined && list.length > 0) {
      const link = list.pop() as DedicatedLink
      if (!link.closed) return link
    }
    return new DedicatedLink(node, options, this)
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

  /** @internal */
  onDedicatedPush (): void {}
  /** @internal An idle connection that died is dropped when next found. */
  onDedicatedDown (): void {}
}
