// Stale answers to a topology refresh never replace a good slot map (DESIGN.md, Faults):
// - a fresh, empty cluster node among the seeds (a node that lost its nodes.conf) answers
//   the first refresh with a view that covers nothing;
// - a master cut off from the rest of the cluster keeps claiming its slots while the
//   majority side promotes its replica. The partition is made with CLUSTER FORGET on the
//   master (it then ignores every other node for 60 s, Redis' forget ban), and the promotion
//   with CLUSTER FAILOVER TAKEOVER on its replica, as an operator does for a lost partition.
//   The cut-off master is still in slotgate's list of masters, so the refresh that learns
//   about the promotion asks it too, and gets its stale view.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { LocalCluster } from '../harness/local-cluster.js'
import { nodeCommand } from '../harness/node-command.js'
import { waitUntil } from '../harness/wait-until.js'
import { ExtraNodes } from '../helpers/cluster-scaling.js'
import { describeLoad, directClient, findLostWrites, HOST, plainClient, startLoad, stopAllLoads } from '../helpers/load-generator.js'
import { startProxy } from '../helpers/start-proxy.js'

const fileStart = Date.now()
const NODE_TIMEOUT_MS = 2000
const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: NODE_TIMEOUT_MS })
t.teardown(async () => { await cluster.stop() })
const extra = new ExtraNodes(NODE_TIMEOUT_MS)
t.teardown(async () => { await extra.stop() })
t.teardown(() => { t.comment(`file runtime ${Date.now() - fileStart} ms`) })

const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1))
/** How many times the node at `port` ran CLUSTER NODES since its stats were last reset. */
async function clusterNodesCalls (port: number): Promise<number> {
  const stats = String(await nodeCommand(HOST, port, 'INFO', 'commandstats'))
  return Number(/cmdstat_cluster\|nodes:calls=(\d+)/.exec(stats)?.[1] ?? 0)
}
/** The node at `port`'s own CLUSTER NODES lines. */
async function viewOf (port: number): Promise<string[]> {
  return String(await nodeCommand(HOST, port, 'CLUSTER', 'NODES')).split('\n').filter(l => l.trim() !== '')
}

/** Who owns `slot` in one node's CLUSTER NODES lines (`host:port`), or '?'. */
function ownerOf (lines: readonly string[], slot: number): string {
  for (const l of lines) {
    const f = l.split(' ')
    for (const r of f.slice(8)) {
      if (r.startsWith('[')) continue
      const [a, b] = r.split('-').map(Number)
      if (a <= slot && slot <= (b ?? a)) return f[1].split('@')[0]
    }
  }
  return '?'
}

t.test('a fresh empty node among the seeds', async t => {
  const fresh = await extra.start(cluster.nodes.map(n => n.port))
  const replica = [...await cluster.roles()].find(([, r]) => r === 'replica')?.[0] as number
  await nodeCommand(HOST, fresh.port, 'CONFIG', 'RESETSTAT')
  const proxy = await startProxy([fresh.address, `${HOST}:${replica}`])
  t.teardown(async () => { await proxy.close() })
  t.ok(await clusterNodesCalls(fresh.port) >= 1, 'slotgate asked the fresh node')
  t.equal((await viewOf(fresh.port)).length, 1, 'which knows only itself and no slot')
  t.equal(proxy.topology.coveredSlots(), 16384, 'slotgate is ready with the full slot map')
  t.notOk(proxy.topology.nodes().includes(fresh.address), 'and the fresh node is not in it')
  const client = plainClient(proxy.port)
  t.equal(await client.set('fresh-seed', 'ok'), 'OK', 'and serves')
  client.disconnect()
  await extra.stopNode(fresh)
})

t.test('a master cut off from the cluster, its replica promoted by the majority side', async t => {
  t.teardown(stopAllLoads)
  // A 500 ms periodic refresh: several refreshes happen while the stale master is about.
  const proxy = await startProxy(cluster.seeds(), { topologyRefreshIntervalMs: 500 })
  t.teardown(async () => { await proxy.close() })
  const shard = proxy.topology.allShards().find(s => s.master === proxy.topology.masterFor(0))
  if (shard === undefined || shard.replicas.length !== 1) { t.fail('expected slot 0\'s shard with one replica'); return }
  const cutOff = portOf(shard.master)
  const replica = portOf(shard.replicas[0])
  const slots = new Set<number>()
  for (let s = 0; s < 16384; s++) if (proxy.topology.masterFor(s) === shard.master) slots.add(s)
  const others = cluster.nodes.map(n => n.port).filter(p => p !== cutOff)
  const before = { ...proxy.dispatcher.stats }

  const load = startLoad({ connect: () => plainClient(proxy.port), clients: 4, prefix: 'st' })
  const onShard = startLoad({ connect: () => plainClient(proxy.port), clients: 2, prefix: 'sts', slotFilter: s => slots.has(s) })
  await sleep(800)

  // The partition: the master forgets every other node (and ignores them for 60 s).
  load.resetPauses()
  onShard.resetPauses()
  await Promise.all(others.map(async p => await nodeCommand(HOST, cutOff, 'CLUSTER', 'FORGET', cluster.nodeId(p))))
  await nodeCommand(HOST, cutOff, 'CONFIG', 'RESETSTAT')
  const cutAt = onShard.elapsed()
  // The majority side: its replica takes the slots over with a new epoch.
  await nodeCommand(HOST, replica, 'CLUSTER', 'FAILOVER', 'TAKEOVER')
  await waitUntil(`${replica} to own slot 0 in every other node's view`, 10_000, async () => {
    const owners = await Promise.all(others.map(async p => ownerOf(await viewOf(p), 0)))
    return owners.every(o => o === `${HOST}:${replica}`) ? { done: true, value: undefined } : { done: false, seen: owners.join(' ') }
  })
  const promotedAt = onShard.elapsed()
  // Several refreshes while the cut-off master still claims its slots.
  const mapped = Date.now()
  while (proxy.topology.masterFor(0) !== `${HOST}:${replica}` && Date.now() - mapped < 5000) await sleep(50)
  await sleep(2000)

  const staleView = await viewOf(cutOff)
  const askedCutOff = await clusterNodesCalls(cutOff)
  const [s, so] = await Promise.all([load.stop(), onShard.stop()])
  const direct = directClient(cluster.seeds().filter(a => portOf(a) !== cutOff))
  const lost = [...await findLostWrites(s, direct), ...await findLostWrites(so, direct)]
  direct.disconnect()
  const stats = proxy.dispatcher.stats
  t.comment(`cut off ${shard.master} at t=${Math.round(cutAt)} ms; ${HOST}:${replica} took over, seen by all at t=${Math.round(promotedAt)} ms`)
  t.comment(`the cut-off master's view at the end: ${staleView.map(l => l.split(' ').filter((_f, i) => i !== 0 && i !== 4 && i !== 5).join(' ')).join(' | ')}`)
  t.comment(`slotgate asked it CLUSTER NODES ${askedCutOff} times after the cut`)
  t.comment(describeLoad('slotgate, all masters', s))
  t.comment(describeLoad('slotgate, the cut-off shard', so))
  t.comment(`dispatcher: clusterDown +${stats.clusterDown - before.clusterDown}, moved +${stats.moved - before.moved}, waited +${stats.waited - before.waited}`)

  t.equal(staleView.length, 1, 'the cut-off master still knows only itself')
  t.match(staleView[0], /myself,master/, 'and still says it is a master')
  t.ok(staleView[0].split(' ').slice(8).length > 0, 'with its old slots')
  t.ok(askedCutOff >= 1, 'slotgate asked it during a refresh, so its stale view was a candidate')
  t.equal(proxy.topology.coveredSlots(), 16384, 'every slot still has an owner')
  for (const slot of [0, ...slots].slice(0, 1)) t.equal(proxy.topology.masterFor(slot), `${HOST}:${replica}`, `slot ${slot} goes to the promoted replica, not to the cut-off master`)
  let wrong = 0
  for (const slot of slots) if (proxy.topology.masterFor(slot) !== `${HOST}:${replica}`) wrong++
  t.equal(wrong, 0, `all ${slots.size} slots of the cut-off master go to the promoted replica`)
  t.notOk(proxy.topology.masters().includes(shard.master), 'the cut-off master is not among slotgate\'s masters')
  t.same([...s.errors, ...so.errors].map(e => `t=${Math.round(e.at)} ${e.op}: ${e.message}`), [], 'no client-visible error')
  t.same([...s.wrongReads, ...so.wrongReads], [], 'no wrong value')
  t.same(lost, [], 'no acknowledged write lost')
})
