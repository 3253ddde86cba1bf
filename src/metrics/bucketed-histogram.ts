import { Histogram, type Registry } from 'prom-client'
import { LATENCY_BUCKETS_SECONDS, type LatencyBuckets } from './latency-buckets.js'

/** One labelled series of a {@link BucketedHistogram}. */
export interface LabelledBuckets {
  readonly labels: Readonly<Record<string, string>>
  readonly buckets: LatencyBuckets
}

/** How to build a {@link BucketedHistogram}. */
export interface BucketedHistogramConfig {
  name: string
  help: string
  labelNames: readonly string[]
  registers: Registry[]
  /** Every series, read at scrape time. */
  source: () => Iterable<LabelledBuckets>
}

type Sample = { value: number, labels: Record<string, string | number>, metricName: string }

/**
 * A prom-client Histogram whose series are read at scrape time from {@link LatencyBuckets}
 * that the hot path updates itself. prom-client's own `observe()` hashes the label values
 * into a string on every call; here a request costs a map lookup and a few additions, and
 * the series are built once per scrape. It is still a Histogram to the registry, so text
 * exposition and the worker aggregation (AggregatorRegistry, summing by labels) work as usual.
 */
export class BucketedHistogram extends Histogram<string> {
  private readonly metricName: string
  private readonly helpText: string
  private readonly source: () => Iterable<LabelledBuckets>

  constructor (config: BucketedHistogramConfig) {
    super({ name: config.name, help: config.help, labelNames: [...config.labelNames], buckets: [...LATENCY_BUCKETS_SECONDS], registers: config.registers })
    this.metricName = config.name
    this.helpText = config.help
    this.source = config.source
  }

  /** @internal The registry's JSON view (also what workers send to the primary). */
  override async get (): Promise<Awaited<ReturnType<Histogram<string>['get']>>> {
    const values: Sample[] = []
    for (const { labels, buckets } of this.source()) {
      let cumulative = 0
      for (let i = 0; i < LATENCY_BUCKETS_SECONDS.length; i++) {
        cumulative += buckets.counts[i]
        values.push({ value: cumulative, labels: { ...labels, le: LATENCY_BUCKETS_SECONDS[i] }, metricName: `${this.metricName}_bucket` })
      }
      values.push({ value: buckets.count, labels: { ...labels, le: '+Inf' }, metricName: `${this.metricName}_bucket` })
      values.push({ value: buckets.sumMs / 1000, labels: { ...labels }, metricName: `${this.metricName}_sum` })
      values.push({ value: buckets.count, labels: { ...labels }, metricName: `${this.metricName}_count` })
    }
    // prom-client types `type` as an enum, but its registries compare and print the string.
    return { name: this.metricName, help: this.helpText, type: 'histogram', values, aggregator: 'sum' } as unknown as Awaited<ReturnType<Histogram<string>['get']>>
  }

  /** @internal The registry's text exposition asks this first; same data. */
  async getForPromString (): Promise<Awaited<ReturnType<Histogram<string>['get']>>> {
    return await this.get()
  }
}
