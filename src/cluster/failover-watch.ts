import type { NodeAddress } from './node-address.js'
import type { TopologyDiff } from './topology-diff.js'

/** A master flagged failed by the cluster, as the slot map first showed it. */
export interface FailoverDetected {
  readonly event: 'failover_detected'
  readonly master: NodeAddress
  /** Slots it served when flagged. */
  readonly slots: number
}

/** The slots of a failed master served again. */
export interface FailoverResolved {
  readonly event: 'failover_resolved'
  /** The master that failed (or was replaced). */
  readonly master: NodeAddress
  /** Who serves its slots now (the same node when it came back). */
  readonly newMaster: NodeAddress | null
  /**
   * `promoted`: one of its replicas took over; `recovered`: the same master is no longer
   * flagged failed; `replaced`: it left the masters and its slots went to another node.
   */
  readonly how: 'promoted' | 'recovered' | 'replaced'
  /** From detection to now; null when no failure flag was seen first (CLUSTER FAILOVER, or a promotion between two refreshes). */
  readonly durationMs: number | null
}

/** What {@link FailoverWatch.update} reports. */
export type FailoverEvent = FailoverDetected | FailoverResolved

/**
 * Follows failovers through the slot map's diffs: detected when a master serving slots is
 * flagged failed, resolved when a replica of it serves as master (or it comes back, or its
 * slots went elsewhere), with how long that took as slotgate saw it. Pure: the clock is the
 * caller's.
 */
export class FailoverWatch {
  /** Failed masters not yet resolved, with when they were detected. */
  private readonly open = new Map<NodeAddress, number>()

  /** The events one topology change implies. `slotsOf` counts a master's slots now. */
  update (diff: TopologyDiff, now: number, slotsOf: (master: NodeAddress) => number): FailoverEvent[] {
    const events: FailoverEvent[] = []
    for (const master of diff.failing) {
      if (this.open.has(master)) continue
      this.open.set(master, now)
      events.push({ event: 'failover_detected', master, slots: slotsOf(master) })
    }
    const resolve = (master: NodeAddress, newMaster: NodeAddress | null, how: FailoverResolved['how']): void => {
      const since = this.open.get(master)
      this.open.delete(master)
      events.push({ event: 'failover_resolved', master, newMaster, how, durationMs: since === undefined ? null : Math.round(now - since) })
    }
    const handled = new Set<NodeAddress>()
    for (const { node, formerMaster } of diff.promoted) {
      if (handled.has(formerMaster)) continue
      handled.add(formerMaster)
      resolve(formerMaster, node, 'promoted')
    }
    for (const master of diff.recovered) if (this.open.has(master)) resolve(master, master, 'recovered')
    for (const master of diff.mastersRemoved) {
      if (handled.has(master) || !this.open.has(master)) continue
      const move = diff.moves.filter(m => m.from === master && m.to !== null).sort((a, b) => b.slots - a.slots)[0]
      resolve(master, move?.to ?? null, 'replaced')
    }
    return events
  }

  /** Failed masters waiting for a resolution (tests, diagnostics). */
  get pending (): number { return this.open.size }
}
