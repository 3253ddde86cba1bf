import { Counter, Gauge, type Aggregator, type Registry } from 'prom-client'

/** Label values of one series. */
export type Labels = Record<string, string>

/** One series read at scrape time: its labels and its value. */
export type Row = readonly [Labels, number]

/**
 * Builds metrics whose values are read at scrape time (the hot path only bumps plain
 * numbers). Labels listed in `dropped` are left out of every metric it builds, their series
 * summed (prom-client's inc() adds up series with equal labels): how `metricsPerCommand` and
 * `metricsPerNode` off keep a large fleet's series count down.
 */
export class MetricKit {
  constructor (readonly registers: Registry[], private readonly dropped: ReadonlySet<string> = new Set()) {}

  /** A counter without labels. Workers' values are summed unless `aggregator` says otherwise. */
  counter (name: string, help: string, read: () => number, aggregator: Aggregator = 'sum'): void {
    new Counter({ name, help, registers: this.registers, aggregator, collect () { this.reset(); this.inc(read()) } })
  }

  /** A gauge without labels. */
  gauge (name: string, help: string, aggregator: Aggregator, read: () => number): void {
    new Gauge({ name, help, registers: this.registers, aggregator, collect () { this.set(read()) } })
  }

  /** A counter with labels; `rows` gives every series (rows with equal labels add up). */
  labelledCounter (name: string, help: string, labelNames: readonly string[], rows: () => Iterable<Row>): void {
    const strip = this.stripper(labelNames)
    new Counter({
      name,
      help,
      registers: this.registers,
      labelNames: strip.names,
      collect () { this.reset(); for (const [labels, value] of rows()) this.inc(strip.labels(labels), value) }
    })
  }

  /** A gauge with labels; `rows` gives every series (rows with equal labels add up). */
  labelledGauge (name: string, help: string, labelNames: readonly string[], aggregator: Aggregator, rows: () => Iterable<Row>): void {
    const strip = this.stripper(labelNames)
    new Gauge({
      name,
      help,
      registers: this.registers,
      aggregator,
      labelNames: strip.names,
      collect () { this.reset(); for (const [labels, value] of rows()) this.inc(strip.labels(labels), value) }
    })
  }

  /** True when series keep the label `name`. */
  keeps (name: string): boolean {
    return !this.dropped.has(name)
  }

  private stripper (labelNames: readonly string[]): { names: string[], labels: (l: Labels) => Labels } {
    const names = labelNames.filter(n => !this.dropped.has(n))
    if (names.length === labelNames.length) return { names, labels: l => l }
    return {
      names,
      labels: l => {
        const out: Labels = {}
        for (const n of names) out[n] = l[n]
        return out
      }
    }
  }
}
