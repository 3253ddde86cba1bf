// Read policy (issue 7, point 1), shown by what each node really executed: INFO commandstats
// on every node (`cmdstat_get:calls=N`), reset with CONFIG RESETSTAT before each phase.
// - master: reads on masters only; prefer-replica / replica: reads on the shard's replica;
//   any: spread over master and replica; writes always on the master (INCRBYFLOAT is
//   replicated as SET, so a replica's cmdstat_incrbyfloat counts only what was sent to it);
// - READONLY in a session switches it to replicas under `master`, READWRITE back;
// - a replica whose link to its master is down is skipped;
// - a killed replica: `replica` answers reads of its shard with a clear error,
//   `prefer-replica` falls back to the master.
import t from 'tap'
import { Redis } from 'ioredis'
import type { Slotgate } from '../../src/main.js'
import type { SlotgateConfig } from '../../src/config/schema.js'
import { ReplyStrings } from '../../src/resp/reply-strings.js'
import { errorOf, HOST, slotOf, startCoreEnv } from '../helpers/core-env.js'
import { eventually } from '../helpers/raw-conn.js'
import { startProxy } from '../helpers/start-proxy.js'

const fileStart = Date.now()
const env = await startCoreEnv({ cluster: { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000 } })
t.teardown(env.stop)
t.comment(`cluster and proxy up in ${Date.now() - fileStart} ms`)
t.teardown(() => { t.comment(`file runtime ${Date.now() - fileStart} ms`) })

/** The assertions these helpers use (a subtest's `t`). */
interface Asserts {
  ok: (v: unknown, msg: string) => boolean
  equal: (a: unknown, b: unknown, msg: string) => boolean
  same: (a: unknown, b: unknown, msg: string) => boolean
}

/** Per-policy proxies (env.proxy is the default one, readPolicy master). */
const proxies = new Map<string, Slotgate>()
async function proxyWith (policy: SlotgateConfig['readPolicy']): Promise<Slotgate> {
  const existing = proxies.get(policy)
  if (existing !== undefined) return existing
  const p = await startProxy(env.cluster.seeds(), { readPolicy: policy, topologyRefreshIntervalMs: 1000 })
  proxies.set(policy, p)
  return p
}
t.teardown(async () => { for (const p of proxies.values()) await p.close() })

/** Direct RESP2 connections to every node, for stats (they never send GET or INCRBYFLOAT). */
const nodeClients = new Map<number, Redis>()
function node (port: number): Redis {
  let c = nodeClients.get(port)
  if (c === undefined) {
    c = new Redis({ host: HOST, port, protocol: 2, maxRetriesPerRequest: 1, lazyConnect: false })
    c.on('error', () => { /* a killed node: the command that needed it reports it */ })
    nodeClients.set(port, c)
  }
  return c
}
t.teardown(() => { for (const c of nodeClients.values()) c.disconnect() })

// Shards: master port -> replica port (INFO replication of each replica names its master).
const replicaOf = new Map<number, number>()
const allPorts = env.cluster.nodes.map(n => n.port)
for (const port of allPorts) {
  if (env.masters.includes(port)) continue
  const info = String(await node(port).info('replication'))
  const m = /master_port:(\d+)/.exec(info)
  if (m === null) throw new Error(`node ${port} is no replica: ${info}`)
  replicaOf.set(Number(m[1]), port)
}
const shards = env.masters.map(master => ({ master, replica: replicaOf.get(master) as number }))

const K = 12
/** K keys on each master (slot map at start), with values written through the cluster and replicated. */
const keysOn = new Map<number, string[]>()
for (const master of env.masters) keysOn.set(master, [])
for (let i = 0; [...keysOn.values()].some(ks => ks.length < K); i++) {
  const key = `rp:${i}`
  const ks = keysOn.get(env.ownerAtStart(slotOf(key))) as string[]
  if (ks.length < K) ks.push(key)
}
const allKeys = [...keysOn.values()].flat()
for (const key of allKeys) await env.direct.set(key, `v-${key}`)
// Replicas answer READONLY reads only once they have the data.
for (const { master, replica } of shards) {
  const r = node(replica)
  await r.call('READONLY')
  const ok = await eventually(async () => {
    let n = 0
    for (const key of keysOn.get(master) as string[]) n += Number(await r.exists(key))
    return n === K
  }, 10_000)
  if (!ok) throw new Error(`replica ${replica} did not receive the keys of ${master}`)
}

interface CmdStat { calls: number, rejected: number, failed: number }
/** `cmdstat_<name>` of one node (zeros when absent). */
async function cmdstat (port: number, name: string): Promise<CmdStat> {
  const text = String(await node(port).info('commandstats'))
  const m = new RegExp(`^cmdstat_${name.replace('|', '\\|')}:calls=(\\d+),.*rejected_calls=(\\d+),failed_calls=(\\d+)`, 'm').exec(text)
  return m === null ? { calls: 0, rejected: 0, failed: 0 } : { calls: Number(m[1]), rejected: Number(m[2]), failed: Number(m[3]) }
}
/** Calls of `name` per port, over the given ports. */
async function callsOn (ports: number[], name: string): Promise<Record<number, CmdStat>> {
  const out: Record<number, CmdStat> = {}
  for (const p of ports) out[p] = await cmdstat(p, name)
  return out
}
async function resetStats (ports = allPorts): Promise<void> {
  for (const p of ports) await node(p).config('RESETSTAT')
}

/** A plain RESP2 client to a proxy. */
async function clientOf (p: Slotgate): Promise<Redis> {
  const c = new Redis({ host: HOST, port: p.port, protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0 })
  c.on('error', () => { /* reported by the failing command */ })
  await c.connect()
  t.teardown(() => { c.disconnect() })
  return c
}

/** Reads every key once through `c` and checks each value. */
async function readAll (t: Asserts, c: Redis, keys = allKeys): Promise<void> {
  const wrong: string[] = []
  for (const key of keys) {
    const v = await c.get(key)
    if (v !== `v-${key}`) wrong.push(`${key}=${String(v)}`)
  }
  t.same(wrong, [], `every one of ${keys.length} GETs returned its value`)
}

/** K INCRBYFLOATs on each shard's keys (writes). */
async function writeAll (c: Redis, tag: string): Promise<void> {
  for (const key of allKeys) await c.incrbyfloat(`${key}:${tag}`.replace(/^rp:(\d+)/, 'rp:{rp:$1}'), 1.5)
}

/** Asserts reads landed where `expect` says (per shard: how many on master, on replica). */
async function expectGets (t: Asserts, label: string, expect: (shard: { master: number, replica: number }) => { master: number, replica: number }): Promise<void> {
  const stats = await callsOn(allPorts, 'get')
  for (const shard of shards) {
    const want = expect(shard)
    t.same({ master: stats[shard.master].calls, replica: stats[shard.replica].calls },
      want, `${label}: GETs of master ${shard.master}'s keys executed on master/replica`)
    t.equal(stats[shard.replica].rejected + stats[shard.master].rejected, 0, `${label}: no GET rejected (MOVED) on shard ${shard.master}`)
  }
}

/** Asserts every write of `writeAll` ran on the masters and none was sent to a replica. */
async function expectWritesOnMasters (t: Asserts, label: string): Promise<void> {
  const stats = await callsOn(allPorts, 'incrbyfloat')
  for (const shard of shards) {
    t.equal(stats[shard.master].calls, K, `${label}: ${K} INCRBYFLOATs ran on master ${shard.master}`)
    t.same(stats[shard.replica], { calls: 0, rejected: 0, failed: 0 }, `${label}: no INCRBYFLOAT sent to replica ${shard.replica}`)
  }
}

t.test('readPolicy master (default): reads and writes on masters only', async t => {
  const c = await clientOf(env.proxy)
  await resetStats()
  await readAll(t, c)
  await expectGets(t, 'master', () => ({ master: K, replica: 0 }))
  await resetStats()
  await writeAll(c, 'm')
  await expectWritesOnMasters(t, 'master')
})

for (const policy of ['prefer-replica', 'replica'] as const) {
  t.test(`readPolicy ${policy}: reads on the shard's replica, writes on its master`, async t => {
    const p = await proxyWith(policy)
    const c = await clientOf(p)
    await resetStats()
    await readAll(t, c)
    await expectGets(t, policy, () => ({ master: 0, replica: K }))
    t.equal(p.dispatcher.stats.moved, 0, 'no MOVED followed: replica links are in READONLY mode')
    await resetStats()
    await writeAll(c, policy)
    await expectWritesOnMasters(t, policy)
    // RESP3 sessions use their own links (HELLO 3 + READONLY): same routing.
    const c3 = new Redis({ host: HOST, port: p.port, lazyConnect: true, maxRetriesPerRequest: 0 })
    c3.on('error', () => {})
    await c3.connect()
    t.teardown(() => { c3.disconnect() })
    await resetStats()
    await readAll(t, c3)
    await expectGets(t, `${policy} (RESP3 client)`, () => ({ master: 0, replica: K }))
  })
}

t.test('readPolicy any: reads spread over master and replica of each shard', async t => {
  const p = await proxyWith('any')
  const c = await clientOf(p)
  await resetStats()
  for (let round = 0; round < 4; round++) await readAll(t, c)
  const stats = await callsOn(allPorts, 'get')
  for (const shard of shards) {
    const m = stats[shard.master].calls
    const r = stats[shard.replica].calls
    t.equal(m + r, 4 * K, `any: all ${4 * K} GETs of shard ${shard.master} ran on its master or replica (${m} + ${r})`)
    t.ok(m >= K && r >= K, `any: both nodes of shard ${shard.master} served reads (master ${m}, replica ${r}, at least ${K} each)`)
  }
  await resetStats()
  await writeAll(c, 'any')
  await expectWritesOnMasters(t, 'any')
})

t.test('readPolicy replica: a cross-slot MGET (read-only, split by slot) is read from replicas too', async t => {
  const p = await proxyWith('replica')
  const c = await clientOf(p)
  const keys = shards.map(s => (keysOn.get(s.master) as string[])[0])
  await resetStats()
  t.same(await c.mget(...keys), keys.map(k => `v-${k}`), 'MGET across the three shards returns every value in order')
  const stats = await callsOn(allPorts, 'mget')
  t.same(shards.map(s => ({ master: stats[s.master].calls, replica: stats[s.replica].calls })),
    shards.map(() => ({ master: 0, replica: 1 })),
    'each shard\'s part of the MGET ran on its replica, none on a master (issue 7: read-only commands go to a replica)')
})

t.test('READONLY in a session sends its reads to replicas under readPolicy master; READWRITE sends them back', async t => {
  const c = await clientOf(env.proxy)
  const other = await clientOf(env.proxy)
  t.equal(await c.call('READONLY'), 'OK', 'READONLY answered OK')
  await resetStats()
  await readAll(t, c)
  await expectGets(t, 'after READONLY', () => ({ master: 0, replica: K }))
  await resetStats()
  await readAll(t, other)
  await expectGets(t, 'another session of the same proxy (no READONLY)', () => ({ master: K, replica: 0 }))
  await resetStats()
  await writeAll(c, 'ro')
  await expectWritesOnMasters(t, 'writes of a READONLY session')
  t.equal(await c.call('READWRITE'), 'OK', 'READWRITE answered OK')
  await resetStats()
  await readAll(t, c)
  await expectGets(t, 'after READWRITE', () => ({ master: K, replica: 0 }))
  // RESET clears READONLY, as on a node.
  t.equal(await c.call('READONLY'), 'OK')
  t.equal(await c.call('RESET'), 'RESET')
  await resetStats()
  await readAll(t, c)
  await expectGets(t, 'after READONLY then RESET', () => ({ master: K, replica: 0 }))
})

t.test('a replica whose link to its master is down is skipped (prefer-replica)', async t => {
  // Shard 1's master starts asking for a password and drops its replica: the replica's
  // replication link stays down (master_link_status:down) while both processes stay up
  // and the cluster bus sees nothing wrong, so no failover. The replica still serves
  // stale reads (replica-serve-stale-data yes), which slotgate must not use.
  const { master, replica } = shards[1]
  const p = await proxyWith('prefer-replica')
  const c = await clientOf(p)
  await readAll(t, c) // links to every node are open before the master changes
  await node(master).config('SET', 'requirepass', 'rp-secret')
  t.teardown(async () => { await node(master).config('SET', 'requirepass', '').catch(() => {}) })
  await node(master).auth('rp-secret')
  await node(master).call('CLIENT', 'KILL', 'TYPE', 'replica')
  const down = await eventually(async () => /master_link_status:down/.test(String(await node(replica).info('replication'))), 10_000)
  t.ok(down, `replica ${replica} reports master_link_status:down`)
  // Give slotgate a few refresh intervals (1 s here) to notice.
  await new Promise(resolve => setTimeout(resolve, 3000))
  await resetStats([master, replica])
  await readAll(t, c, keysOn.get(master))
  const stats = await callsOn([master, replica], 'get')
  t.same({ master: stats[master].calls, replica: stats[replica].calls }, { master: K, replica: 0 },
    `reads of shard ${master} go to its master, not to replica ${replica} whose master link is down (issue 7 point 1)`)
  // Back to normal for the next test: the replica resyncs once the master lets it in.
  await node(master).config('SET', 'requirepass', '')
  await eventually(async () => /master_link_status:up/.test(String(await node(replica).info('replication'))), 15_000)
  // Let every proxy's replica check (each refresh, 1 s here) see the link up again before
  // the next test relies on that replica.
  await new Promise(resolve => setTimeout(resolve, 2500))
})

t.test('a killed replica: readPolicy replica errors clearly for its shard, prefer-replica falls back to the master', async t => {
  const { master, replica } = shards[0]
  const strict = await proxyWith('replica')
  const prefer = await proxyWith('prefer-replica')
  const cs = await clientOf(strict)
  const cp = await clientOf(prefer)
  await readAll(t, cs) // both proxies have links to the replica before it dies
  await readAll(t, cp)
  await env.cluster.kill(replica)
  const victimKeys = keysOn.get(master) as string[]
  const otherKeys = allKeys.filter(k => !victimKeys.includes(k))

  // readPolicy replica: every read of the dead replica's shard gets the clear error, quickly.
  const errors: string[] = []
  const slow: string[] = []
  for (const key of victimKeys) {
    const began = performance.now()
    const e = await errorOf(cs.get(key))
    const ms = performance.now() - began
    if (ms > 2500) slow.push(`${key}: ${Math.round(ms)} ms`)
    if (e !== ReplyStrings.noReplica(slotOf(key))) errors.push(`${key}: ${e}`)
  }
  t.same(errors, [], `all ${victimKeys.length} reads of shard ${master} answered "${ReplyStrings.noReplica(slotOf(victimKeys[0]))}"`)
  t.same(slow, [], 'each within 2.5 s')
  await resetStats(allPorts.filter(p => p !== replica))
  await readAll(t, cs, otherKeys)
  const others = await callsOn(shards.slice(1).flatMap(s => [s.master, s.replica]), 'get')
  t.same(shards.slice(1).map(s => others[s.replica].calls), shards.slice(1).map(() => K), 'the other shards are still read from their replicas')
  t.equal(await cs.set(victimKeys[0] + ':w', 'x'), 'OK', 'writes to the shard still work under readPolicy replica')

  // prefer-replica: the same reads succeed, served by the master.
  await resetStats([master])
  await readAll(t, cp, victimKeys)
  t.equal((await cmdstat(master, 'get')).calls, K, `prefer-replica: all ${K} reads of shard ${master} served by its master`)

  // Once the cluster itself flags the replica failed, the same holds.
  await eventually(async () => /fail/.test(String(await node(master).call('CLUSTER', 'NODES')).split('\n').find(l => l.includes(`:${replica}@`)) ?? ''), 10_000)
  await new Promise(resolve => setTimeout(resolve, 1500))
  t.equal(await errorOf(cs.get(victimKeys[1])), ReplyStrings.noReplica(slotOf(victimKeys[1])), 'after the cluster flagged it failed: still the clear error')
  t.equal(await cp.get(victimKeys[1]), `v-${victimKeys[1]}`, 'and prefer-replica still reads from the master')
})
