// Seeds are only where slotgate starts looking: started with seeds of which some are down
// (closed ports) and the only live one is a replica, it becomes ready and serves; once the
// seed nodes themselves are gone, later refreshes still work, because they ask the nodes
// slotgate learned about, not the seeds.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { keySlot } from '../../src/cluster/key-slot.js'
import { freePorts } from '../harness/free-ports.js'
import { LocalCluster } from '../harness/local-cluster.js'
import { nodeCommand } from '../harness/node-command.js'
import { waitUntil } from '../harness/wait-until.js'
import { describeLoad, directClient, findLostWrites, HOST, plainClient, startLoad, stopAllLoads } from '../helpers/load-generator.js'
import { startProxy } from '../helpers/start-proxy.js'

const fileStart = Date.now()
const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 })
t.teardown(async () => { await cluster.stop() })
t.teardown(() => { t.comment(`file runtime ${Date.now() - fileStart} ms`) })

const roles = await cluster.roles()
const replicaPorts = [...roles].filter(([, r]) => r === 'replica').map(([p]) => p).sort((a, b) => a - b)
const masterPorts = [...roles].filter(([, r]) => r === 'master').map(([p]) => p).sort((a, b) => a - b)
// Nothing listens on these: bound and released by freePorts, never used by the cluster.
const closed = await freePorts(2, HOST, cluster.nodes.map(n => n.port))
const seedReplica = replicaPorts[0]
const seeds = [`${HOST}:${closed[0]}`, `${HOST}:${closed[1]}`, `${HOST}:${seedReplica}`]

const readyStart = Date.now()
const proxy = await startProxy(seeds)
const readyMs = Date.now() - readyStart
t.teardown(async () => { await proxy.close() })

t.test('ready with two dead seeds and a replica as the only live one', async t => {
  t.teardown(stopAllLoads)
  t.comment(`seeds ${seeds.join(' ')}; ready in ${readyMs} ms`)
  t.equal(proxy.topology.coveredSlots(), 16384, 'the whole slot map was read from the replica')
  t.same(proxy.topology.masters().sort(), masterPorts.map(p => `${HOST}:${p}`).sort(), 'it knows the real masters')
  const load = startLoad({ connect: () => plainClient(proxy.port), clients: 4, prefix: 's' })
  await sleep(1000)
  const s = await load.stop()
  const direct = directClient(cluster.seeds())
  const lost = await findLostWrites(s, direct)
  direct.disconnect()
  t.comment(describeLoad('slotgate', s, lost))
  t.ok(s.ops > 500, 'it serves')
  t.same(s.errors, [], 'no error')
  t.same(s.wrongReads, [], 'no wrong value')
  t.same(lost, [], 'no acknowledged write lost')
})

t.test('the seed node killed: later refreshes still work', async t => {
  t.teardown(stopAllLoads)
  const slot = keySlot(Buffer.from('seedtag'))
  const from = proxy.topology.masterFor(slot) as string
  const to = masterPorts.map(p => `${HOST}:${p}`).find(m => m !== from) as string
  const before = { ...proxy.dispatcher.stats }
  const load = startLoad({ connect: () => plainClient(proxy.port), clients: 3, prefix: 'k' })
  const tagged = startLoad({ connect: () => plainClient(proxy.port), clients: 1, prefix: 'kt', hashTag: 'seedtag' })
  await sleep(300)
  // The cluster stays healthy: a replica is all that dies, and it is every live seed.
  load.resetPauses()
  tagged.resetPauses()
  await cluster.kill(seedReplica)
  // Until the cluster flags it failed, views still list it as a replica.
  await waitUntil(`the cluster to flag ${seedReplica} failed`, 10_000, async () => {
    const line = String(await nodeCommand(HOST, masterPorts[0], 'CLUSTER', 'NODES')).split('\n').find(l => l.includes(`:${seedReplica}@`)) ?? ''
    return line.split(' ')[2]?.split(',').includes('fail') === true ? { done: true, value: undefined } : { done: false, seen: line }
  })
  const gone = (): boolean => !proxy.topology.allShards().some(sh => sh.replicas.includes(`${HOST}:${seedReplica}`))
  t.notOk(gone(), 'slotgate had no reason to refresh yet: the dead replica is still in its map')
  // Make the map stale: only a refresh through non-seed nodes can fix it.
  await cluster.moveSlot(slot, Number(to.split(':')[1]))
  const movedAt = Date.now()
  // The MOVED triggers a full refresh, which also drops the failed replica: proof that it
  // went through with every seed dead (the periodic one is 10 s away).
  while ((proxy.topology.masterFor(slot) !== to || !gone()) && Date.now() - movedAt < 5000) await sleep(50)
  const refreshedMs = Date.now() - movedAt
  await sleep(500)
  const [s, st] = await Promise.all([load.stop(), tagged.stop()])
  const direct = directClient(cluster.seeds())
  const lost = [...await findLostWrites(s, direct), ...await findLostWrites(st, direct)]
  direct.disconnect()
  const stats = proxy.dispatcher.stats
  t.comment(describeLoad('slotgate, all slots', s))
  t.comment(describeLoad(`slotgate, slot ${slot}`, st))
  t.comment(`dispatcher: moved +${stats.moved - before.moved}, ask +${stats.ask - before.ask}; map updated (slot owner, dead replica dropped) ${refreshedMs} ms after the slot move`)
  t.same([...s.errors, ...st.errors].map(e => `${e.op} ${e.key}: ${e.message}`), [], 'no client-visible error')
  t.same([...s.wrongReads, ...st.wrongReads], [], 'no wrong value')
  t.same(lost, [], 'no acknowledged write lost')
  t.ok(stats.moved > before.moved, 'slotgate got MOVED for the moved slot')
  t.equal(proxy.topology.masterFor(slot), to, `slotgate's map has slot ${slot} at its new owner`)
  t.ok(gone(), 'a refresh after the seeds died dropped the dead replica from the map')
  t.equal(proxy.topology.coveredSlots(), 16384, 'every slot has an owner')
  t.same(proxy.topology.masters().sort(), masterPorts.map(p => `${HOST}:${p}`).sort(), 'the same masters')
})
