// Shared setup of the core integration tests: one real 3-master/3-replica cluster per test
// file, slotgate in front of it, plain ("legacy") clients to slotgate and a cluster client
// straight at the nodes to check what really landed.
import { Cluster, Redis, type RedisOptions } from 'ioredis'
import type tap from 'tap'
import { keySlot } from '../../src/cluster/key-slot.js'
import { LocalCluster, type LocalClusterOptions } from '../harness/local-cluster.js'
import type { SlotgateConfig } from '../../src/config/schema.js'
import type { Slotgate } from '../../src/main.js'
import { startProxy } from './start-proxy.js'

export const HOST = '127.0.0.1'

/** The `t` a subtest callback receives. */
export type Tap = Parameters<Parameters<typeof tap.test>[0]>[0]

/** A started cluster + slotgate, and the clients a test opened on them. */
export interface CoreEnv {
  readonly cluster: LocalCluster
  readonly proxy: Slotgate
  /** Ports of the masters at start, ascending. */
  readonly masters: number[]
  /** Cluster client straight at the nodes (follows MOVED/ASK itself): the ground truth. */
  readonly direct: Cluster
  /**
   * A plain single-node client to slotgate, ready (its INFO ready check passed); disconnected
   * at teardown. RESP2 unless `options.protocol` says otherwise: ioredis 6 would negotiate
   * RESP3, whose reply shapes (doubles, maps, pairs) are not the ones the tests spell out.
   */
  legacyClient (options?: RedisOptions): Promise<Redis>
  /** Port of the master owning `slot` according to the slot map read at start. */
  ownerAtStart (slot: number): number
  /** The first key `${prefix}${i}` (i = 0, 1, ...) whose slot a given master owned at start. */
  keyOn (port: number, prefix: string): string
  /** Stops clients, slotgate and the cluster, in that order; idempotent. */
  stop (): Promise<void>
}

/** Slot of a string key, through slotgate's own hashing. */
export function slotOf (key: string | Buffer): number {
  return keySlot(typeof key === 'string' ? Buffer.from(key) : key)
}

/** The error message a promise rejects with, or a marker string when it resolves. */
export async function errorOf (p: Promise<unknown>): Promise<string> {
  try {
    const v = await p
    return `no error (resolved with ${JSON.stringify(v)})`
  } catch (err) {
    return (err as Error).message
  }
}

/**
 * Starts the cluster and slotgate. The caller registers `env.stop` with `t.teardown` at once,
 * so nothing outlives the test file even when a subtest fails.
 */
export async function startCoreEnv (options: { cluster?: LocalClusterOptions, proxy?: Partial<SlotgateConfig> } = {}): Promise<CoreEnv> {
  const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000, ...options.cluster })
  let proxy: Slotgate
  try {
    proxy = await startProxy(cluster.seeds(), options.proxy)
  } catch (err) {
    await cluster.stop()
    throw err
  }
  const clients: Array<Redis | Cluster> = []
  const direct = new Cluster(cluster.seeds().map(a => ({ host: HOST, port: Number(a.split(':')[1]) })), {
    redisOptions: { maxRetriesPerRequest: 2 }
  })
  direct.on('error', () => { /* reconnects are the cluster client's business; commands report failures */ })
  clients.push(direct)

  // CLUSTER SLOTS once: slot -> master port, to pick keys on each master without a round trip per key.
  const owners = new Int32Array(16384).fill(-1)
  const ranges = await direct.cluster('SLOTS') as unknown as Array<[number, number, [string, number, ...unknown[]]]>
  for (const [start, end, [, port]] of ranges) owners.fill(Number(port), start, end + 1)
  const masters = [...new Set(ranges.map(r => Number(r[2][1])))].sort((a, b) => a - b)

  let stopping: Promise<void> | undefined
  return {
    cluster,
    proxy,
    masters,
    direct,
    async legacyClient (opts: RedisOptions = {}) {
      const client = new Redis({ host: HOST, port: proxy.port, lazyConnect: true, maxRetriesPerRequest: 0, protocol: 2, ...opts })
      client.on('error', () => { /* surfaced through the commands that fail */ })
      clients.push(client)
      await client.connect()
      return client
    },
    ownerAtStart (slot: number) {
      return owners[slot]
    },
    keyOn (port: number, prefix: string) {
      for (let i = 0; i < 1_000_000; i++) {
        const key = `${prefix}${i}`
        if (owners[slotOf(key)] === port) return key
      }
      throw new Error(`no key ${prefix}N lands on port ${port} (is it a master?)`)
    },
    async stop () {
      stopping ??= (async () => {
        for (const c of clients) c.disconnect()
        await proxy.close()
        await cluster.stop()
      })()
      await stopping
    }
  }
}
