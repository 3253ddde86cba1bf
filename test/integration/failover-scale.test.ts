// Scaling out and in under load: a new master joins (CLUSTER MEET) and gets slots
// (`redis-cli --cluster reshard`), and slotgate discovers and uses it; later its slots move
// away and it is removed (`redis-cli --cluster del-node`), and slotgate forgets it. Clients
// see no error throughout, and every acknowledged write is in the cluster. (redis-cli 7.0's
// del-node resets the removed node rather than shutting it down; it is stopped here afterwards.)
import { setTimeout as sleep } from 'node:timers/promises'
import { stripVTControlCharacters } from 'node:util'
import t from 'tap'
import { Redis } from 'ioredis'
import { keySlot } from '../../src/cluster/key-slot.js'
import { LocalCluster } from '../harness/local-cluster.js'
import type { RedisProcess } from '../harness/redis-process.js'
import { ExtraNodes, ownSlots, reshard } from '../helpers/cluster-scaling.js'
import { describeLoad, directClient, findLostWrites, HOST, plainClient, startLoad, stopAllLoads } from '../helpers/load-generator.js'
import { startProxy } from '../helpers/start-proxy.js'

const fileStart = Date.now()
const NODE_TIMEOUT_MS = 2000
const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: NODE_TIMEOUT_MS })
t.teardown(async () => { await cluster.stop() })
const extra = new ExtraNodes(NODE_TIMEOUT_MS)
t.teardown(async () => { await extra.stop() })
// A 1 s periodic refresh: after del-node nothing redirects slotgate any more, so only the
// periodic refresh can notice that the node left (10 s by default).
const proxy = await startProxy(cluster.seeds(), { topologyRefreshIntervalMs: 1000 })
t.teardown(async () => { await proxy.close() })
t.teardown(() => { t.comment(`file runtime ${Date.now() - fileStart} ms`) })

const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1))
const memberPorts = cluster.nodes.map(n => n.port)
let added: RedisProcess | undefined

async function waitFor (what: string, ms: number, ok: () => boolean): Promise<number> {
  const began = Date.now()
  while (!ok()) {
    if (Date.now() - began > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(50)
  }
  return Date.now() - began
}

t.test('scale out: a new master gets 500 slots; slotgate discovers and uses it', async t => {
  t.teardown(stopAllLoads)
  const load = startLoad({ connect: () => plainClient(proxy.port), clients: 4, prefix: 'out' })
  await sleep(500)
  load.resetPauses()
  const node = await extra.start(memberPorts)
  added = node
  await extra.join(node, memberPorts[0], memberPorts)
  const source = proxy.topology.masterFor(0) as string
  await reshard(portOf(source), node.port, 500)
  const seenAfter = await waitFor(`slotgate to see ${node.address} as a master`, 5000, () => proxy.topology.masterFor(0) === node.address)
  await sleep(1000)
  const s = await load.stop()
  const direct = directClient(cluster.seeds())
  const lost = await findLostWrites(s, direct)
  direct.disconnect()
  t.comment(describeLoad('slotgate during scale-out', s, lost))
  t.comment(`slotgate's map had ${node.address} for slot 0 ${seenAfter} ms after redis-cli finished`)

  t.same(s.errors.map(e => `t=${Math.round(e.at)} ${e.op} ${e.key}: ${e.message}`), [], 'no client-visible error')
  t.same(s.wrongReads, [], 'no wrong value')
  t.same(lost, [], 'no acknowledged write lost')
  t.same(await ownSlots(node.port), [[0, 499]], 'the new master owns slots 0-499')
  t.ok(proxy.topology.masters().includes(node.address), 'slotgate lists it among the masters')
  t.ok(proxy.topology.nodes().includes(node.address), 'and among the nodes')
  for (let slot = 0; slot < 500; slot++) if (proxy.topology.masterFor(slot) !== node.address) { t.fail(`slot ${slot} not mapped to ${node.address}`); break }
  const onNew = [...s.acked.keys()].filter(k => keySlot(Buffer.from(k)) < 500)
  t.ok(onNew.length > 0, `the load wrote keys in its slots (${onNew.length} acknowledged)`)

  // Keys in its slots work through slotgate, and really live on the new node.
  const client = plainClient(proxy.port)
  const own = new Redis({ host: HOST, port: node.port, maxRetriesPerRequest: 0 })
  own.on('error', () => undefined)
  const keys = Array.from({ length: 2000 }, (_v, i) => `new:${i}`).filter(k => keySlot(Buffer.from(k)) < 500).slice(0, 20)
  for (const k of keys) t.equal(await client.set(k, `v-${k}`), 'OK', `SET ${k} through slotgate`)
  t.same(await Promise.all(keys.map(async k => await own.get(k))), keys.map(k => `v-${k}`), 'found on the new node itself')
  t.same(await client.mget(...keys), keys.map(k => `v-${k}`), 'MGET through slotgate')
  client.disconnect()
  own.disconnect()
})

t.test('scale in: its slots move away, del-node; slotgate forgets it', async t => {
  t.teardown(stopAllLoads)
  const node = added
  if (node === undefined) { t.fail('scale-out did not run'); return }
  const load = startLoad({ connect: () => plainClient(proxy.port), clients: 4, prefix: 'in' })
  await sleep(500)
  const target = proxy.topology.masterFor(16383) as string
  load.resetPauses()
  await reshard(node.port, portOf(target), 500)
  await waitFor(`slotgate to map slot 0 to ${target}`, 5000, () => proxy.topology.masterFor(0) === target)
  const out = await extra.remove(node, memberPorts[0])
  const forgotten = await waitFor(`slotgate to forget ${node.address}`, 5000, () => !proxy.topology.nodes().includes(node.address))
  await sleep(500)
  const s = await load.stop()
  const direct = directClient(cluster.seeds())
  const lost = await findLostWrites(s, direct)
  direct.disconnect()
  t.comment(describeLoad('slotgate during scale-in', s, lost))
  t.comment(`forgotten ${forgotten} ms after del-node; del-node said: ${stripVTControlCharacters(out).split('\n').filter(l => l.trim() !== '').slice(-2).join(' / ')}`)

  t.same(s.errors.map(e => `t=${Math.round(e.at)} ${e.op} ${e.key}: ${e.message}`), [], 'no client-visible error')
  t.same(s.wrongReads, [], 'no wrong value')
  t.same(lost, [], 'no acknowledged write lost')
  t.notOk(proxy.topology.nodes().includes(node.address), `${node.address} is not in slotgate's nodes`)
  t.notOk(proxy.topology.masters().includes(node.address), 'nor among its masters')
  t.equal(proxy.topology.coveredSlots(), 16384, 'every slot has an owner')
  t.equal(proxy.topology.masters().length, 3, 'three masters again')
  t.match(out, /CLUSTER RESET SOFT/, 'del-node reset the removed node')
  await extra.stopNode(node)
  t.notOk(node.running, 'the removed node is stopped')
})
