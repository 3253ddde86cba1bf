import { type ClusterNodeEntry, ownerOfSlot, parseClusterNodes, parseInfo, slotOwnerSignature, type SlotRange } from './cluster-view.js'
import { withNodeClient } from './node-command.js'
import type { RedisProcess } from './redis-process.js'
import type { Probe } from './wait-until.js'

/** What one node reports about the cluster and about itself, read in one round trip. */
export interface NodeView {
  readonly node: RedisProcess
  /** `CLUSTER INFO` and `INFO replication` fields together (their keys don't overlap). */
  readonly info: Map<string, string>
  readonly entries: ClusterNodeEntry[]
}

/** Reads the view of every node in `nodes` in parallel; rejects when one of them doesn't answer. */
export async function readViews (nodes: readonly RedisProcess[]): Promise<NodeView[]> {
  return await Promise.all(nodes.map(async node => await withNodeClient(node.host, node.port, async client => {
    const [clusterInfo, clusterNodes, replication] = await Promise.all([
      client.call('CLUSTER', 'INFO'),
      client.call('CLUSTER', 'NODES'),
      client.call('INFO', 'replication')
    ])
    const info = parseInfo(String(clusterInfo))
    for (const [key, value] of parseInfo(String(replication))) info.set(key, value)
    return { node, info, entries: parseClusterNodes(String(clusterNodes)) }
  })))
}

/**
 * Done when every view says `cluster_state:ok` and all views agree on the owner of every slot;
 * with `expectNodes`, each must also know that many nodes, none failed, all must agree on who
 * replicates whom, and each replica must have its link to its master up (so a failover test can count on a promotable replica).
 */
export function clusterOk (views: readonly NodeView[], expectNodes?: number): Probe<void> {
  const problems: string[] = []
  const signatures = new Set<string>()
  const roleSignatures = new Set<string>()
  for (const { node, info, entries } of views) {
    const signature = slotOwnerSignature(entries)
    signatures.add(signature)
    if (info.get('cluster_state') !== 'ok') problems.push(`${node.port}: cluster_state:${info.get('cluster_state') ?? '?'} slots_assigned:${info.get('cluster_slots_assigned') ?? '?'}`)
    if (expectNodes === undefined) continue
    const failed = entries.filter(e => e.failed || e.flags.includes('fail?'))
    if (entries.length !== expectNodes || failed.length > 0) {
      problems.push(`${node.port}: knows ${entries.length}/${expectNodes} nodes${failed.length > 0 ? `, failing: ${failed.map(e => e.port).join(',')}` : ''}`)
    }
    roleSignatures.add(entries.map(e => `${e.port}:${e.role === 'master' ? 'M' : e.masterId?.slice(0, 8)}`).sort().join(' '))
    if (info.get('role') === 'slave' && info.get('master_link_status') !== 'up') {
      problems.push(`${node.port}: master_link_status:${info.get('master_link_status') ?? '?'}`)
    }
  }
  if (signatures.size > 1) problems.push(`slot owners disagree: ${[...signatures].join(' | ')}`)
  if (roleSignatures.size > 1) problems.push(`roles disagree: ${[...roleSignatures].join(' | ')}`)
  return problems.length === 0 ? { done: true, value: undefined } : { done: false, seen: problems.join('; ') }
}

/**
 * Done with the new owner's port when every view gives all of `slots` (what `deadPort` held)
 * to one other node, and that node itself says it is a master with `cluster_state:ok`.
 */
export function failedOver (views: readonly NodeView[], slots: readonly SlotRange[], deadPort: number): Probe<number> {
  const owners = new Set(views.flatMap(v => slots.map(r => ownerOfSlot(v.entries, r.start)?.port ?? 0)))
  const [owner] = owners
  const own = views.find(v => v.node.port === owner)
  if (owners.size === 1 && owner !== deadPort && own?.info.get('role') === 'master' && own.info.get('cluster_state') === 'ok') {
    return { done: true, value: owner }
  }
  // Redis 7.0 reuses the votes of an election won less than 2 x cluster-node-timeout ago: a
  // replica promoted that recently, demoted, and now promoted again claims the slots with a
  // stale epoch the others ignore, and the shard stays split for good (valkey-io/valkey#1711).
  const split = owners.size > 1 && owners.has(deadPort) ? ' (a split view that lasts means two failovers of this shard came too close together: Redis 7.0 reuses stale election votes)' : ''
  return { done: false, seen: `owners of ${deadPort}'s slots: ${[...owners].join(',')}; states ${views.map(v => `${v.node.port}:${v.info.get('cluster_state') ?? '?'}`).join(' ')}${split}` }
}

/**
 * Done when the node on `port` says it has `role` (a replica also with its master link up) and
 * every view agrees; a master must own slots in every view when `withSlots` is set.
 */
export function hasRole (views: readonly NodeView[], port: number, role: 'master' | 'replica', withSlots = false): Probe<void> {
  const own = views.find(v => v.node.port === port)
  const problems: string[] = []
  if (own === undefined) problems.push(`${port} did not answer`)
  else if (own.info.get('role') !== (role === 'master' ? 'master' : 'slave')) problems.push(`${port} says role:${own.info.get('role') ?? '?'}`)
  else if (role === 'replica' && own.info.get('master_link_status') !== 'up') problems.push(`${port} says master_link_status:${own.info.get('master_link_status') ?? '?'}`)
  for (const { node, entries } of views) {
    const entry = entries.find(e => e.port === port)
    if (entry?.role !== role || (withSlots && entry.slots.length === 0)) {
      problems.push(`${node.port} sees ${port} as ${entry === undefined ? 'unknown' : `${entry.role} with ${entry.slots.length} slot ranges`}`)
    }
  }
  return problems.length === 0 ? { done: true, value: undefined } : { done: false, seen: problems.join('; ') }
}

/** Done when every view gives `slot` to the node on `port`. */
export function ownsSlot (views: readonly NodeView[], slot: number, port: number): Probe<void> {
  const wrong = views.filter(v => ownerOfSlot(v.entries, slot)?.port !== port)
  return wrong.length === 0
    ? { done: true, value: undefined }
    : { done: false, seen: wrong.map(v => `${v.node.port} sees slot ${slot} at ${ownerOfSlot(v.entries, slot)?.port ?? 'nobody'}`).join('; ') }
}
