import { clusterClient } from './multi-key-probe.js'
import { KEYSPACE } from './workloads.js'

const BATCH = 5000
/** redis-benchmark's default value: `-d 3` bytes of `x`. */
const VALUE = 'xxx'

/**
 * Writes every key a GET workload reads (`key:000000000000` .. `key:000000099999`, the names
 * redis-benchmark makes of `key:__rand_int__` with `-r 100000`) straight into the cluster with a
 * cluster client, so the GETs hit without a SET pass through slotgate polluting its profile.
 */
export async function fillKeys (seeds: readonly string[]): Promise<void> {
  // Auto-pipelining: one write per node per tick instead of one per SET (seconds, not tens).
  const cluster = clusterClient(seeds, { enableAutoPipelining: true })
  try {
    for (let from = 0; from < KEYSPACE; from += BATCH) {
      const keys = Array.from({ length: Math.min(BATCH, KEYSPACE - from) }, (_, i) => `key:${String(from + i).padStart(12, '0')}`)
      await Promise.all(keys.map(async key => await cluster.set(key, VALUE)))
    }
  } finally {
    cluster.disconnect()
  }
}
