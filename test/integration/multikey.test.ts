// Multi-key and whole-keyspace commands through slotgate on a real 3-master cluster (issue
// 4): a plain RESP2 client sees one node. Split commands (MGET, MSET, DEL, EXISTS, UNLINK,
// TOUCH) merged in key order with exact counts; DBSIZE, KEYS, RANDOMKEY, SCAN, FLUSHDB over
// every master; the cluster's CROSSSLOT where one atomic step is needed; SCRIPT LOAD/EXISTS
// on every master; PUBSUB CHANNELS/NUMSUB merged. The cluster client straight at the nodes
// says what really is there.
import { createHash } from 'node:crypto'
import t from 'tap'
import { Redis } from 'ioredis'
import { ReplyStrings } from '../../src/resp/reply-strings.js'
import { HOST, slotOf, startCoreEnv } from '../helpers/core-env.js'
import { RawConn } from '../helpers/raw-conn.js'

const env = await startCoreEnv({ cluster: { nodeTimeoutMs: 1000 } })
const conns: RawConn[] = []
const nodeClients: Redis[] = []
// Clients first: slotgate's close() waits for every client connection to end.
t.teardown(async () => {
  for (const c of conns) c.destroy()
  for (const r of nodeClients) r.disconnect()
  await env.stop()
})
const client = await env.legacyClient({ protocol: 2 })

async function raw (): Promise<RawConn> {
  const c = await RawConn.open(env.proxy.port)
  conns.push(c)
  return c
}

/** A RESP2 client straight at one node. */
async function node (port: number): Promise<Redis> {
  const r = new Redis({ host: HOST, port, lazyConnect: true, protocol: 2, maxRetriesPerRequest: 1 })
  r.on('error', () => { /* reported by commands */ })
  nodeClients.push(r)
  await r.connect()
  return r
}

/** Keys per master straight from the nodes. */
async function dbsizes (): Promise<number[]> {
  return await Promise.all(env.masters.map(async m => await (await node(m)).dbsize()))
}

/**
 * Runs `op` for every key straight on the master owning it, pipelined per master (a cluster
 * client's pipeline must stay in one slot).
 */
async function perMaster (keys: string[], op: (p: ReturnType<Redis['pipeline']>, key: string, i: number) => void): Promise<void> {
  const byPort = new Map<number, Array<[string, number]>>()
  keys.forEach((k, i) => {
    const port = env.ownerAtStart(slotOf(k))
    byPort.set(port, [...(byPort.get(port) ?? []), [k, i]])
  })
  await Promise.all([...byPort].map(async ([port, list]) => {
    const r = await node(port)
    for (let i = 0; i < list.length; i += 1000) {
      const p = r.pipeline()
      for (const [k, idx] of list.slice(i, i + 1000)) op(p, k, idx)
      const res = await p.exec()
      for (const [err] of res ?? []) if (err !== null) throw err
    }
  }))
}

/** Writes string keys straight into the cluster. */
async function writeDirect (entries: Array<[string, string]>): Promise<void> {
  await perMaster(entries.map(([k]) => k), (p, k, i) => { p.set(k, entries[i][1]) })
}

async function flushAllMasters (): Promise<void> {
  for (const m of env.masters) await (await node(m)).flushall()
}

const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`
const CROSSSLOT = `-${ReplyStrings.crossSlot}\r\n`

t.test('MGET of 1,000 keys over every master: values in key order, missing keys nil', async t => {
  await flushAllMasters()
  const keys = Array.from({ length: 1000 }, (_, i) => `mk:mget:${i}`)
  const owners = new Set(keys.map(k => env.ownerAtStart(slotOf(k))))
  t.equal(owners.size, 3, 'the keys live on all three masters')
  const present = (i: number): boolean => i % 10 < 7
  await writeDirect(keys.flatMap((k, i) => present(i) ? [[k, `v${i}`] as [string, string]] : []))
  const got = await client.mget(keys)
  t.equal(got.length, 1000)
  const wrong = got.map((v, i) => [i, v] as const).filter(([i, v]) => v !== (present(i) ? `v${i}` : null))
  t.same(wrong, [], 'every position holds its own key\'s value, or null')
  t.equal(got.filter(v => v === null).length, 300, '300 missing keys answered nil')

  // The same key twice, a non-string key (nil, as MGET says for the wrong type), raw bytes.
  await env.direct.rpush('mk:mget:list', 'x')
  const c = await raw()
  c.write(`*6\r\n$4\r\nMGET\r\n${bulk(keys[0])}${bulk(keys[8])}${bulk('mk:mget:list')}${bulk(keys[0])}${bulk(keys[1])}`)
  t.same(await c.read(1), [`*5\r\n${bulk('v0')}$-1\r\n$-1\r\n${bulk('v0')}${bulk('v1')}`])
})

t.test('MSET across slots, DEL / EXISTS / UNLINK / TOUCH counts', async t => {
  const keys = Array.from({ length: 600 }, (_, i) => `mk:cnt:${i}`)
  t.equal(await client.mset(Object.fromEntries(keys.map((k, i) => [k, `m${i}`]))), 'OK', 'MSET across slots: one OK')
  const check = await Promise.all(keys.map(async (k, i) => await env.direct.get(k) === `m${i}`))
  t.equal(check.filter(Boolean).length, 600, 'every MSET pair landed')

  const missing = Array.from({ length: 150 }, (_, i) => `mk:cnt:none:${i}`)
  t.equal(await client.exists(...keys, ...missing), 600, 'EXISTS counts present keys only')
  t.equal(await client.exists(keys[0], keys[0], keys[1]), 3, 'EXISTS counts a repeated key each time, as Redis does')
  t.equal(await client.touch(...keys.slice(0, 100), ...missing.slice(0, 50)), 100, 'TOUCH')
  t.equal(await client.del(...keys.slice(0, 300), ...missing), 300, 'DEL counts keys removed')
  t.equal(await client.unlink(...keys.slice(300, 450), ...keys.slice(0, 10)), 150, 'UNLINK')
  t.equal(await client.exists(...keys), 150)
  t.equal(await client.del(...keys), 150)
  t.equal(await client.exists(...keys), 0)
})

t.test('DBSIZE equals the keys written; INFO keyspace sums the masters', async t => {
  await flushAllMasters()
  t.equal(await client.dbsize(), 0)
  const n = 3000
  await writeDirect(Array.from({ length: n }, (_, i) => [`mk:size:${i}`, 'x']))
  const per = await dbsizes()
  t.ok(per.every(s => s > 0), `keys on every master: ${per.join(' + ')}`)
  t.equal(await client.dbsize(), n, 'DBSIZE: the sum over the masters')
  t.match(await client.info('keyspace'), new RegExp(`db0:keys=${n},`), 'INFO keyspace: the summed key count')
})

t.test('a full SCAN of 10,000 keys returns each exactly once; MATCH and TYPE filter over all masters', async t => {
  await flushAllMasters()
  const strings = Array.from({ length: 8000 }, (_, i) => `mk:scan:s:${i}`)
  const hashes = Array.from({ length: 2000 }, (_, i) => `mk:scan:h:${i}`)
  await writeDirect(strings.map(k => [k, '1']))
  await perMaster(hashes, (p, k) => { p.hset(k, 'f', '1') })
  t.equal(await client.dbsize(), 10_000)

  async function fullScan (...opts: string[]): Promise<{ keys: string[], calls: number }> {
    const keys: string[] = []
    let cursor = '0'
    let calls = 0
    do {
      const [next, batch] = await client.scan(cursor, ...opts as ['COUNT', number]) as [string, string[]]
      keys.push(...batch)
      cursor = next
      calls++
      if (calls > 10_000) throw new Error('SCAN never ended')
    } while (cursor !== '0')
    return { keys, calls }
  }

  const all = await fullScan('COUNT', '500')
  t.equal(all.keys.length, 10_000, `10,000 keys returned in ${all.calls} calls`)
  t.equal(new Set(all.keys).size, 10_000, 'each exactly once')
  t.same([...all.keys].sort(), [...strings, ...hashes].sort(), 'exactly the keys written')

  const matched = await fullScan('MATCH', 'mk:scan:h:*', 'COUNT', '1000')
  t.same([...matched.keys].sort(), [...hashes].sort(), 'MATCH: exactly the 2,000 hash keys, once each')
  const typed = await fullScan('COUNT', '1000', 'TYPE', 'hash')
  t.same([...typed.keys].sort(), [...hashes].sort(), 'TYPE hash: exactly the 2,000 hashes')
  const typedStrings = await fullScan('MATCH', 'mk:scan:s:1*', 'TYPE', 'string', 'COUNT', '1000')
  t.same([...typedStrings.keys].sort(), strings.filter(k => k.startsWith('mk:scan:s:1')).sort(), 'MATCH and TYPE together')
  t.equal(await client.scan('definitely-not-a-cursor').then(() => 'accepted', (e: Error) => e.message), 'ERR invalid cursor')
})

t.test('KEYS over every master; RANDOMKEY never picks an empty master\'s nil', async t => {
  await flushAllMasters()
  const keys = Array.from({ length: 300 }, (_, i) => `mk:keys:${i}`)
  await writeDirect(keys.map(k => [k, '1']))
  await env.direct.set('mk:other', '1')
  const got = await client.keys('mk:keys:*')
  t.equal(got.length, 300)
  t.same([...got].sort(), [...keys].sort(), 'KEYS: every matching key of every master, once')

  await flushAllMasters()
  t.equal(await client.randomkey(), null, 'RANDOMKEY of an empty cluster: nil')
  const only = env.keyOn(env.masters[1], 'mk:random:')
  await env.direct.set(only, '1')
  const picks = new Set<string | null>()
  for (let i = 0; i < 20; i++) picks.add(await client.randomkey())
  t.same([...picks], [only], 'with one key on one master, RANDOMKEY returns it every time')
})

t.test('FLUSHDB and FLUSHALL ASYNC empty every master', async t => {
  await writeDirect(Array.from({ length: 500 }, (_, i) => [`mk:flush:${i}`, '1']))
  t.ok((await dbsizes()).every(s => s > 0))
  t.equal(await client.flushdb(), 'OK')
  t.same(await dbsizes(), [0, 0, 0], 'FLUSHDB emptied all three masters')
  await writeDirect(Array.from({ length: 500 }, (_, i) => [`mk:flush:${i}`, '1']))
  t.equal(await client.flushall('ASYNC'), 'OK')
  const c = await raw()
  t.equal(await c.call('DBSIZE'), ':0\r\n')
  t.same(await dbsizes(), [0, 0, 0], 'FLUSHALL ASYNC emptied them too')
})

t.test('commands needing one atomic step across slots keep the cluster\'s CROSSSLOT', async t => {
  const a = '{mk:x}a'
  const b = '{mk:y}b'
  t.not(slotOf(a), slotOf(b))
  const c = await raw()
  t.equal(await c.call('MSETNX', a, '1', b, '2'), CROSSSLOT, 'MSETNX across slots')
  t.equal(await env.direct.exists(a) + await env.direct.exists(b), 0, 'nothing written')
  t.equal(await c.call('MSETNX', '{mk:x}1', '1', '{mk:x}2', '2'), ':1\r\n', 'MSETNX in one slot works')
  t.equal(await c.call('MSETNX', '{mk:x}1', '1', '{mk:x}3', '3'), ':0\r\n')
  await env.direct.set(a, 'v')
  t.equal(await c.call('RENAME', a, b), CROSSSLOT, 'RENAME across slots')
  t.equal(await c.call('SUNIONSTORE', '{mk:x}dst', a, b), CROSSSLOT, 'SUNIONSTORE across slots')
  t.equal(await c.call('LMOVE', a, b, 'LEFT', 'LEFT'), CROSSSLOT, 'LMOVE across slots')
  t.equal(await c.call('SMOVE', a, b, 'm'), CROSSSLOT, 'SMOVE across slots')
  t.equal(await c.call('BITOP', 'AND', '{mk:x}dst', a, b), CROSSSLOT, 'BITOP across slots')
})

t.test('SCRIPT LOAD / EXISTS on every master; EVALSHA routed by key, without NOSCRIPT', async t => {
  const script = 'return redis.call("INCR", KEYS[1])'
  const sha = createHash('sha1').update(script).digest('hex')
  const other = 'return "other"'
  const otherSha = createHash('sha1').update(other).digest('hex')
  for (const m of env.masters) await (await node(m)).script('FLUSH')
  t.same(await client.script('EXISTS', sha, otherSha), [0, 0])
  t.equal(await client.script('LOAD', script), sha, 'SCRIPT LOAD answers the sha1')
  for (const m of env.masters) t.same(await (await node(m)).script('EXISTS', sha), [1], `loaded on master ${m}`)
  t.same(await client.script('EXISTS', sha, otherSha), [1, 0])

  // Only on one master: EXISTS answers 0 (an EVALSHA could fail elsewhere).
  await (await node(env.masters[0])).script('LOAD', other)
  t.same(await client.script('EXISTS', otherSha), [0], 'EXISTS is 1 only where every master has it')

  const keys = env.masters.map(m => env.keyOn(m, 'mk:evalsha:'))
  for (const k of keys) t.equal(await client.evalsha(sha, 1, k), 1, `EVALSHA on the master of ${k}`)

  // A master that lost its scripts (as a new master after a failover): slotgate saw the
  // script loaded, so the client must not see NOSCRIPT.
  await (await node(env.masters[2])).script('FLUSH')
  const result = await client.evalsha(sha, 1, keys[2]).then(v => String(v), (e: Error) => e.message)
  t.equal(result, '2', 'EVALSHA on a master without the script: loaded there and run, no NOSCRIPT')
  t.same(await (await node(env.masters[2])).script('EXISTS', sha), [1])
  t.equal(await client.script('FLUSH'), 'OK')
  for (const m of env.masters) t.same(await (await node(m)).script('EXISTS', sha), [0], `SCRIPT FLUSH reached master ${m}`)
})

t.test('PUBSUB CHANNELS and NUMSUB merged over the masters', async t => {
  const subs = await Promise.all(env.masters.map(async m => await node(m)))
  for (const [i, s] of subs.entries()) await s.subscribe('mk:ps:common', `mk:ps:only:${i}`)
  const c = await raw()
  const channels = await c.call('PUBSUB', 'CHANNELS', 'mk:ps:*')
  t.same([...channels.matchAll(/\$\d+\r\n([^\r]*)\r\n/g)].map(m => m[1]).sort(),
    ['mk:ps:common', 'mk:ps:only:0', 'mk:ps:only:1', 'mk:ps:only:2'], 'each channel once')
  t.equal(await c.call('PUBSUB', 'NUMSUB', 'mk:ps:common', 'mk:ps:only:1', 'mk:ps:none'),
    `*6\r\n${bulk('mk:ps:common')}:3\r\n${bulk('mk:ps:only:1')}:1\r\n${bulk('mk:ps:none')}:0\r\n`, 'subscribers summed over the masters')
  for (const s of subs) await s.unsubscribe()
})
