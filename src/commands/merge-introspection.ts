import { readElements, readInteger } from '../resp/decode-reply.js'
import { textOf, type Resp2Value } from '../resp/decode-resp2.js'

/** Each master's reply to an introspection command, as raw RESP2 bytes. */
export interface NodeReply { node: string, reply: Buffer }

/**
 * SLOWLOG GET over masters: every master's entries (each asked for `count`), newest first as
 * one node lists them (by time, then id), cut to `count` (-1: all). Entries keep their bytes.
 */
export function mergeSlowlog (replies: readonly Buffer[], count: number): Buffer[] {
  const entries: Array<{ raw: Buffer, id: number, time: number }> = []
  for (const reply of replies) {
    for (const raw of readElements(reply) ?? []) {
      const fields = readElements(raw) ?? []
      entries.push({ raw, id: readInteger(fields[0] ?? Buffer.alloc(0)), time: readInteger(fields[1] ?? Buffer.alloc(0)) })
    }
  }
  entries.sort((a, b) => b.time - a.time || b.id - a.id)
  return (count < 0 ? entries : entries.slice(0, count)).map(e => e.raw)
}

/** One LATENCY LATEST row: event, time of the latest spike, its latency, the all-time maximum. */
export type LatestRow = [event: Buffer, time: number, latest: number, max: number]

/**
 * LATENCY LATEST over masters: per event, the latest spike of any master (time and latency of
 * the newest) and the largest maximum, events in name order.
 */
export function mergeLatencyLatest (values: readonly Resp2Value[]): LatestRow[] {
  const byEvent = new Map<string, LatestRow>()
  for (const value of values) {
    if (!Array.isArray(value)) continue
    for (const row of value) {
      if (!Array.isArray(row) || row.length < 4 || !Buffer.isBuffer(row[0])) continue
      const [event, time, latest, max] = [row[0], Number(row[1]), Number(row[2]), Number(row[3])]
      const name = event.toString('latin1')
      const seen = byEvent.get(name)
      if (seen === undefined) { byEvent.set(name, [event, time, latest, max]); continue }
      if (time > seen[1]) { seen[1] = time; seen[2] = latest }
      seen[3] = Math.max(seen[3], max)
    }
  }
  return [...byEvent.entries()].sort((a, b) => a[0] < b[0] ? -1 : 1).map(([, row]) => row)
}

/** Samples a node keeps per event (latency.h, LATENCY_TS_LEN). */
export const LATENCY_SAMPLES = 160

/**
 * LATENCY HISTORY over masters: samples of every master by time, the largest where two fall
 * in the same second (a node keeps one per second), oldest first, the newest 160 kept.
 */
export function mergeLatencyHistory (values: readonly Resp2Value[]): Array<[number, number]> {
  const bySecond = new Map<number, number>()
  for (const value of values) {
    if (!Array.isArray(value)) continue
    for (const sample of value) {
      if (!Array.isArray(sample) || sample.length < 2) continue
      const time = Number(sample[0])
      bySecond.set(time, Math.max(bySecond.get(time) ?? 0, Number(sample[1])))
    }
  }
  return [...bySecond].sort((a, b) => a[0] - b[0]).slice(-LATENCY_SAMPLES)
}

/**
 * LATENCY HISTOGRAM over masters: per command, calls and each bucket's count summed. Input
 * rows are RESP2: [name, [calls, n, histogram_usec, [bucket, count, ...]], ...].
 */
export function mergeLatencyHistogram (values: readonly Resp2Value[]): Map<string, { calls: number, buckets: Map<number, number> }> {
  const out = new Map<string, { calls: number, buckets: Map<number, number> }>()
  for (const value of values) {
    if (!Array.isArray(value)) continue
    for (let i = 0; i + 1 < value.length; i += 2) {
      const name = textOf(value[i])
      const body = value[i + 1]
      if (!Array.isArray(body)) continue
      const entry = out.get(name) ?? { calls: 0, buckets: new Map<number, number>() }
      for (let j = 0; j + 1 < body.length; j += 2) {
        const field = textOf(body[j])
        const v = body[j + 1]
        if (field === 'calls') entry.calls += Number(v)
        else if (field === 'histogram_usec' && Array.isArray(v)) {
          for (let k = 0; k + 1 < v.length; k += 2) entry.buckets.set(Number(v[k]), (entry.buckets.get(Number(v[k])) ?? 0) + Number(v[k + 1]))
        }
      }
      out.set(name, entry)
    }
  }
  return out
}

/**
 * Text reports (LATENCY DOCTOR, MEMORY DOCTOR) of several masters as one: the report itself
 * when every master wrote the same; else each distinct report once, under the masters that
 * wrote it.
 */
export function mergeReports (reports: ReadonlyArray<{ node: string, text: string }>): string {
  const groups = new Map<string, string[]>()
  for (const { node, text } of reports) groups.set(text, [...(groups.get(text) ?? []), node])
  if (groups.size <= 1) return reports[0]?.text ?? ''
  return [...groups].map(([text, nodes]) => `Masters ${nodes.join(', ')}:\n${text}`).join('\n\n')
}

/** A MEMORY STATS field's merged value: an integer, a ratio (double), or a nested map of integers. */
export type StatValue = number | { double: number } | Array<[string, number]>

/**
 * MEMORY STATS over masters: integers summed (nested `db.N` maps too), ratios recomputed from
 * the sums as object.c computes them, other doubles averaged. Input: each master's flat
 * RESP2 array of name/value pairs (doubles come as bulk strings).
 */
export function mergeMemoryStats (values: readonly Resp2Value[]): Array<[string, StatValue]> {
  const sums = new Map<string, number | number[] | Map<string, number>>()
  for (const value of values) {
    if (!Array.isArray(value)) continue
    for (let i = 0; i + 1 < value.length; i += 2) {
      const name = textOf(value[i])
      const v = value[i + 1]
      const seen = sums.get(name)
      if (typeof v === 'number') sums.set(name, (typeof seen === 'number' ? seen : 0) + v)
      else if (Array.isArray(v)) {
        const map = seen instanceof Map ? seen : new Map<string, number>()
        for (let j = 0; j + 1 < v.length; j += 2) map.set(textOf(v[j]), (map.get(textOf(v[j])) ?? 0) + Number(v[j + 1]))
        sums.set(name, map)
      } else if (Buffer.isBuffer(v)) {
        sums.set(name, [...(Array.isArray(seen) ? seen : []), Number(v.toString('latin1'))])
      }
    }
  }
  const n = (name: string): number => { const v = sums.get(name); return typeof v === 'number' ? v : 0 }
  const net = n('total.allocated') - n('startup.allocated')
  const ratios: Record<string, number> = {
    'dataset.percentage': net > 0 ? n('dataset.bytes') * 100 / net : 0,
    'peak.percentage': n('peak.allocated') > 0 ? n('total.allocated') * 100 / n('peak.allocated') : 0,
    'allocator-fragmentation.ratio': ratio(n('allocator.active'), n('allocator.allocated')),
    'allocator-rss.ratio': ratio(n('allocator.resident'), n('allocator.active')),
    'rss-overhead.ratio': ratio(n('rss-overhead.bytes') + n('allocator.resident'), n('allocator.resident')),
    fragmentation: ratio(n('fragmentation.bytes') + n('total.allocated'), n('total.allocated'))
  }
  return [...sums].map(([name, v]): [string, StatValue] => {
    if (name === 'keys.bytes-per-key') return [name, n('keys.count') > 0 ? Math.floor(net / n('keys.count')) : 0]
    if (typeof v === 'number') return [name, v]
    if (v instanceof Map) return [name, [...v]]
    return [name, { double: ratios[name] ?? v.reduce((a, b) => a + b, 0) / Math.max(1, v.length) }]
  })
}

function ratio (a: number, b: number): number {
  return b > 0 ? a / b : 0
}
