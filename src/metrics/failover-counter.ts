/** A shard as the counter reads it (a node is named `host:port`). */
export interface ShardRoles {
  readonly master: string
  readonly replicas: readonly string[]
}

/**
 * Counts failovers slotgate has followed: a node it knew as a replica of a master now serves
 * slots as a master (an automatic promotion, CLUSTER FAILOVER, or a MOVED to the promoted
 * replica, whichever slotgate saw first). Fed on topology changes, which are rare.
 */
export class FailoverCounter {
  /** Failovers seen since start. */
  count = 0
  private masters = new Set<string>()
  private replicaOf = new Map<string, string>()

  /** Compares the new shards with the previous ones. */
  update (shards: readonly ShardRoles[]): void {
    const masters = new Set<string>()
    const replicaOf = new Map<string, string>()
    for (const shard of shards) {
      masters.add(shard.master)
      for (const replica of shard.replicas) replicaOf.set(replica, shard.master)
      if (!this.masters.has(shard.master) && this.replicaOf.has(shard.master)) this.count++
    }
    this.masters = masters
    this.replicaOf = replicaOf
  }
}
