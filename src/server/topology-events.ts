import { FailoverWatch } from '../cluster/failover-watch.js'
import type { NodeAddress } from '../cluster/node-address.js'
import { diffTopology, type TopologySnapshot } from '../cluster/topology-diff.js'
import type { EventLog } from './event-log.js'

/** What the topology events read: the slot map's snapshots and coverage. */
export interface SnapshotSource {
  snapshot (): TopologySnapshot
  coveredSlots (): number
}

const EMPTY: TopologySnapshot = { epoch: -1, owners: [], shards: [] }

/**
 * Turns slot map refreshes into events: `failover_detected` / `failover_resolved` at once,
 * and `topology_changed` at most once per interval. A change held back is not lost: the next
 * line diffs against the last one logged, so it holds every move since (a resharding logs a
 * line a second, not one per MOVED); a timer logs what is still held at the interval's end.
 */
export class TopologyEvents {
  private readonly failovers = new FailoverWatch()
  /** The map at the last refresh (failovers) and at the last topology_changed line. */
  private previous: TopologySnapshot = EMPTY
  private logged: TopologySnapshot = EMPTY
  private loggedAt = Number.NEGATIVE_INFINITY
  private pendingTrigger: string | null = null
  private timer: NodeJS.Timeout | null = null

  constructor (
    private readonly topology: SnapshotSource,
    private readonly events: EventLog,
    private readonly intervalMs = 1000,
    private readonly now: () => number = () => performance.now()
  ) {}

  /** A refresh applied a new view (`trigger`: why it ran). */
  refreshed (trigger: string): void {
    const snap = this.topology.snapshot()
    const diff = diffTopology(this.previous, snap)
    const slotsOf = (m: NodeAddress): number => snap.owners.reduce((n, o) => o === m ? n + 1 : n, 0)
    for (const e of this.failovers.update(diff, this.now(), slotsOf)) this.events.failover(e)
    this.previous = snap
    this.pendingTrigger ??= trigger
    const wait = this.loggedAt + this.intervalMs - this.now()
    if (wait <= 0) { this.flush(); return }
    this.timer ??= setTimeout(() => { this.timer = null; this.flush() }, wait)
    this.timer.unref()
  }

  /** Stops the timer (what it held is dropped: slotgate is stopping). */
  stop (): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  private flush (): void {
    const trigger = this.pendingTrigger ?? 'unknown'
    this.pendingTrigger = null
    const diff = diffTopology(this.logged, this.previous)
    this.logged = this.previous
    this.loggedAt = this.now()
    if (diff.changed) this.events.topologyChanged(diff, trigger, this.topology.coveredSlots())
  }
}
