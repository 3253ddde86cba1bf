// A master SIGKILLed under load, then brought back (DESIGN.md, Faults): clients of its slots
// see a pause, not an error, except writes that were on the wire when it died (their outcome
// is truly unknown); clients of other masters see nothing; a command whose client left while
// it waited is never run; every acknowledged write is still there, unless Redis' own
// asynchronous replication lost it, which a direct cluster client in the same run measures.
import net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { keySlot } from '../../src/cluster/key-slot.js'
import { LocalCluster } from '../harness/local-cluster.js'
import { countByKind, describeLoad, directClient, findCounterViolations, findLostWrites, HOST, lostWithin, plainClient, startLoad, stopAllLoads } from '../helpers/load-generator.js'
import { startProxy } from '../helpers/start-proxy.js'

const fileStart = Date.now()
// Full coverage off: with Redis' default (yes) every node refuses every slot between the
// dead master's FAIL flag and the promotion (~1 s here), so no proxy could keep other
// masters' clients free of a pause; failover-pause.test.ts covers the default.
const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000, extraConfig: ['cluster-require-full-coverage no'] })
t.teardown(async () => { await cluster.stop() })
// Auto failover deadline (2 x node timeout + 5 s): what a user gets. A short periodic refresh
// only so the restarted node shows up in the topology without a 10 s wait.
const proxy = await startProxy(cluster.seeds(), { topologyRefreshIntervalMs: 2000 })
t.teardown(async () => { await proxy.close() })
const direct = directClient(cluster.seeds())
t.teardown(() => { direct.disconnect() })
t.teardown(() => { t.comment(`file runtime ${Date.now() - fileStart} ms`) })

const victim = await cluster.masterPortForSlot(0)
const victimAddress = `${HOST}:${victim}`
const victimSlots = new Set<number>()
for (let s = 0; s < 16384; s++) if (proxy.topology.masterFor(s) === victimAddress) victimSlots.add(s)
const onVictim = (slot: number): boolean => victimSlots.has(slot)
let promoted = 0

/** A key whose slot the victim owns. */
function keyOnVictim (prefix: string): string {
  for (let i = 0; ; i++) if (onVictim(keySlot(Buffer.from(`${prefix}${i}`)))) return `${prefix}${i}`
}
/** Lua that keeps its node busy for ARGV[1] microseconds. */
const BUSY = "local t0 = redis.call('TIME') while true do local t = redis.call('TIME') if (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > tonumber(ARGV[1]) then break end end"
/** How a command ended, as one comparable string. */
async function outcome (p: Promise<unknown>): Promise<string> {
  try {
    return `value: ${String(await p)}`
  } catch (err) {
    return `error: ${(err as Error).message}`
  }
}

t.test('master SIGKILLed under load', async t => {
  t.teardown(stopAllLoads)
  const main = startLoad({ connect: () => plainClient(proxy.port), clients: 4, prefix: 'k' })
  const others = startLoad({ connect: () => plainClient(proxy.port), clients: 1, prefix: 'o', slotFilter: s => !onVictim(s) })
  // The same load straight at the cluster: what Redis itself loses is not slotgate's doing.
  const cmp = startLoad({ connect: () => directClient(cluster.seeds()), clients: 2, prefix: 'd' })
  // Counters on the dying master: no increment may ever run twice.
  const incr = startLoad({ connect: () => plainClient(proxy.port), clients: 2, prefix: 'n', mode: 'incr', slotFilter: onVictim })
  await sleep(1500)
  const before = { ...proxy.dispatcher.stats }

  // A write and a read certainly on the wire when the master dies: scripts that keep it busy
  // for 600 ms (the kill comes after 150 ms).
  const probeKey = keyOnVictim('inflight:')
  const probeWrite = plainClient(proxy.port)
  const probeRead = plainClient(proxy.port)
  t.teardown(() => { probeWrite.disconnect(); probeRead.disconnect() })
  await probeWrite.set(probeKey, 'before')
  const inFlightWrite = outcome(probeWrite.call('EVAL', `${BUSY} redis.call('SET', KEYS[1], 'after') return 1`, 1, probeKey, 600_000))
  const inFlightRead = outcome(probeRead.call('EVAL_RO', `${BUSY} return redis.call('GET', KEYS[1])`, 1, probeKey, 600_000))
  await sleep(150)

  for (const l of [main, others, cmp, incr]) l.resetPauses()
  const killAt = { main: main.elapsed(), others: others.elapsed(), cmp: cmp.elapsed() }
  // SIGKILL straight to its PID: the harness' kill() first reads the slot map from the first
  // live node, the victim, which would answer only once its scripts are done. kill() then
  // just waits for the exit.
  process.kill(cluster.nodes.find(n => n.port === victim)?.pid as number, 'SIGKILL')
  await cluster.kill(victim)
  await sleep(100)

  // A client sends a write for the dead master's slots, and leaves while it waits.
  const leftKey = keyOnVictim('left:')
  const leaver = net.connect(proxy.port, HOST)
  await new Promise(resolve => leaver.once('connect', resolve))
  let leaverGot = ''
  leaver.on('data', (b: Buffer) => { leaverGot += b.toString() })
  leaver.write(`*3\r\n$3\r\nSET\r\n$${leftKey.length}\r\n${leftKey}\r\n$4\r\ngone\r\n`)
  await sleep(400)
  const waitingWhenLeft = proxy.dispatcher.waitingCount
  leaver.destroy()

  promoted = await cluster.waitForFailover(victim)
  const failoverAt = main.elapsed()
  await sleep(2000)
  const [m, o, d, n] = await Promise.all([main.stop(), others.stop(), cmp.stop(), incr.stop()])
  const [writeOutcome, readOutcome] = await Promise.all([inFlightWrite, inFlightRead])
  const stats = proxy.dispatcher.stats
  const lost = await findLostWrites(m, direct)
  const lostOthers = await findLostWrites(o, direct)
  const lostCmp = await findLostWrites(d, direct)
  // What asynchronous replication can lose: writes the dead master acknowledged just before it died.
  const replicationWindow = (l: typeof lost, at: number): typeof lost => lostWithin(l, onVictim, at - 1000, at + 100)
  const byRedis = replicationWindow(lost, killAt.main)
  const bySlotgate = lost.filter(l => !byRedis.includes(l))
  const counterViolations = await findCounterViolations(n, direct)

  t.comment(`victim ${victim} -> promoted ${promoted} in ${Math.round(failoverAt - killAt.main)} ms`)
  t.comment(describeLoad('slotgate, all masters', m, lost))
  t.comment(describeLoad('slotgate, other masters only', o, lostOthers))
  t.comment(describeLoad('direct cluster client', d, lostCmp))
  t.comment(`lost by Redis async replication: slotgate clients ${byRedis.length}, direct clients ${replicationWindow(lostCmp, killAt.cmp).length}; lost by slotgate: ${bySlotgate.length}`)
  t.comment(`dispatcher: retriedReads +${stats.retriedReads - before.retriedReads}, unknownOutcome +${stats.unknownOutcome - before.unknownOutcome}, waited +${stats.waited - before.waited}, deadlineExceeded +${stats.deadlineExceeded - before.deadlineExceeded}, rerouted +${stats.rerouted - before.rerouted}`)
  for (const e of m.errors) t.comment(`error t=${Math.round(e.at)} client ${e.client} ${e.op} ${e.key}: ${e.message}`)
  t.comment(`in-flight EVAL (write) -> ${writeOutcome}; in-flight EVAL_RO (read) -> ${readOutcome}`)
  t.comment(describeLoad('slotgate, INCR on the dying master', n))
  t.comment(`counters: ${[...n.counters].map(([k, c]) => `${k} acked ${c.acked} unsure ${c.unsure}`).join('; ')}; violations: ${counterViolations.join('; ') || 'none'}`)

  t.ok(m.ops > 1000, `the load ran (${m.ops} ops)`)
  t.match(writeOutcome, /^error: ERR slotgate: connection to .* lost after the command was sent .*its outcome is unknown$/, 'the write in flight got the "outcome unknown" error')
  t.equal(readOutcome, 'value: before', 'the read in flight was retried and answered by the promoted replica')
  t.ok(stats.retriedReads - before.retriedReads >= 1, 'slotgate counted it as a retried read')
  t.same(m.errors.filter(e => e.kind !== 'unknown-outcome').map(e => e.message), [], 'only "outcome unknown" errors')
  t.same(m.errors.filter(e => e.op !== 'SET').map(e => `${e.op}: ${e.message}`), [], 'in-flight reads were retried, not failed')
  const perClient = new Map<number, number>()
  for (const e of m.errors) perClient.set(e.client, (perClient.get(e.client) ?? 0) + 1)
  t.ok([...perClient.values()].every(n => n <= 1), `at most one error per client connection (${JSON.stringify([...perClient])})`)
  t.ok(m.errors.every(e => e.at >= killAt.main && e.at < killAt.main + 500), 'errors only for commands in flight at the kill')
  t.equal(stats.unknownOutcome - before.unknownOutcome, m.errors.length + n.errors.length + 1, 'every error (and the EVAL probe\'s) is a write the dispatcher reported as in flight')
  t.equal(stats.deadlineExceeded - before.deadlineExceeded, 0, 'no command outlived the failover deadline')
  t.ok(stats.waited - before.waited > 0, 'commands for the dead master waited')
  t.ok(m.longestPause.ms < failoverAt - killAt.main + 1000, `longest pause ${Math.round(m.longestPause.ms)} ms is the failover (${Math.round(failoverAt - killAt.main)} ms) plus < 1 s`)
  t.same(m.wrongReads.filter(w => !byRedis.some(l => l.key === w.key)), [], 'every read returned the value just acknowledged')
  t.same(bySlotgate, [], 'no acknowledged write lost by slotgate')

  t.same(counterViolations.filter(v => /twice/.test(v)), [], 'no increment applied twice')
  // An increment lost to async replication makes the next reply go backwards right after the kill.
  const lostIncr = counterViolations.filter(v => /lost/.test(v))
  const explained = n.wrongReads.length > 0 && n.wrongReads.every(w => w.at >= killAt.main && w.at <= failoverAt + 1000)
  t.ok(lostIncr.length === 0 || explained, `acknowledged increments kept, or lost only to the failover (${lostIncr.join('; ') || 'none lost'})`)
  t.same(n.errors.filter(e => e.kind !== 'unknown-outcome').map(e => e.message), [], 'INCR clients: only "outcome unknown" errors')

  t.same(o.errors, [], 'clients of other masters saw no error')
  // ~100 ms is the aim (measured 40-60 ms on a quiet machine); the margin is for a loaded
  // 2-CPU runner. A proxy that held these clients during the failover would show its 2-3 s.
  t.ok(o.longestPause.ms < 300, `clients of other masters saw no pause (longest ${Math.round(o.longestPause.ms)} ms)`)
  t.same(lostOthers, [], 'no write to other masters lost')

  t.equal(leaverGot, '', 'the leaving client\'s write was still waiting when it left')
  t.ok(waitingWhenLeft > 0, `slotgate held waiting commands then (${waitingWhenLeft})`)
  await sleep(500)
  t.equal(await direct.get(leftKey), null, 'the write of a client that left during the wait never ran')
  t.equal(await direct.exists(leftKey), 0, 'not even later')
})

t.test('the old master restarted comes back as a replica', async t => {
  t.teardown(stopAllLoads)
  t.ok(promoted > 0, 'a replica was promoted before')
  const main = startLoad({ connect: () => plainClient(proxy.port), clients: 4, prefix: 'r' })
  await sleep(500)
  await cluster.restart(victim)
  await cluster.waitForRole(victim, 'replica')
  const promotedAddress = `${HOST}:${promoted}`
  const deadline = Date.now() + 8000
  const seenAsReplica = (): boolean => proxy.topology.allShards().some(s => s.master === promotedAddress && s.replicas.includes(victimAddress))
  while (!seenAsReplica() && Date.now() < deadline) await sleep(100)
  await sleep(1000)
  const m = await main.stop()
  const lost = await findLostWrites(m, direct)
  t.comment(describeLoad('slotgate during the restart', m, lost))

  t.same(m.errors, [], 'no client-visible error')
  t.same(m.wrongReads, [], 'no wrong value')
  t.same(lost, [], 'no acknowledged write lost')
  t.ok(m.longestPause.ms < 200, `no pause (longest ${Math.round(m.longestPause.ms)} ms)`)
  t.ok(seenAsReplica(), `slotgate's topology has ${victimAddress} as a replica of ${promotedAddress}`)
  t.notOk(proxy.topology.masters().includes(victimAddress), 'and not as a master')
  t.equal(proxy.topology.coveredSlots(), 16384, 'every slot has an owner')
  for (const s of [0, ...victimSlots].slice(0, 1)) t.equal(proxy.topology.masterFor(s), promotedAddress, `slot ${s} goes to the promoted replica`)
  t.same(countByKind(m.errors), {}, 'errors by kind')
})
