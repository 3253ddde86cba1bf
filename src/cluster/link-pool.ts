import type { NodeAddress } from './node-address.js'
import { NodeLink, type LinkListener, type LinkOptions } from './node-link.js'

/** Link settings shared by every link in the pool. */
export interface PoolOptions {
  connectTimeoutMs: number
  /** Shared links per node (and flavour); a request uses the one its lane picks. */
  linksPerNode?: number
  /** Per-request backend timeout; 0 disables. */
  commandTimeoutMs: number
  username?: string
  password?: string
  tls?: LinkOptions['tls']
  /** First reconnect delay after a failure; doubles up to maxBackoffMs. */
  minBackoffMs?: number
  maxBackoffMs?: number
}

/** Counts a node's recent failures so reconnects back off instead of hammering it. */
interface NodeHealth { failures: number; retryAt: number; lastError: string }

/**
 * The links to every node, one per (node, protocol, role). Creates links on first use,
 * replaces broken ones after a backoff, closes links to nodes that left the cluster, and
 * recycles a link whose oldest request outlived the backend timeout (a node that stopped
 * answering without closing its socket, e.g. SIGSTOP).
 */
export class LinkPool {
  /** One map per flavour (index: see flavour()), so the hot path builds no key strings. */
  private readonly links: Map<NodeAddress, (NodeLink | undefined)[]>[] = [new Map(), new Map(), new Map(), new Map()]
  private readonly health = new Map<NodeAddress, NodeHealth>()
  private readonly timeoutTimer: NodeJS.Timeout | null = null

  constructor (private readonly options: PoolOptions, private readonly listener: LinkListener) {
    if (options.commandTimeoutMs > 0) {
      const every = Math.max(10, Math.min(250, Math.floor(options.commandTimeoutMs / 4)))
      this.timeoutTimer = setInterval(() => { this.expireStuckLinks() }, every)
      this.timeoutTimer.unref()
    }
  }

  /**
   * The link to `node` for `protocol`, created if needed; undefined while the node is in its
   * reconnect backoff (the caller waits for the topology instead).
   */
  linkFor (node: NodeAddress, protocol: 2 | 3 = 2, readOnly = false, lane = 0): NodeLink | undefined {
    const map = this.links[flavour(protocol, readOnly)]
    let slots = map.get(node)
    const n = this.options.linksPerNode ?? 1
    const i = n === 1 ? 0 : lane % n
    const existing = slots?.[i]
    if (existing !== undefined && !existing.closed) return existing
    const h = this.health.get(node)
    if (h !== undefined && h.retryAt > performance.now()) return undefined
    const options: LinkOptions = {
      connectTimeoutMs: this.options.connectTimeoutMs,
      protocol,
      readOnly,
      username: this.options.username,
      password: this.options.password,
      tls: this.options.tls
    }
    const link = new NodeLink(node, options, this.listener)
    if (slots === undefined) { slots = []; map.set(node, slots) }
    slots[i] = link
    return link
  }

  /** True when `node` failed recently and is waiting out its backoff. */
  isBackingOff (node: NodeAddress): boolean {
    const h = this.health.get(node)
    return h !== undefined && h.retryAt > performance.now()
  }

  /** Records that a link to `node` came up: its backoff is reset. */
  markUp (node: NodeAddress): void {
    this.health.delete(node)
  }

  /** Why the last link to `node` failed, while it is failing. */
  lastError (node: NodeAddress): string | undefined {
    return this.health.get(node)?.lastError
  }

  /** Records a failure of `node` and removes the dead link. */
  markDown (link: NodeLink, reason = ''): void {
    for (const map of this.links) {
      const slots = map.get(link.address)
      const i = slots?.indexOf(link) ?? -1
      if (slots !== undefined && i !== -1) slots[i] = undefined
    }
    const min = this.options.minBackoffMs ?? 100
    const max = this.options.maxBackoffMs ?? 1000
    const h = this.health.get(link.address) ?? { failures: 0, retryAt: 0, lastError: '' }
    h.failures++
    h.lastError = reason
    h.retryAt = performance.now() + Math.min(max, min * 2 ** (h.failures - 1))
    this.health.set(link.address, h)
  }

  /** Closes links to nodes not in `keep` (nodes that left the cluster). */
  retain (keep: ReadonlySet<NodeAddress>): void {
    for (const map of this.links) {
      for (const [node, slots] of map) {
        if (!keep.has(node)) {
          map.delete(node)
          for (const link of slots) link?.close('node left the cluster')
        }
      }
    }
    for (const node of this.health.keys()) if (!keep.has(node)) this.health.delete(node)
  }

  /** Every open link (for metrics and readiness). */
  all (): NodeLink[] {
    return this.links.flatMap(map => [...map.values()].flat().filter((l): l is NodeLink => l !== undefined))
  }

  /** Closes every link. */
  close (): void {
    if (this.timeoutTimer !== null) clearInterval(this.timeoutTimer)
    for (const link of this.all()) link.close('slotgate is shutting down')
    for (const map of this.links) map.clear()
  }

  private expireStuckLinks (): void {
    const limit = performance.now() - this.options.commandTimeoutMs
    for (const link of this.all()) {
      const oldest = link.oldestSentAt()
      if (oldest !== 0 && oldest < limit) {
        link.timedOut = true
        link.close(`no reply within ${this.options.commandTimeoutMs} ms`)
      }
    }
  }
}

function flavour (protocol: 2 | 3, readOnly: boolean): number {
  return (protocol === 3 ? 2 : 0) + (readOnly ? 1 : 0)
}
