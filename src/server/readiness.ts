import { SLOT_COUNT } from '../cluster/key-slot.js'
import type { NodeAddress } from '../cluster/node-address.js'

/** One shard as readiness sees it. */
export interface ReadinessShard {
  readonly master: NodeAddress
  readonly masterFailing: boolean
}

/** What readiness looks at. */
export interface ReadinessSources {
  draining (): boolean
  readonly topology: {
    allShards (): readonly ReadinessShard[]
    coveredSlots (): number
    masterFor (slot: number): NodeAddress | undefined
  }
  /**
   * The shared link to `node`, opened when there is none yet (links are otherwise opened by
   * the first request); undefined while the node waits out its reconnect backoff.
   */
  linkFor (node: NodeAddress): { readonly ready: boolean } | undefined
  /** How long commands wait for a failover (the dispatcher's deadline, in ms). */
  failoverDeadlineMs (): number
  /**
   * The percentage of the 16384 slots slotgate may be unable to serve past the failover
   * deadline and still call itself ready (readinessMaxUnservablePercent).
   */
  readonly maxUnservablePercent: number
}

/**
 * Whether slotgate should get traffic (/readyz), with a meaning that fits a sidecar: a
 * failover in progress keeps it ready (commands wait for the promoted replica within the
 * failover deadline, as the client would wait on a restarting node), so one master's failure
 * does not take every application pod out of its Service.
 * - not ready at start until the slot map covers all 16384 slots and a link to every master is up;
 * - then not ready only while draining, or when the share of slots whose master has been
 *   unreachable or failed for longer than the failover deadline exceeds maxUnservablePercent.
 */
export class Readiness {
  private served = false
  private readonly unservableSince = new Map<NodeAddress, number>()

  constructor (private readonly sources: ReadinessSources) {}

  /** Null when ready, else why not. */
  reason (now = performance.now()): string | null {
    const s = this.sources
    if (s.draining()) return 'draining: slotgate is shutting down'
    const shards = s.topology.allShards()
    if (shards.length === 0) return 'no slot map yet: no seed node has answered'
    const problems = new Map<NodeAddress, string>()
    for (const shard of shards) {
      const problem = this.problemOf(shard)
      if (problem === null) { this.unservableSince.delete(shard.master); continue }
      problems.set(shard.master, problem)
      if (!this.unservableSince.has(shard.master)) this.unservableSince.set(shard.master, now)
    }
    const covered = s.topology.coveredSlots()
    if (!this.served) {
      if (covered < SLOT_COUNT) return `starting: only ${covered} of ${SLOT_COUNT} hash slots have a master`
      if (problems.size > 0) return `starting: ${[...problems.values()].join('; ')}`
      this.served = true
      return null
    }
    const deadline = s.failoverDeadlineMs()
    const late = [...problems].filter(([master]) => now - (this.unservableSince.get(master) ?? now) > deadline)
    const lateMasters = new Set(late.map(([m]) => m))
    let unservable = SLOT_COUNT - covered
    for (let slot = 0; slot < SLOT_COUNT && lateMasters.size > 0; slot++) {
      const m = s.topology.masterFor(slot)
      if (m !== undefined && lateMasters.has(m)) unservable++
    }
    if (unservable * 100 <= s.maxUnservablePercent * SLOT_COUNT) return null
    const why = late.map(([, p]) => p).join('; ')
    return `${unservable} of ${SLOT_COUNT} hash slots cannot be served for longer than the failover deadline (${deadline} ms; readinessMaxUnservablePercent ${s.maxUnservablePercent})${why !== '' ? `: ${why}` : ''}`
  }

  private problemOf (shard: ReadinessShard): string | null {
    if (shard.masterFailing) return `${shard.master} is flagged failed by the cluster`
    const link = this.sources.linkFor(shard.master)
    if (link === undefined) return `${shard.master} is unreachable (reconnecting)`
    if (!link.ready) return `${shard.master} is connecting`
    return null
  }
}
