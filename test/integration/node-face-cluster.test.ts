// CLUSTER for cluster-aware clients: slotgate answers as a one-node cluster at its own address
// that owns all 16384 slots, so ioredis' Cluster, `redis-cli -c` and node-redis' createCluster
// pointed at slotgate send everything to it, and it routes. Checked on a real 3-master cluster:
// what the clients wrote is read back straight from the nodes.
import { spawn } from 'node:child_process'
import { Cluster } from 'ioredis'
import { createCluster } from 'redis'
import t from 'tap'
import { HOST, slotOf, startCoreEnv } from '../helpers/core-env.js'
import { startProxy } from '../helpers/start-proxy.js'

const env = await startCoreEnv()
t.teardown(env.stop)

/** Runs redis-cli with `args`; resolves with its stdout (stderr appended) and exit code. */
async function cli (args: string[]): Promise<{ out: string, code: number | null }> {
  return await new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString('latin1') })
    child.stderr.on('data', (d: Buffer) => { out += d.toString('latin1') })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, 20_000)
    child.on('error', reject)
    child.on('close', code => { clearTimeout(timer); resolve({ out, code }) })
  })
}

t.test('CLUSTER INFO, MYID, NODES, SLOTS, SHARDS describe one node at slotgate\'s address owning every slot', async t => {
  const c = await env.legacyClient()
  const info = await c.call('CLUSTER', 'INFO') as string
  t.match(info, /^cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\n/)
  t.match(info, /\r\ncluster_known_nodes:1\r\ncluster_size:1\r\n/)
  const id = await c.call('CLUSTER', 'MYID') as string
  t.match(id, /^[0-9a-f]{40}$/)
  const nodes = await c.call('CLUSTER', 'NODES') as string
  t.equal(nodes, `${id} 127.0.0.1:${env.proxy.port}@0 myself,master - 0 0 ${/cluster_current_epoch:(\d+)/.exec(info)?.[1]} connected 0-16383\n`)
  t.same(await c.call('CLUSTER', 'SLOTS'), [[0, 16383, [HOST, env.proxy.port, id, []]]])
  const shards = await c.call('CLUSTER', 'SHARDS') as unknown[][]
  t.same(shards, [['slots', [0, 16383], 'nodes', [['id', id, 'port', env.proxy.port, 'ip', HOST, 'endpoint', HOST, 'role', 'master',
    'replication-offset', 0, 'health', 'online']]]])
  t.equal(await c.call('CLUSTER', 'KEYSLOT', 'foo{hash_tag}'), 2515, 'KEYSLOT computed as the cluster does')
  t.same(await c.call('CLUSTER', 'LINKS'), [], 'one node: no links')
  t.same(await c.call('CLUSTER', 'REPLICAS', id), [])
  t.match((await c.call('CLUSTER', 'REPLICAS', 'f'.repeat(40)).catch((e: Error) => e.message)) as string, /^ERR Unknown node f{40}/)
  t.match(await c.info('cluster'), /cluster_enabled:1/, 'INFO says cluster mode, as CLUSTER is answered')
})

t.test('COUNTKEYSINSLOT and GETKEYSINSLOT are answered by the slot\'s master', async t => {
  const c = await env.legacyClient()
  const keys = ['{cks}a', '{cks}b', '{cks}c']
  for (const k of keys) await c.set(k, '1')
  const slot = slotOf('{cks}a')
  t.equal(await c.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot)), 3)
  t.same((await c.call('CLUSTER', 'GETKEYSINSLOT', String(slot), '10') as string[]).sort(), keys)
  t.equal(await c.call('CLUSTER', 'COUNTKEYSINSLOT', String((slot + 1) % 16384)), 0, 'another slot')
  t.equal(await c.call('CLUSTER', 'COUNTKEYSINSLOT', '99999').catch((e: Error) => e.message), 'ERR Invalid slot', 'the node\'s own error')
})

t.test('ioredis Cluster pointed at slotgate does real work across every master', async t => {
  const cluster = new Cluster([{ host: HOST, port: env.proxy.port }], { redisOptions: { maxRetriesPerRequest: 1 } })
  cluster.on('error', () => { /* reported by the commands */ })
  t.teardown(() => { cluster.disconnect() })
  const keys = env.masters.map(port => env.keyOn(port, 'ioc:'))
  for (const [i, k] of keys.entries()) t.equal(await cluster.set(k, `v${i}`), 'OK')
  t.same(await cluster.mget(keys[0], keys[0]), ['v0', 'v0'])
  t.same(cluster.nodes('master').map(n => `${n.options.host}:${n.options.port}`), [`${HOST}:${env.proxy.port}`], 'one node: slotgate')
  // A pipeline over keys of three masters: one node for the cluster client, so it is allowed.
  const replies = await cluster.pipeline(keys.map(k => ['incr', `${k}:n`])).exec()
  t.same(replies?.map(([err, v]) => [err, v]), keys.map(() => [null, 1]))
  for (const [i, k] of keys.entries()) t.equal(await env.direct.get(k), `v${i}`, `${k} is on its master`)
  const scripted = await cluster.eval('return redis.call("get", KEYS[1])', 1, keys[2])
  t.equal(scripted, 'v2', 'EVAL with a key')
})

t.test('redis-cli -c and redis-cli --cluster check see one node owning all slots', async t => {
  const key = env.keyOn(env.masters[1], 'clic:')
  t.same(await cli(['-c', '-h', HOST, '-p', String(env.proxy.port), 'SET', key, 'via-c']), { out: 'OK\n', code: 0 })
  t.same(await cli(['-c', '-h', HOST, '-p', String(env.proxy.port), 'GET', key]), { out: 'via-c\n', code: 0 })
  t.equal(await env.direct.get(key), 'via-c')
  const check = await cli(['--cluster', 'check', `${HOST}:${env.proxy.port}`])
  t.equal(check.code, 0, check.out)
  t.match(check.out, /All 16384 slots covered/)
  t.match(check.out, /All nodes agree about slots configuration/)
})

t.test('node-redis createCluster pointed at slotgate (it sends CLIENT SETINFO on connect)', async t => {
  const cluster = createCluster({ rootNodes: [{ url: `redis://${HOST}:${env.proxy.port}` }] })
  cluster.on('error', () => { /* reported by the commands */ })
  await cluster.connect()
  t.teardown(async () => { await cluster.quit().catch(() => {}) })
  const keys = env.masters.map(port => env.keyOn(port, 'nrc:'))
  for (const k of keys) t.equal(await cluster.set(k, k.toUpperCase()), 'OK')
  for (const k of keys) t.equal(await cluster.get(k), k.toUpperCase())
  for (const k of keys) t.equal(await env.direct.get(k), k.toUpperCase(), `${k} is on its master`)
  t.equal(cluster.masters.length, 1, 'one master: slotgate')
  const c = await env.legacyClient()
  const list = await c.call('CLIENT', 'LIST') as string
  t.match(list, /lib-name=node-redis/, 'its CLIENT SETINFO was accepted and shows in CLIENT LIST')
})

t.test('announceAddress: the Service\'s address and the same node id from every instance', async t => {
  const a = await startProxy(env.cluster.seeds(), { announceAddress: 'slotgate.apps.svc:6379' })
  const b = await startProxy(env.cluster.seeds(), { announceAddress: 'slotgate.apps.svc:6379', bind: '127.0.0.1' })
  t.teardown(async () => { await a.close(); await b.close() })
  const ask = async (port: number, ...args: string[]): Promise<string> => (await cli(['-h', HOST, '-p', String(port), ...args])).out
  t.match(await ask(a.port, 'CLUSTER', 'SLOTS'), /^0\n16383\nslotgate\.apps\.svc\n6379\n[0-9a-f]{40}\n/)
  t.equal(await ask(a.port, 'CLUSTER', 'MYID'), await ask(b.port, 'CLUSTER', 'MYID'), 'both instances give one id')
  t.match(await ask(b.port, 'CLUSTER', 'NODES'), /^[0-9a-f]{40} slotgate\.apps\.svc:6379@0 myself,master /)
  t.not(await ask(a.port, 'CLUSTER', 'MYID'), await ask(env.proxy.port, 'CLUSTER', 'MYID'), 'another address, another id')
})
