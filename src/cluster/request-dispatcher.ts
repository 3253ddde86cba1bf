import { ReadFrom, type BackendRequest } from './backend-request.js'
import type { LinkPool } from './link-pool.js'
import type { LinkListener, NodeLink } from './node-link.js'
import type { NodeAddress } from './node-address.js'
import { parseRedirect } from './parse-redirect.js'
import type { BackendObserver } from '../metrics/observers.js'
import type { Topology } from './topology.js'
import type { RefreshTrigger } from './topology-refresher.js'
import { errorReply } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'

/** Redirect and retry policy. */
export interface DispatchOptions {
  /** MOVED/ASK/retries one command may take before it fails. */
  maxRedirects: number
  /** How long a command may wait for its slot to have a reachable master (failover). */
  failoverDeadlineMs: number
  /** Delay before retrying after TRYAGAIN or CLUSTERDOWN. */
  retryBackoffMs: number
}

/** What the dispatcher counts (exported by the metrics module). */
export class DispatchStats {
  moved = 0
  ask = 0
  tryAgain = 0
  clusterDown = 0
  /** Read-only commands sent again after their link broke mid-flight. */
  retriedReads = 0
  /** Unwritten commands re-routed after their link broke. */
  rerouted = 0
  /** Writes answered "outcome unknown" because their link broke mid-flight. */
  unknownOutcome = 0
  /** Commands that had to wait for a reachable master, and those that gave up. */
  waited = 0
  deadlineExceeded = 0
}

/**
 * Sends requests to the right node and owns the redirect policy: MOVED updates the slot map
 * and re-sends, ASK re-sends once to the named node behind ASKING, TRYAGAIN/CLUSTERDOWN retry
 * with backoff inside the deadline, and a lost link re-routes what was never written,
 * retries reads that were in flight and reports writes in flight as of unknown outcome —
 * never sending a write twice (cluster spec, "Redirection and resharding"; DESIGN.md Faults).
 * Commands whose slot has no reachable master wait here, bounded by the failover deadline.
 */
export class RequestDispatcher implements LinkListener {
  readonly stats = new DispatchStats()
  /** Told about every node reply; null with metrics off. */
  observer: BackendObserver | null = null
  private waiting: BackendRequest[] = []
  private roundRobin = 0
  private readonly sweepTimer: NodeJS.Timeout
  private refresh: (trigger: RefreshTrigger) => void = () => {}

  constructor (
    private readonly topology: Topology,
    private pool: LinkPool | null,
    private readonly options: DispatchOptions
  ) {
    topology.onChange(() => { this.releaseWaiting() })
    this.sweepTimer = setInterval(() => { this.sweep() }, Math.max(20, Math.min(100, options.retryBackoffMs)))
    this.sweepTimer.unref()
  }

  /** Wires the pool (created after the dispatcher, since the pool reports to it). */
  attach (pool: LinkPool, refresh: (trigger: RefreshTrigger) => void): void {
    this.pool = pool
    this.refresh = refresh
  }

  /** Number of commands waiting for a reachable master. */
  get waitingCount (): number { return this.waiting.length }

  /** Routes `req` to its node now, or makes it wait for one. */
  send (req: BackendRequest): void {
    if (req.cancelled) return
    if (req.readFrom !== ReadFrom.master && req.askNode === null && req.slot >= 0) {
      const replica = this.pickReplica(req)
      if (replica === null) return // answered with an error
      if (replica !== undefined) {
        const link = (this.pool as LinkPool).linkFor(replica, req.protocol, true, req.lane)
        if (link !== undefined) { link.send(req); return }
      }
    }
    const node = this.nodeFor(req)
    if (node === undefined) { this.wait(req); return }
    const link = (this.pool as LinkPool).linkFor(node, req.protocol, false, req.lane)
    if (link === undefined) { this.wait(req); return }
    link.send(req)
  }

  /**
   * A healthy replica for a read (round robin over the shard's replicas not failing and not
   * in reconnect backoff); undefined to use the master; null when `replica` policy has none
   * (the request was answered with an error).
   */
  private pickReplica (req: BackendRequest): NodeAddress | undefined | null {
    const shard = this.topology.shardFor(req.slot)
    if (shard === undefined) return undefined
    const pool = this.pool as LinkPool
    const healthy = shard.replicas.filter(r => !pool.isBackingOff(r) && this.topology.replicaUsable(r))
    if (req.readFrom === ReadFrom.any) {
      const all = shard.masterFailing ? healthy : [shard.master, ...healthy]
      return all.length > 0 ? all[this.roundRobin++ % all.length] : undefined
    }
    if (healthy.length > 0) return healthy[this.roundRobin++ % healthy.length]
    if (req.readFrom === ReadFrom.replica) {
      this.fail(req, ReplyStrings.noReplica(req.slot))
      return null
    }
    return undefined
  }

  /** Stops timers; fails every waiting request. */
  close (): void {
    clearInterval(this.sweepTimer)
    const waiting = this.waiting
    this.waiting = []
    for (const req of waiting) this.fail(req, ReplyStrings.noNodeForSlot(req.slot))
  }

  /** @internal LinkListener */
  onLinkReply (link: NodeLink, req: BackendRequest, reply: Buffer): void {
    if (this.observer !== null) this.observer.backendReply(link.address, req.sentAt, link.readAt)
    if (reply[0] === 0x2d && !req.raw) {
      const redirect = parseRedirect(reply, link.address)
      if (redirect !== null) {
        this.redirect(req, reply, redirect.kind, redirect.kind === 'moved' || redirect.kind === 'ask' ? redirect : null)
        return
      }
    }
    req.reply = reply
    req.owner.onRequestDone(req)
  }

  /** @internal LinkListener */
  onLinkUp (link: NodeLink): void {
    this.pool?.markUp(link.address)
  }

  /** @internal LinkListener */
  onLinkDown (link: NodeLink, unwritten: BackendRequest[], inFlight: BackendRequest[], reason: string): void {
    this.pool?.markDown(link, reason)
    this.refresh('link-lost')
    for (const req of inFlight) {
      if (req.cancelled) continue
      // A read is retried after a lost connection, but not after the node stopped answering:
      // sent again it would wait on the same frozen node, and commandTimeoutMs promises the
      // client an answer by then.
      if (req.readOnly && !req.raw && !link.timedOut && req.redirects < this.options.maxRedirects) {
        req.redirects++
        req.retries++
        this.stats.retriedReads++
        this.send(req)
      } else {
        // Written but unanswered: it may or may not have run. Sending it again could apply
        // it twice, so the client is told the truth instead.
        this.stats.unknownOutcome++
        this.fail(req, ReplyStrings.outcomeUnknown(link.address, reason))
      }
    }
    for (const req of unwritten) {
      if (req.cancelled) continue
      if (req.raw) { this.fail(req, ReplyStrings.notSent(link.address, reason)); continue }
      this.stats.rerouted++
      this.wait(req)
    }
  }

  private nodeFor (req: BackendRequest): NodeAddress | undefined {
    if (req.askNode !== null) return req.askNode
    if (req.slot < 0) return req.target ?? undefined
    const shard = this.topology.shardFor(req.slot)
    if (shard === undefined || shard.masterFailing) return undefined
    return shard.master
  }

  private redirect (req: BackendRequest, reply: Buffer, kind: 'moved' | 'ask' | 'tryagain' | 'clusterdown',
    target: { slot: number, node: NodeAddress } | null): void {
    if (req.cancelled) return
    // MOVED is bounded by a count (a redirect loop is a broken cluster); ASK, TRYAGAIN and
    // CLUSTERDOWN by the deadline, because a migration legitimately cycles ASK → TRYAGAIN
    // for as long as it lasts.
    if (kind === 'moved' && ++req.redirects > this.options.maxRedirects) {
      this.fail(req, ReplyStrings.tooManyRedirects(req.slot, this.options.maxRedirects))
      return
    }
    if (kind !== 'moved') {
      const now = performance.now()
      if (req.deadline === 0) req.deadline = now + this.options.failoverDeadlineMs
      if (now >= req.deadline) {
        if (kind === 'ask') this.fail(req, ReplyStrings.tooManyRedirects(req.slot, this.options.maxRedirects))
        else { req.reply = reply; req.owner.onRequestDone(req) }
        return
      }
    }
    switch (kind) {
      case 'moved': {
        const t = target as { slot: number, node: NodeAddress }
        this.stats.moved++
        if (req.slot >= 0) this.topology.moveSlot(t.slot, t.node)
        else req.target = t.node
        this.refresh('moved')
        this.send(req)
        return
      }
      case 'ask':
        // ASK is for this one command only: the slot map stays as it is.
        this.stats.ask++
        req.askNode = (target as { node: NodeAddress }).node
        this.send(req)
        return
      default: {
        // TRYAGAIN (multi-key during migration) and CLUSTERDOWN were not executed: retrying is
        // safe. Wait a little, within the deadline; past it the client gets the node's error.
        req.retries++
        if (kind === 'tryagain') this.stats.tryAgain++
        else { this.stats.clusterDown++; this.refresh('link-lost') }
        if (performance.now() + this.options.retryBackoffMs > req.deadline) {
          req.reply = reply
          req.owner.onRequestDone(req)
          return
        }
        setTimeout(() => { this.send(req) }, this.options.retryBackoffMs)
      }
    }
  }

  private wait (req: BackendRequest): void {
    if (req.deadline === 0) {
      req.deadline = performance.now() + this.options.failoverDeadlineMs
      this.stats.waited++
    }
    this.waiting.push(req)
    this.refresh('waiting')
  }

  /** Topology changed: everyone waiting tries again (and waits again if still stuck). */
  private releaseWaiting (): void {
    if (this.waiting.length === 0) return
    const waiting = this.waiting
    this.waiting = []
    for (const req of waiting) this.send(req)
  }

  /** Retries waiting commands whose node may be back, and fails those past the deadline. */
  private sweep (): void {
    if (this.waiting.length === 0) return
    const now = performance.now()
    const waiting = this.waiting
    this.waiting = []
    for (const req of waiting) {
      if (req.cancelled) continue
      if (now >= req.deadline) {
        this.stats.deadlineExceeded++
        // Say why, when a node's failure is known (e.g. the handshake's AUTH was refused).
        const node = req.slot >= 0 ? this.topology.masterFor(req.slot) : req.target
        const cause = node != null ? this.pool?.lastError(node) : undefined
        this.fail(req, ReplyStrings.deadlineExceeded(req.slot) + (cause ? `; last error from ${node}: ${cause}` : ''))
      } else {
        this.send(req)
      }
    }
  }

  private fail (req: BackendRequest, message: string): void {
    req.reply = errorReply(message)
    req.owner.onRequestDone(req)
  }
}
