import { BackendRequest, ReadFrom, type RequestLink, type RequestOwner } from './backend-request.js'
import { blockSignal, parseClusterSignal, type ClusterSignal } from './cluster-signal.js'
import { countRetry, DispatchStats, type RetriedSignal } from './dispatch-stats.js'
import { judgeLoss, judgeSignal, type GiveUpReason, type PolicyOptions } from './failure-policy.js'
import type { LinkPool } from './link-pool.js'
import type { LinkListener, NodeLink } from './node-link.js'
import type { NodeAddress } from './node-address.js'
import type { Topology } from './topology.js'
import type { RefreshTrigger } from './topology-refresher.js'
import { errorReply } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { BackendObserver } from '../metrics/observers.js'

const PING = Buffer.from('PING')
/**
 * How often the slot map is read while following a master whose link was lost: a failover
 * shows the master flagged `fail` for about a second before a replica takes over (Redis
 * delays the election by 500 ms plus up to 500 more), and a read every 250 ms sees it.
 */
const FOLLOW_LOST_MASTER_MS = 250
const NOBODY: RequestOwner = { onRequestDone () {}, closed: false }

/** Redirect and retry policy settings (see failure-policy.ts). */
export type DispatchOptions = PolicyOptions

/**
 * Sends requests to the right node and carries out the failure policy (failure-policy.ts)
 * for every connection, shared or dedicated: MOVED updates the slot map and re-sends, ASK
 * re-sends once to the named node behind ASKING, transient signals retry after a backoff
 * within the command's deadline, a lost link re-routes what was never written, re-sends
 * reads that were in flight and reports writes in flight as of unknown outcome — never
 * sending a write twice. A request with a LinkProvider travels on its own connection; the
 * provider decides whether it can follow. Commands whose slot has no reachable master wait
 * here, bounded by the failover deadline.
 */
export class RequestDispatcher implements LinkListener {
  readonly stats = new DispatchStats()
  /** Told about every node reply; null with metrics off. */
  observer: BackendObserver | null = null
  private waiting: BackendRequest[] = []
  private roundRobin = 0
  private readonly sweepTimer: NodeJS.Timeout
  /** Masters whose shared link was lost, with when following them ends (performance.now()). */
  private readonly lostMasters = new Map<NodeAddress, number>()
  private lostMastersReadAt = 0
  private refresh: (trigger: RefreshTrigger) => void = () => {}
  private readonly giveUpText: (reason: GiveUpReason, req: BackendRequest) => string = (reason, req) =>
    reason === 'redirects' ? ReplyStrings.tooManyRedirects(req.slot, this.options.maxRedirects) : ReplyStrings.deadlineExceeded(req.slot)

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
    if (req.readFrom !== ReadFrom.master && req.askNode === null && req.slot >= 0 && req.via === null) {
      const replica = this.pickReplica(req)
      if (replica === null) return // answered with an error
      if (replica !== undefined) {
        const link = (this.pool as LinkPool).linkFor(replica, req.protocol, true, req.lane)
        if (link !== undefined) { this.write(link, req); return }
      }
    }
    const node = this.nodeFor(req)
    if (node === undefined) { this.wait(req); return }
    if (req.via !== null) {
      const link = req.via.linkTo(node, req)
      if (link !== null) this.write(link, req)
      return
    }
    const link = (this.pool as LinkPool).linkFor(node, req.protocol, false, req.lane)
    if (link === undefined) { this.wait(req); return }
    this.write(link, req)
  }

  private write (link: RequestLink, req: BackendRequest): void {
    req.sends++
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

  /** A PING to `node` on its shared link, whose reply nobody needs: its silence is what counts (LinkPool). */
  probe (node: NodeAddress): void {
    this.send(new BackendRequest([PING], -1, true, NOBODY, node))
  }

  /** Stops timers; fails every waiting request. */
  close (): void {
    clearInterval(this.sweepTimer)
    const waiting = this.waiting
    this.waiting = []
    for (const req of waiting) this.fail(req, ReplyStrings.noNodeForSlot(req.slot))
  }

  /** @internal LinkListener: a reply, for a request on any connection, shared or dedicated. */
  onLinkReply (link: NodeLink, req: BackendRequest, reply: Buffer): void {
    if (this.observer !== null) this.observer.backendReply(link.address, req.sentAt, link.readAt, reply)
    const signal = reply[0] === 0x2d
      ? (req.replyCount > 1 ? blockSignal(req.replies as Buffer[], link.address) : parseClusterSignal(reply, link.address))
      : null
    if (signal !== null) { this.onSignal(req, reply, signal); return }
    this.deliver(req, reply)
  }

  /** @internal LinkListener */
  onLinkUp (link: NodeLink): void {
    this.pool?.markUp(link.address)
  }

  /** @internal LinkListener: a shared link is gone. */
  onLinkDown (link: NodeLink, unwritten: BackendRequest[], inFlight: BackendRequest[], reason: string): void {
    this.pool?.markDown(link, reason)
    this.refresh('link-lost')
    if (this.topology.masters().includes(link.address)) this.lostMasters.set(link.address, performance.now() + this.options.failoverDeadlineMs)
    this.onRequestsLost(link.address, link.timedOut, unwritten, inFlight, reason)
  }

  /** A link (shared or dedicated) is gone with these requests: the loss policy for each. */
  onRequestsLost (node: NodeAddress, timedOut: boolean, unwritten: BackendRequest[], inFlight: BackendRequest[], reason: string): void {
    for (const req of inFlight) {
      if (req.cancelled) continue
      const verdict = judgeLoss(true, req.readOnly && req.replyCount === 1, timedOut, req.ownBudget(), this.options)
      if (verdict === 'resend') {
        req.retries++
        this.stats.retriedReads++
        this.send(req)
      } else {
        // Written but unanswered: it may or may not have run. Sending it again could apply
        // it twice, so the client is told the truth instead.
        this.stats.unknownOutcome++
        this.fail(req, ReplyStrings.outcomeUnknown(node, reason))
      }
    }
    for (const req of unwritten) {
      if (req.cancelled) continue
      this.stats.rerouted++
      if (req.via !== null) this.send(req)
      else this.wait(req)
    }
  }

  private onSignal (req: BackendRequest, reply: Buffer, signal: ClusterSignal): void {
    if (req.cancelled) return
    const verdict = judgeSignal(signal, req.ownBudget(), performance.now(), this.options, reason => this.giveUpText(reason, req))
    switch (verdict.act) {
      case 'give-up':
        if (verdict.error === null) this.deliver(req, reply)
        else this.fail(req, verdict.error)
        return
      case 'follow':
        if (verdict.slotMoved !== null) {
          this.stats.moved++
          if (req.slot >= 0) this.topology.moveSlot(verdict.slotMoved.slot, verdict.slotMoved.node)
          else req.target = verdict.node
          this.refresh('moved')
        } else {
          // ASK is for this one command only: the slot map stays as it is.
          this.stats.ask++
          req.askNode = verdict.node
        }
        this.send(req)
        return
      case 'retry':
        req.retries++
        countRetry(this.stats, signal.kind as RetriedSignal)
        if (verdict.refresh) this.refresh('link-lost')
        setTimeout(() => { this.send(req) }, this.options.retryBackoffMs)
    }
  }

  private nodeFor (req: BackendRequest): NodeAddress | undefined {
    if (req.askNode !== null) return req.askNode
    if (req.slot < 0) return req.target ?? undefined
    const shard = this.topology.shardFor(req.slot)
    if (shard === undefined || shard.masterFailing) return undefined
    return shard.master
  }

  private wait (req: BackendRequest): void {
    const budget = req.ownBudget()
    if (budget.deadline === 0) {
      budget.within(performance.now(), this.options)
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
    const now = performance.now()
    if (this.lostMasters.size > 0) this.followLostMasters(now)
    if (this.waiting.length === 0) return
    const waiting = this.waiting
    this.waiting = []
    for (const req of waiting) {
      if (req.cancelled) continue
      if (now >= (req.budget?.deadline ?? 0)) {
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

  /**
   * Reads the slot map every FOLLOW_LOST_MASTER_MS while a master whose link was lost still
   * serves slots, until a link to it is up again or the failover deadline passed. Requests
   * waiting for it ask for refreshes too, but in a quiet cluster nothing would before the
   * periodic refresh: the failure flag (failover_detected) would be missed and the promoted
   * replica learnt late.
   */
  private followLostMasters (now: number): void {
    if (now - this.lostMastersReadAt < FOLLOW_LOST_MASTER_MS) return
    const masters = new Set(this.topology.masters())
    for (const [node, until] of this.lostMasters) {
      if (now >= until || !masters.has(node) || this.pool?.hasFailed(node) !== true) this.lostMasters.delete(node)
    }
    if (this.lostMasters.size === 0) return
    this.lostMastersReadAt = now
    this.refresh('link-lost')
  }

  private deliver (req: BackendRequest, reply: Buffer): void {
    req.reply = reply
    req.owner.onRequestDone(req)
  }

  private fail (req: BackendRequest, message: string): void {
    this.deliver(req, errorReply(message))
  }
}
