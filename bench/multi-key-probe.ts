import { Cluster, type ClusterOptions } from 'ioredis'
import { withNodeClient } from '../test/harness/node-command.js'

/** What `count` commands of one kind, sent through slotgate, got back. */
export interface ProbeResult {
  readonly command: string
  readonly sent: number
  /** Error replies by their first word (`CROSSSLOT`, `ERR`, ...). */
  readonly errors: Map<string, number>
  readonly firstError?: string
  /** Non-error replies that were wrong (MSET not `OK`; MGET values not what the cluster holds). */
  readonly wrong: number
}

/** A cluster client straight at the nodes (`host:port` seeds), to write or check keys behind the proxies' backs. */
export function clusterClient (seeds: readonly string[], options: ClusterOptions = {}): Cluster {
  return new Cluster(seeds.map(s => ({ host: s.slice(0, s.lastIndexOf(':')), port: Number(s.slice(s.lastIndexOf(':') + 1)) })), options)
}

/** Errors over everything sent, 0..1. */
export function errorRate (probe: ProbeResult): number {
  let errors = 0
  for (const n of probe.errors.values()) errors += n
  return errors / probe.sent
}

const KEYS_PER_COMMAND = 10

function probeKeys (kind: string, i: number): string[] {
  // Ten distinct plain keys: their slots differ (almost surely), as in redis-benchmark's MSET.
  return Array.from({ length: KEYS_PER_COMMAND }, (_, j) => `slotgate-bench:probe:${kind}:${i}:${j}`)
}

function tally (command: string, sent: number, replies: ReadonlyArray<[Error | null, unknown]>, correct: (reply: unknown, i: number) => boolean): ProbeResult {
  const errors = new Map<string, number>()
  let firstError: string | undefined
  let wrong = 0
  replies.forEach(([err, reply], i) => {
    if (err !== null) {
      // Redis errors start with an upper-case code (CROSSSLOT, ERR); a client-side failure
      // (connection closed, timeout) is kept whole, shortened.
      const code = err.message.split(' ')[0] as string
      const kind = /^[A-Z]+$/.test(code) ? code : err.message.slice(0, 40)
      errors.set(kind, (errors.get(kind) ?? 0) + 1)
      firstError ??= err.message
    } else if (!correct(reply, i)) {
      wrong++
    }
  })
  // A pipeline that lost replies is wrong too: count every missing one.
  return { command, sent, errors, firstError, wrong: wrong + sent - replies.length }
}

/**
 * Sends `count` MSETs and `count` MGETs of 10 keys across slots through slotgate (a plain
 * client, pipelined) and checks them against the cluster itself (a cluster client): MGET must
 * return the values written directly, in key order; MSET's values must be readable directly.
 * redis-benchmark stops at the first error reply, so this is where an error rate comes from.
 */
export async function probeMultiKey (slotgatePort: number, seeds: readonly string[], count: number): Promise<ProbeResult[]> {
  const stamp = Date.now().toString(36)
  const cluster = clusterClient(seeds)
  try {
    const getKeys = Array.from({ length: count }, (_, i) => probeKeys('mget', i))
    const value = (key: string): string => `${key}=${stamp}`
    await Promise.all(getKeys.flat().map(async key => await cluster.set(key, value(key))))
    const setKeys = Array.from({ length: count }, (_, i) => probeKeys('mset', i))
    // One connection per command kind, so a connection one of them breaks does not fail the other.
    const mget = await withNodeClient('127.0.0.1', slotgatePort, async client => {
      const mgets = client.pipeline()
      for (const keys of getKeys) mgets.mget(...keys)
      return tally('MGET', count, (await mgets.exec()) ?? [], (reply, i) =>
        Array.isArray(reply) && reply.length === KEYS_PER_COMMAND && reply.every((v, j) => v === value((getKeys[i] as string[])[j] as string)))
    }, 30_000)
    const msetReplies = await withNodeClient('127.0.0.1', slotgatePort, async client => {
      const msets = client.pipeline()
      for (const keys of setKeys) msets.mset(...keys.flatMap(key => [key, value(key)]))
      return (await msets.exec()) ?? []
    }, 30_000)
    const landed = await Promise.all(setKeys.map(async keys => await Promise.all(keys.map(async key => await cluster.get(key)))))
    const mset = tally('MSET', count, msetReplies, (reply, i) =>
      reply === 'OK' && (landed[i] as Array<string | null>).every((v, j) => v === value((setKeys[i] as string[])[j] as string)))
    return [mset, mget]
  } finally {
    cluster.disconnect()
  }
}
