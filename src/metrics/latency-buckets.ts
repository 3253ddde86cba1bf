/**
 * Upper bounds, in seconds, of every slotgate latency histogram. A proxy hop on loopback
 * takes tens of microseconds, so the low end is fine-grained; the top reaches the default
 * command timeout (5 s). One set for all, so dashboards can compare them.
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
]

// The hot path measures in milliseconds (performance.now()); comparing against bounds in ms
// saves a division per observation.
const BOUNDS_MS = Float64Array.from(LATENCY_BUCKETS_SECONDS, s => s * 1000)

/**
 * A histogram's state as plain numbers, cheap to update per request (a short linear scan:
 * most observations land in the first buckets) and turned into Prometheus series only when
 * scraped (see `BucketedHistogram`).
 */
export class LatencyBuckets {
  /** Observations per bucket, not cumulative; the last slot counts those above every bound. */
  readonly counts = new Float64Array(BOUNDS_MS.length + 1)
  /** Sum of observations, in milliseconds. */
  sumMs = 0
  /** Number of observations. */
  count = 0

  /** Records one duration in milliseconds. */
  observeMs (ms: number): void {
    let i = 0
    while (i < BOUNDS_MS.length && ms > BOUNDS_MS[i]) i++
    this.counts[i]++
    this.sumMs += ms
    this.count++
  }
}

/** The sum of several histograms' states (a series whose label is dropped). */
export function sumBuckets (all: Iterable<LatencyBuckets>): LatencyBuckets {
  const total = new LatencyBuckets()
  for (const b of all) {
    for (let i = 0; i < total.counts.length; i++) total.counts[i] += b.counts[i]
    total.sumMs += b.sumMs
    total.count += b.count
  }
  return total
}
