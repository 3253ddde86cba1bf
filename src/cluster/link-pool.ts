import type { NodeAddress } from './node-address.js'
import type { BackendRequest } from './backend-request.js'
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
interface NodeHealth { failures: number; retryAt: number; lastError: string; since: number }

/**
 * What happens to the pool's links, for the event log and the per-node metrics (main.ts
 * wires it; the cluster layer knows no logger).
 */
export interface LinkPoolObserver {
  /** A shared link that had come up broke; the next one waits `retryInMs`. */
  linkLost (node: NodeAddress, reason: string, upForMs: number, retryInMs: number): void
  /** A new shared link failed before its handshake finished (refused, timed out, AUTH refused), the `failures`th in a row. */
  connectFailed (node: NodeAddress, reason: string, failures: number, retryInMs: number): void
  /** A shared link came up after `failures` failures, `downForMs` after the first. */
  linkReconnected (node: NodeAddress, failures: number, downForMs: number): void
  /** A link (shared or dedicated) is closed because its node did not answer in time. */
  linkTimedOut (node: NodeAddress): void
}

/**
 * The links to every node, one per (node, protocol, role). Creates links on first use,
 * replaces broken ones after a backoff, retires links to nodes that left the cluster (their
 * replies still come in), and watches every link, dedicated ones included, for a node that
 * stopped answering without closing its socket (SIGSTOP, a partition): a link whose oldest
 * request outlived its time is recycled — unless the node is busy with an older request of
 * ours still within its own, longer time (a slow command, a blocking one), which every other
 * request to that node then waits behind. When a node is judged silent, every link to it goes.
 */
export class LinkPool {
  /** One map per flavour (index: see flavour()), so the hot path builds no key strings. */
  private readonly links: Map<NodeAddress, (NodeLink | undefined)[]>[] = [new Map(), new Map(), new Map(), new Map()]
  private readonly health = new Map<NodeAddress, NodeHealth>()
  private readonly timeoutTimer: NodeJS.Timeout | null = null
  /** Dedicated links under the same watch (see DedicatedLinks). */
  private readonly dedicated = new Set<NodeLink>()
  /** When each node was last probed for liveness. */
  private readonly probedAt = new Map<NodeAddress, number>()
  /**
   * Sends a PING to `node` over its shared link (wired to the dispatcher): a node that only
   * dedicated links use (blocked clients, subscribers) shows it is alive, or its silence
   * times the shared link out, and every link to it goes.
   */
  probe: (node: NodeAddress) => void = () => {}
  /** Told about links lost, failing to connect, back, timed out; null: nobody listens. */
  observer: LinkPoolObserver | null = null
  /** Set by close(): links closed by shutdown are not failures. */
  private closing = false

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

  /** True from a link to `node` failing until a link to it is up again. */
  hasFailed (node: NodeAddress): boolean {
    return this.health.has(node)
  }

  /** Records that a link to `node` came up: its backoff is reset. */
  markUp (node: NodeAddress): void {
    const h = this.health.get(node)
    if (h === undefined) return
    this.health.delete(node)
    this.observer?.linkReconnected(node, h.failures, performance.now() - h.since)
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
    const now = performance.now()
    const h = this.health.get(link.address) ?? { failures: 0, retryAt: 0, lastError: '', since: now }
    h.failures++
    h.lastError = reason
    const delay = Math.min(max, min * 2 ** (h.failures - 1))
    h.retryAt = now + delay
    this.health.set(link.address, h)
    // A retired link (its node left) or shutdown is no failure to report.
    if (this.observer === null || this.closing || link.retiring) return
    if (link.upAt > 0) this.observer.linkLost(link.address, reason, now - link.upAt, delay)
    else this.observer.connectFailed(link.address, reason, h.failures, delay)
  }

  /**
   * Retires links to nodes not in `keep` (nodes that left the cluster): no new request goes
   * there, those in flight get their replies (a write answered a moment later must not be
   * reported lost), then the link closes.
   */
  retain (keep: ReadonlySet<NodeAddress>): void {
    for (const map of this.links) {
      for (const [node, slots] of map) {
        if (!keep.has(node)) {
          map.delete(node)
          for (const link of slots) link?.retire(Math.max(1000, this.options.commandTimeoutMs))
        }
      }
    }
    for (const node of this.health.keys()) if (!keep.has(node)) this.health.delete(node)
  }

  /** Puts a dedicated link under the timeout watch. */
  watch (link: NodeLink): void {
    this.dedicated.add(link)
  }

  /** Takes a closed dedicated link off the watch. */
  unwatch (link: NodeLink): void {
    this.dedicated.delete(link)
  }

  /** Every open shared link (for metrics and readiness). */
  all (): NodeLink[] {
    return this.links.flatMap(map => [...map.values()].flat().filter((l): l is NodeLink => l !== undefined))
  }

  /** Dedicated links open now, per node. */
  dedicatedCount (): number {
    return this.dedicated.size
  }

  /** Requests sent (or queued to be sent this turn) and not yet answered, over every link, shared and dedicated. */
  inFlight (): number {
    let n = 0
    for (const link of this.all()) n += link.pendingCount
    for (const link of this.dedicated) n += link.pendingCount
    return n
  }

  /** Closes every link. */
  close (): void {
    this.closing = true
    if (this.timeoutTimer !== null) clearInterval(this.timeoutTimer)
    for (const link of this.all()) link.close('slotgate is shutting down')
    for (const map of this.links) map.clear()
  }

  private expireStuckLinks (): void {
    const now = performance.now()
    const links = [...this.all(), ...this.dedicated]
    const silent = new Set<NodeAddress>()
    for (const link of links) {
      const oldest = link.oldestInFlight()
      if (oldest === null || oldest.sentAt + this.timeoutOf(oldest) > now) continue
      if (this.busyWithOlder(link.address, oldest.sentAt, now, links)) continue
      silent.add(link.address)
    }
    // A silent node: every link to it goes, dedicated ones too (a blocked client's included,
    // whose own wait may be unbounded).
    for (const link of links) {
      if (!silent.has(link.address) || link.closed) continue
      link.timedOut = true
      this.observer?.linkTimedOut(link.address)
      link.close(`no reply from the node within ${this.options.commandTimeoutMs} ms`)
    }
    this.probeDedicatedOnly(now)
  }

  /** Probes nodes where dedicated links wait and no shared request is in flight to show liveness. */
  private probeDedicatedOnly (now: number): void {
    const busyShared = new Set<NodeAddress>()
    for (const link of this.all()) if (link.oldestInFlight() !== null) busyShared.add(link.address)
    for (const link of this.dedicated) {
      const node = link.address
      if (link.closed || busyShared.has(node)) continue
      if (now - (this.probedAt.get(node) ?? 0) < this.options.commandTimeoutMs / 2) continue
      this.probedAt.set(node, now)
      this.probe(node)
    }
  }

  private timeoutOf (req: BackendRequest): number {
    return req.timeoutMs > 0 ? req.timeoutMs : this.options.commandTimeoutMs
  }

  /**
   * True when `node` has a request of ours in flight, written before `since`, that is still
   * within its own time: the node is working on it (a slow command), not frozen.
   */
  private busyWithOlder (node: NodeAddress, since: number, now: number, links: readonly NodeLink[]): boolean {
    for (const link of links) {
      if (link.address !== node) continue
      const oldest = link.oldestInFlight()
      if (oldest !== null && oldest.holdsNode && oldest.sentAt < since && oldest.sentAt + this.timeoutOf(oldest) > now) return true
    }
    return false
  }
}

function flavour (protocol: 2 | 3, readOnly: boolean): number {
  return (protocol === 3 ? 2 : 0) + (readOnly ? 1 : 0)
}
