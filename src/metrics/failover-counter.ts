import type { NodeAddress } from '../cluster/node-address.js'
import type { Shard } from '../cluster/topology.js'

/**
 * Counts failovers slotgate has followed: a node it knew as a replica of a master now serves
 * slots as a master (an automatic promotion, CLUSTER FAILOVER, or a MOVED to the promoted
 * replica, whichever slotgate saw first). Fed on topology changes, which are rare.
 */
export class FailoverCounter {
  /** Failovers seen since start. */
  count = 0
  private masters = new Set<NodeAddress>()
  private replicaOf = new Map<NodeAddress, NodeAddress>()

  /** Compares the new shards with the previous ones. */
  update (shards: readonly Shard[]): void {
    const masters = new Set<NodeAddress>()
    const replicaOf = new Map<NodeAddress, NodeAddress>()
    for (const shard of shards) {
      masters.add(shard.master)
      for (const replica of shard.replicas) replicaOf.set(replica, shard.master)
      if (!this.masters.has(shard.master) && this.replicaOf.has(shard.master)) this.count++
    }
    this.masters = masters
    this.replicaOf = replicaOf
  }
}
