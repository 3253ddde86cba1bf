import { SLOT_COUNT } from './key-slot.js'
import type { NodeAddress } from './node-address.js'
import type { ClusterView } from './cluster-view.js'
import type { TopologySnapshot } from './topology-diff.js'

/** A master and its replicas: what serves a range of slots. */
export interface Shard {
  master: NodeAddress
  replicas: NodeAddress[]
  /**
   * True when the view flags the master `fail` (agreed by a majority): wait rather than send.
   * A mere `fail?` (one node's suspicion) does not count: it would pause traffic to a master
   * that may be fine.
   */
  masterFailing: boolean
}

/**
 * The slot map: slot → shard. It only changes through `apply` (a refreshed view) and
 * `moveSlot` (a MOVED redirect); it never forgets a slot because of an empty or failed
 * answer, which is the refresher's job to filter out.
 */
export class Topology {
  private readonly slots: (Shard | undefined)[] = new Array<Shard | undefined>(SLOT_COUNT)
  private shards: Shard[] = []
  private knownNodes = new Set<NodeAddress>()
  private version = 0
  private readonly listeners: (() => void)[] = []
  /** Replicas whose own link to their master is down (INFO replication): they serve stale data. */
  private readonly laggingReplicas = new Set<NodeAddress>()
  /** performance.now() when each slot was last set by a MOVED (0: never): newer than a view asked for before. */
  private readonly movedAt = new Float64Array(SLOT_COUNT)
  /** The applied view's highest config epoch; -1 while a MOVED changed the map since (the epoch is unknown). */
  private epochValue = -1

  /**
   * The cluster's config epoch as of the last applied view: it grows with every slot move
   * and failover. -1 until a view is applied, and again after a MOVED until the next one.
   */
  get epoch (): number { return this.epochValue }

  /** Records whether a replica's replication link is up; reads skip replicas whose link is down. */
  setReplicaLinkUp (replica: NodeAddress, up: boolean): void {
    if (up) this.laggingReplicas.delete(replica)
    else this.laggingReplicas.add(replica)
  }

  /** False for a replica known to have lost its master. */
  replicaUsable (replica: NodeAddress): boolean {
    return !this.laggingReplicas.has(replica)
  }

  /** Increases on every change; lets waiters know something moved. */
  get generation (): number { return this.version }

  /** The shard serving `slot`, if known. */
  shardFor (slot: number): Shard | undefined {
    return this.slots[slot]
  }

  /** The master serving `slot`, if known. */
  masterFor (slot: number): NodeAddress | undefined {
    return this.slots[slot]?.master
  }

  /** Every master that serves at least one slot. */
  masters (): NodeAddress[] {
    return this.shards.map(s => s.master)
  }

  /** Every node of the last applied view (masters, replicas, slotless ones). */
  nodes (): NodeAddress[] {
    return [...this.knownNodes]
  }

  /** The shards of the last applied view. */
  allShards (): readonly Shard[] {
    return this.shards
  }

  /** The map as plain values, for a diff with a later one (see topology-diff.ts). */
  snapshot (): TopologySnapshot {
    return {
      epoch: this.epochValue,
      owners: Array.from(this.slots, s => s?.master),
      shards: this.shards.map(s => ({ master: s.master, replicas: [...s.replicas], masterFailing: s.masterFailing }))
    }
  }

  /** Number of slots with a known owner. */
  coveredSlots (): number {
    let n = 0
    for (let i = 0; i < SLOT_COUNT; i++) if (this.slots[i] !== undefined) n++
    return n
  }

  /** Registers a callback run after every change. */
  onChange (listener: () => void): void {
    this.listeners.push(listener)
  }

  /** Unregisters a callback given to onChange. */
  offChange (listener: () => void): void {
    const i = this.listeners.indexOf(listener)
    if (i !== -1) this.listeners.splice(i, 1)
  }

  /**
   * Replaces the map with `view` (chosen by chooseView). `askedAt` (performance.now() when
   * the nodes were asked) keeps slots learnt from a MOVED after that moment: the view is older
   * than what the redirect said.
   */
  apply (view: ClusterView, askedAt = Number.POSITIVE_INFINITY): void {
    const byId = new Map(view.nodes.map(n => [n.id, n]))
    const shardById = new Map<string, Shard>()
    for (const n of view.nodes) {
      if (n.role !== 'master' || n.slots.length === 0 || n.unusable) continue
      shardById.set(n.id, { master: n.address, replicas: [], masterFailing: n.failed })
    }
    for (const n of view.nodes) {
      if (n.role !== 'replica' || n.masterId === null || n.unusable || n.failed) continue
      const shard = shardById.get(n.masterId)
      if (shard !== undefined && byId.has(n.masterId)) shard.replicas.push(n.address)
    }
    const next: (Shard | undefined)[] = new Array<Shard | undefined>(SLOT_COUNT)
    for (const n of view.nodes) {
      const shard = shardById.get(n.id)
      if (shard === undefined) continue
      for (const [a, b] of n.slots) for (let s = a; s <= b; s++) next[s] = shard
    }
    // Keep what we knew for slots the new view leaves unowned: "never drop a slot map for
    // an empty answer" applies slot by slot too.
    const kept = new Set<Shard>()
    for (let s = 0; s < SLOT_COUNT; s++) {
      const owner = this.movedAt[s] > askedAt ? this.slots[s] : next[s] ?? this.slots[s]
      this.slots[s] = owner
      if (owner !== undefined) kept.add(owner)
    }
    // Every shard still serving a slot, kept ones included, so broadcasts reach them all.
    this.shards = [...kept]
    this.knownNodes = new Set(view.nodes.filter(n => !n.unusable).map(n => n.address))
    for (const shard of kept) this.knownNodes.add(shard.master)
    let newerMoves = false
    for (let s = 0; s < SLOT_COUNT && !newerMoves; s++) newerMoves = this.movedAt[s] > askedAt
    this.epochValue = newerMoves ? -1 : view.maxEpoch
    this.changed()
  }

  /**
   * Records a MOVED redirect: `slot` is served by `node` now. The rest of the map is fixed
   * by the refresh the redirect also triggers.
   */
  moveSlot (slot: number, node: NodeAddress): void {
    if (this.slots[slot]?.master === node) return
    this.movedAt[slot] = performance.now()
    this.epochValue = -1
    let shard = this.shards.find(s => s.master === node)
    if (shard === undefined) {
      shard = { master: node, replicas: [], masterFailing: false }
      this.shards.push(shard)
      this.knownNodes.add(node)
    }
    this.slots[slot] = shard
    this.changed()
  }

  private changed (): void {
    this.version++
    for (const l of this.listeners) l()
  }
}
