import type { NodeAddress } from './node-address.js'

/** A shard as a snapshot holds it. */
export interface ShardSnapshot {
  readonly master: NodeAddress
  readonly replicas: readonly NodeAddress[]
  readonly masterFailing: boolean
}

/** The slot map as plain values, taken after a change (Topology.snapshot()). */
export interface TopologySnapshot {
  /** The config epoch of the applied view; -1 when unknown (see Topology.epoch). */
  readonly epoch: number
  /** Slot → its master, undefined for a slot without one; 16384 entries. */
  readonly owners: readonly (NodeAddress | undefined)[]
  readonly shards: readonly ShardSnapshot[]
}

/** Slots that changed hands from one master (or none) to another (or none). */
export interface SlotMove {
  /** null: the slots had no master before. */
  readonly from: NodeAddress | null
  /** null: the slots have no master now. */
  readonly to: NodeAddress | null
  /** How many slots. */
  readonly slots: number
  /** The slots as ranges, `0-5460,5462` (at most 20 ranges, then `...`). */
  readonly ranges: string
}

/** What changed between two snapshots. */
export interface TopologyDiff {
  readonly epochBefore: number
  readonly epochAfter: number
  /** Nodes serving slots as masters now that did not before, and the reverse. */
  readonly mastersAdded: NodeAddress[]
  readonly mastersRemoved: NodeAddress[]
  readonly moves: SlotMove[]
  /** Masters flagged failed (`fail`, agreed by a majority) now and not before. */
  readonly failing: NodeAddress[]
  /** Masters flagged failed before and not now, still masters. */
  readonly recovered: NodeAddress[]
  /** Nodes that were a replica of `formerMaster` and serve slots as masters now. */
  readonly promoted: Array<{ node: NodeAddress, formerMaster: NodeAddress }>
  /** False when nothing above changed. */
  readonly changed: boolean
}

const MAX_RANGES = 20

/**
 * Compares two snapshots of the slot map: slots moved between masters (grouped by source and
 * destination), masters added and removed, masters newly flagged failed or back, replicas
 * promoted, and the epoch. Pure: the event log and the failover watch read its result.
 */
export function diffTopology (before: TopologySnapshot, after: TopologySnapshot): TopologyDiff {
  const mastersBefore = new Set(before.shards.map(s => s.master))
  const mastersAfter = new Set(after.shards.map(s => s.master))
  const failingBefore = new Set(before.shards.filter(s => s.masterFailing).map(s => s.master))
  const replicaOf = new Map<NodeAddress, NodeAddress>()
  for (const s of before.shards) for (const r of s.replicas) replicaOf.set(r, s.master)

  const mastersAdded = [...mastersAfter].filter(m => !mastersBefore.has(m)).sort()
  const mastersRemoved = [...mastersBefore].filter(m => !mastersAfter.has(m)).sort()
  const failing: NodeAddress[] = []
  const recovered: NodeAddress[] = []
  for (const s of after.shards) {
    if (s.masterFailing && !failingBefore.has(s.master)) failing.push(s.master)
    if (!s.masterFailing && failingBefore.has(s.master)) recovered.push(s.master)
  }
  const promoted = mastersAdded.flatMap(node => {
    const formerMaster = replicaOf.get(node)
    return formerMaster === undefined ? [] : [{ node, formerMaster }]
  })
  const moves = slotMoves(before.owners, after.owners)
  const changed = before.epoch !== after.epoch || mastersAdded.length + mastersRemoved.length + moves.length + failing.length + recovered.length > 0
  return { epochBefore: before.epoch, epochAfter: after.epoch, mastersAdded, mastersRemoved, moves, failing: failing.sort(), recovered: recovered.sort(), promoted, changed }
}

/** Slots whose master differs, grouped by (from, to), each group's slots as ranges. */
function slotMoves (before: readonly (NodeAddress | undefined)[], after: readonly (NodeAddress | undefined)[]): SlotMove[] {
  const groups = new Map<string, { from: NodeAddress | null, to: NodeAddress | null, slots: number[] }>()
  const n = Math.max(before.length, after.length)
  for (let slot = 0; slot < n; slot++) {
    const from = before[slot] ?? null
    const to = after[slot] ?? null
    if (from === to) continue
    const key = `${from ?? ''} ${to ?? ''}`
    let g = groups.get(key)
    if (g === undefined) { g = { from, to, slots: [] }; groups.set(key, g) }
    g.slots.push(slot)
  }
  return [...groups.values()].map(g => ({ from: g.from, to: g.to, slots: g.slots.length, ranges: formatRanges(g.slots) }))
}

/** Ascending slots as `a-b,c` ranges, at most MAX_RANGES of them. */
export function formatRanges (slots: readonly number[]): string {
  const out: string[] = []
  for (let i = 0; i < slots.length; i++) {
    const start = slots[i]
    while (i + 1 < slots.length && slots[i + 1] === slots[i] + 1) i++
    if (out.length === MAX_RANGES) { out.push('...'); break }
    out.push(start === slots[i] ? String(start) : `${start}-${slots[i]}`)
  }
  return out.join(',')
}
