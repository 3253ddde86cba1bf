// Resharding under load: `redis-cli --cluster reshard` moving 1,000 slots between masters,
// and a hand-driven migration of one busy slot (SETSLOT IMPORTING/MIGRATING, MIGRATE in
// batches, SETSLOT NODE) while clients hammer it with single-key and hash-tagged multi-key
// commands. slotgate follows MOVED and ASK and retries TRYAGAIN itself: clients see no error
// and no wrong value, and every acknowledged write is where the cluster says it is.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { keySlot } from '../../src/cluster/key-slot.js'
import { schemaDefaults } from '../../src/config/schema.js'
import { LocalCluster } from '../harness/local-cluster.js'
import { reshard } from '../helpers/cluster-scaling.js'
import { describeLoad, directClient, findLostWrites, type LoadStats, plainClient, type RunningLoad, startLoad, stopAllLoads } from '../helpers/load-generator.js'
import { startProxy } from '../helpers/start-proxy.js'

const fileStart = Date.now()
const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000 })
t.teardown(async () => { await cluster.stop() })
const proxy = await startProxy(cluster.seeds())
t.teardown(async () => { await proxy.close() })
t.teardown(() => { t.comment(`file runtime ${Date.now() - fileStart} ms`) })

/** slotgate's periodic slot-map refresh (startProxy keeps the default). */
const PERIODIC_REFRESH_MS = schemaDefaults().topologyRefreshIntervalMs
const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1))
/** A hash tag whose slot passes `ok`. */
function tagWhere (prefix: string, ok: (slot: number) => boolean): string {
  for (let i = 0; ; i++) if (ok(keySlot(Buffer.from(`${prefix}${i}`)))) return `${prefix}${i}`
}

/** Stops the loads and checks everything they acknowledged straight in the cluster. */
async function finish (t: Asserts, loads: Record<string, RunningLoad>): Promise<LoadStats[]> {
  const names = Object.keys(loads)
  const stats = await Promise.all(names.map(async n => await loads[n].stop()))
  const direct = directClient(cluster.seeds())
  for (const [i, s] of stats.entries()) {
    const lost = await findLostWrites(s, direct)
    t.comment(describeLoad(names[i], s, lost))
    t.same(s.errors.map(e => `t=${Math.round(e.at)} ${e.op} ${e.key}: ${e.message}`), [], `${names[i]}: no client-visible error`)
    t.same(s.wrongReads, [], `${names[i]}: no wrong value`)
    t.same(lost, [], `${names[i]}: no acknowledged write lost`)
  }
  direct.disconnect()
  return stats
}
/** The part of a subtest finish() uses. */
interface Asserts { comment: (msg: string) => void, same: (found: unknown, wanted: unknown, msg: string) => boolean }

t.test('redis-cli --cluster reshard of 1000 slots under load', async t => {
  t.teardown(stopAllLoads)
  const source = proxy.topology.masterFor(0) as string
  const target = proxy.topology.masterFor(16383) as string
  // redis-cli moves the source's lowest slots first: 0..999 here.
  const movingTag = tagWhere('mv', s => s >= 100 && s < 900)
  const before = { ...proxy.dispatcher.stats }
  const loads = {
    'single-key, all slots': startLoad({ connect: () => plainClient(proxy.port), clients: 4, prefix: 'r' }),
    [`multi-key, {${movingTag}} (slot ${keySlot(Buffer.from(movingTag))})`]: startLoad({ connect: () => plainClient(proxy.port), clients: 2, prefix: 'rm', mode: 'multi', hashTag: movingTag })
  }
  await sleep(1000)
  for (const l of Object.values(loads)) l.resetPauses()
  const began = Date.now()
  const out = await reshard(portOf(source), portOf(target), 1000)
  const tookMs = Date.now() - began
  await sleep(1000)
  await finish(t, loads)
  const stats = proxy.dispatcher.stats
  t.comment(`redis-cli reshard took ${tookMs} ms (${out.split('\n').filter(l => l.startsWith('Moving slot')).length} "Moving slot" lines)`)
  t.comment(`dispatcher: moved +${stats.moved - before.moved}, ask +${stats.ask - before.ask}, tryAgain +${stats.tryAgain - before.tryAgain}, clusterDown +${stats.clusterDown - before.clusterDown}`)
  t.ok(stats.moved > before.moved, 'slotgate followed MOVED')
  t.ok(stats.ask > before.ask, 'and ASK')
  // Slots that moved after slotgate's last redirect-triggered refresh and that no client touched
  // since are learnt by the periodic refresh (10 s by default): wait for it, bounded.
  const owners = (): Array<string | undefined> => {
    const found = new Set<string | undefined>()
    for (let s = 0; s < 1000; s++) found.add(proxy.topology.masterFor(s))
    return [...found]
  }
  const waitFrom = Date.now()
  while (owners().length !== 1 || owners()[0] !== target) {
    if (Date.now() - waitFrom > PERIODIC_REFRESH_MS + 2000) break
    await sleep(100)
  }
  t.comment(`slotgate's map agreed with the reshard ${Date.now() - waitFrom} ms after the load stopped`)
  t.same(owners(), [target], 'slotgate\'s map gives slots 0-999 to the target')
  t.equal(await cluster.masterPortForSlot(999), portOf(target), 'as the cluster does')
  t.equal(await cluster.masterPortForSlot(1000), portOf(source), 'and slot 1000 stayed')
  t.equal(proxy.topology.coveredSlots(), 16384, 'every slot has an owner')
})

t.test('hand-driven migration of one busy slot, multi-key commands included', async t => {
  t.teardown(stopAllLoads)
  const busyTag = tagWhere('busy', s => proxy.topology.masterFor(s) === proxy.topology.masterFor(16383))
  const slot = keySlot(Buffer.from(busyTag))
  const from = proxy.topology.masterFor(slot) as string
  const to = proxy.topology.masters().find(m => m !== from) as string
  const before = { ...proxy.dispatcher.stats }
  const loads = {
    [`single-key, {${busyTag}} (slot ${slot})`]: startLoad({ connect: () => plainClient(proxy.port), clients: 2, prefix: 'b', hashTag: busyTag }),
    [`multi-key, {${busyTag}}`]: startLoad({ connect: () => plainClient(proxy.port), clients: 2, prefix: 'bm', mode: 'multi', hashTag: busyTag }),
    'single-key, all slots': startLoad({ connect: () => plainClient(proxy.port), clients: 2, prefix: 'ba' })
  }
  await sleep(1000)
  // A migration as long as a busy slot's would take: keys move in batches while clients keep
  // writing (new keys land on the target through ASK, multi-key commands get TRYAGAIN).
  for (const l of Object.values(loads)) l.resetPauses()
  const began = Date.now()
  await cluster.beginSlotMigration(slot, portOf(to))
  await sleep(400)
  let moved = await cluster.migrateSlotKeys(slot, 300)
  await sleep(400)
  moved += await cluster.migrateSlotKeys(slot)
  await sleep(200)
  await cluster.finishSlotMigration(slot)
  const tookMs = Date.now() - began
  await sleep(1000)
  await finish(t, loads)
  const stats = proxy.dispatcher.stats
  t.comment(`slot ${slot} ${from} -> ${to}: ${moved} keys migrated, slot open for ${tookMs} ms`)
  t.comment(`dispatcher: moved +${stats.moved - before.moved}, ask +${stats.ask - before.ask}, tryAgain +${stats.tryAgain - before.tryAgain}`)
  t.ok(stats.ask > before.ask, 'slotgate followed ASK')
  t.ok(stats.tryAgain > before.tryAgain, 'Redis answered TRYAGAIN, and slotgate retried it')
  t.equal(proxy.topology.masterFor(slot), to, 'slotgate\'s map has the new owner')
  t.equal(await cluster.masterPortForSlot(slot), portOf(to), 'as the cluster does')
})
