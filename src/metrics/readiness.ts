import { SLOT_COUNT } from '../cluster/key-slot.js'
import type { NodeAddress } from '../cluster/node-address.js'
import type { Topology } from '../cluster/topology.js'

/** What readiness looks at. */
export interface ReadinessSources {
  draining (): boolean
  readonly topology: Pick<Topology, 'allShards' | 'coveredSlots'>
  /**
   * The shared link to `node`, opened when there is none yet (links are otherwise opened by
   * the first request); undefined while the node waits out its reconnect backoff.
   */
  linkFor (node: NodeAddress): { readonly ready: boolean } | undefined
}

/**
 * Why slotgate should not get traffic now, or null when it should: not draining, a slot map
 * loaded that covers all 16384 slots, no master flagged failed, and a link up to every
 * master. A master whose link is still connecting makes it not ready yet; asking again
 * (kubelet probes every few seconds) finds the link up.
 */
export function notReadyReason (sources: ReadinessSources): string | null {
  if (sources.draining()) return 'draining: slotgate is shutting down'
  const shards = sources.topology.allShards()
  if (shards.length === 0) return 'no slot map yet: no seed node has answered'
  const covered = sources.topology.coveredSlots()
  if (covered < SLOT_COUNT) return `only ${covered} of ${SLOT_COUNT} hash slots have a master`
  const problems: string[] = []
  for (const shard of shards) {
    if (shard.masterFailing) { problems.push(`${shard.master} is flagged failed by the cluster`); continue }
    const link = sources.linkFor(shard.master)
    if (link === undefined) problems.push(`${shard.master} is unreachable (reconnecting)`)
    else if (!link.ready) problems.push(`${shard.master} is connecting`)
  }
  return problems.length === 0 ? null : `master link down: ${problems.join('; ')}`
}
