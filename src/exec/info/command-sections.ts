import { LATENCY_BUCKETS_SECONDS, type LatencyBuckets } from '../../metrics/latency-buckets.js'
import type { NodeStats } from './node-stats.js'
import type { InfoFields } from './merge-node-info.js'

/**
 * `INFO commandstats` for slotgate's own clients, in Redis 7's format
 * (`cmdstat_get:calls=..,usec=..,usec_per_call=..,rejected_calls=..,failed_calls=..`): time is
 * what the client waited, from reading the command to writing its reply.
 */
export function commandStatsFields (stats: NodeStats): InfoFields {
  const out: InfoFields = []
  for (const [name, c] of [...stats.commands].sort((a, b) => a[0] < b[0] ? -1 : 1)) {
    const perCall = c.calls > 0 ? c.usec / c.calls : 0
    out.push([`cmdstat_${name}`,
      `calls=${c.calls},usec=${c.usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${c.rejected},failed_calls=${c.failed}`])
  }
  return out
}

/** `INFO errorstats`: error replies to slotgate's clients by error code, in code order as Redis lists them. */
export function errorStatsFields (stats: NodeStats): InfoFields {
  return [...stats.errors].sort((a, b) => a[0] < b[0] ? -1 : 1).map(([code, n]) => [`errorstat_${code}`, `count=${n}`])
}

/**
 * `INFO latencystats`: p50, p99 and p99.9 of each command's time, in microseconds. slotgate
 * keeps a bucketed histogram (the one its metrics use), so each percentile is the upper
 * bound of the bucket it falls in, not Redis' HDR value.
 */
export function latencyStatsFields (stats: NodeStats): InfoFields {
  const out: InfoFields = []
  for (const [name, c] of [...stats.commands].sort((a, b) => a[0] < b[0] ? -1 : 1)) {
    if (c.latency.count === 0) continue
    const p = (q: number): string => percentileUsec(c.latency, q).toFixed(3)
    out.push([`latency_percentiles_usec_${name}`, `p50=${p(0.5)},p99=${p(0.99)},p99.9=${p(0.999)}`])
  }
  return out
}

/** The upper bound, in µs, of the bucket holding quantile `q` (the top bound for the overflow bucket). */
export function percentileUsec (buckets: LatencyBuckets, q: number): number {
  const rank = Math.max(1, Math.ceil(q * buckets.count))
  let seen = 0
  for (let i = 0; i < buckets.counts.length; i++) {
    seen += buckets.counts[i]
    if (seen >= rank) return LATENCY_BUCKETS_SECONDS[Math.min(i, LATENCY_BUCKETS_SECONDS.length - 1)] * 1e6
  }
  return LATENCY_BUCKETS_SECONDS[LATENCY_BUCKETS_SECONDS.length - 1] * 1e6
}
