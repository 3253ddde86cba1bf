// A master killed while no client sends anything (issue 18's failover events): slotgate's own
// lost link is the only sign. The periodic refresh (10 s by default) would come too late to
// see the failure flag a failover starts with, so `failover_detected` was missed and
// `failover_resolved` came without a duration; slotgate now follows a master whose link it lost
// through the slot map until the map says what became of it.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { keySlot } from '../../src/cluster/key-slot.js'
import { schemaDefaults, type SlotgateConfig } from '../../src/config/schema.js'
import { createLogger } from '../../src/log.js'
import { startSlotgate } from '../../src/main.js'
import { LocalCluster } from '../harness/local-cluster.js'
import { eventually } from '../helpers/metrics-scrape.js'
import { RawConn } from '../helpers/raw-conn.js'

type Line = Record<string, any>
const HOST = '127.0.0.1'

const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000, extraConfig: ['cluster-require-full-coverage no'] })
t.teardown(async () => { await cluster.stop() })

const lines: Line[] = []
const logger = createLogger({ logLevel: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s) as Line) } })
const config: SlotgateConfig = { ...schemaDefaults(), seeds: cluster.seeds(), port: 0, bind: HOST }
const proxy = await startSlotgate(config, logger)
t.teardown(async () => { await proxy.close() })
await proxy.ready
const events = (name: string): Line[] => lines.filter(l => l.event === name)

t.test('a master killed in a quiet cluster: failover detected while it had its slots, resolved with its duration', async t => {
  t.equal(config.topologyRefreshIntervalMs, 10_000, 'the default periodic refresh')
  const victim = proxy.topology.masterFor(0) as string
  const port = Number(victim.split(':')[1])
  let slots = 0
  for (let s = 0; s < 16384; s++) if (proxy.topology.masterFor(s) === victim) slots++
  // Let the start's refreshes settle: from here on nothing but the kill happens.
  await sleep(500)
  const began = Date.now()
  await cluster.kill(port)
  const newMaster = `${HOST}:${await cluster.waitForFailover(port)}`
  const promotedAt = Date.now()
  await eventually('failover_resolved for the victim', 30_000, async () => events('failover_resolved').some(l => l.master === victim))
  const took = Date.now() - began
  const learnt = Date.now() - promotedAt
  const detected = events('failover_detected').find(l => l.master === victim)
  const resolved = events('failover_resolved').find(l => l.master === victim) as Line
  t.match(detected, { level: 'warn', master: victim, slots }, 'detected while the victim still had its slots')
  t.ok(lines.indexOf(detected as Line) < lines.indexOf(resolved), 'before the resolution')
  t.match(resolved, { level: 'info', newMaster, how: 'promoted' })
  t.ok(typeof resolved.durationMs === 'number' && resolved.durationMs > 0 && resolved.durationMs < took,
    `durationMs ${String(resolved.durationMs)} (${took} ms from the kill to the resolution)`)
  t.ok(learnt < 2000, `slotgate learnt of the new master ${learnt} ms after the cluster showed it (${took} ms from the kill), not at the periodic refresh`)
  // The first command after the failover goes straight to the promoted replica.
  const c = await RawConn.open(proxy.port)
  t.teardown(() => { c.destroy() })
  let key = ''
  for (let i = 0; key === ''; i++) if (proxy.topology.masterFor(keySlot(Buffer.from(`quiet${i}`))) === newMaster) key = `quiet${i}`
  t.equal(await c.call('SET', key, 'v'), '+OK\r\n', 'a write to the victim\'s slots')
  t.equal(proxy.topology.masterFor(0), newMaster)
})
