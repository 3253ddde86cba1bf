// A master that stops answering without closing its sockets (SIGSTOP: a hung host, a long GC
// pause, a VM freeze). With commandTimeoutMs 1000 its clients get an answer within ~1–2 s
// instead of hanging, clients of other masters are untouched, and once it answers again (a
// short pause) or its replica took over (a pause past cluster-node-timeout) everything works.
// This cluster keeps Redis' default cluster-require-full-coverage yes.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { keySlot } from '../../src/cluster/key-slot.js'
import { LocalCluster } from '../harness/local-cluster.js'
import { describeLoad, directClient, findCounterViolations, findLostWrites, HOST, type LoadStats, lostWithin, plainClient, startLoad, stopAllLoads } from '../helpers/load-generator.js'
import { startProxy } from '../helpers/start-proxy.js'

const fileStart = Date.now()
const NODE_TIMEOUT_MS = 3000
const COMMAND_TIMEOUT_MS = 1000
const FROZEN_AFTER_PROMOTION_MS = 5000
const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: NODE_TIMEOUT_MS })
t.teardown(async () => { await cluster.stop() })
const proxy = await startProxy(cluster.seeds(), { commandTimeoutMs: COMMAND_TIMEOUT_MS })
t.teardown(async () => { await proxy.close() })
t.teardown(() => { t.comment(`file runtime ${Date.now() - fileStart} ms`) })

const masters = [...new Set(proxy.topology.masters())].sort()
const slotsOf = (address: string): Set<number> => {
  const out = new Set<number>()
  for (let s = 0; s < 16384; s++) if (proxy.topology.masterFor(s) === address) out.add(s)
  return out
}

/** Three loads: all masters, only the paused master's slots, only the others'. */
function loads (prefix: string, victimSlots: Set<number>): { all: ReturnType<typeof startLoad>, victim: ReturnType<typeof startLoad>, others: ReturnType<typeof startLoad> } {
  return {
    all: startLoad({ connect: () => plainClient(proxy.port), clients: 3, prefix: `${prefix}a` }),
    victim: startLoad({ connect: () => plainClient(proxy.port), clients: 2, prefix: `${prefix}v`, slotFilter: s => victimSlots.has(s) }),
    others: startLoad({ connect: () => plainClient(proxy.port), clients: 1, prefix: `${prefix}o`, slotFilter: s => !victimSlots.has(s) })
  }
}

/** One command, timed: how long until any reply, and the error if it was one. */
async function timed (p: Promise<unknown>): Promise<{ ms: number, error: string | null }> {
  const began = performance.now()
  try {
    await p
    return { ms: performance.now() - began, error: null }
  } catch (err) {
    return { ms: performance.now() - began, error: (err as Error).message }
  }
}

/** A key whose slot is in `slots`. */
function keyIn (slots: Set<number>, prefix: string): string {
  for (let i = 0; ; i++) if (slots.has(keySlot(Buffer.from(`${prefix}${i}`)))) return `${prefix}${i}`
}

/** Errors after `from` (ms since the load's start). */
function errorsAfter (s: LoadStats, from: number): string[] {
  return s.errors.filter(e => e.at > from).map(e => `t=${Math.round(e.at)} ${e.op}: ${e.message}`)
}

t.test(`paused shorter than cluster-node-timeout (${NODE_TIMEOUT_MS} ms): errors within ~1-2 s, then recovery`, async t => {
  t.teardown(stopAllLoads)
  const victim = masters[0]
  const victimPort = Number(victim.split(':')[1])
  const victimSlots = slotsOf(victim)
  const getKey = keyIn(victimSlots, 'pget')
  const probe = plainClient(proxy.port)
  const probe2 = plainClient(proxy.port)
  const probeResp2 = plainClient(proxy.port, 2)
  await probe.set(getKey, 'before')
  await probeResp2.get(getKey)
  const l = loads('p', victimSlots)
  // Timed-out writes stay in the frozen node's socket and run when it wakes: reported as
  // "outcome unknown", so counters must end within [acknowledged, + unknown].
  const incr = startLoad({ connect: () => plainClient(proxy.port), clients: 2, prefix: 'pn', mode: 'incr', slotFilter: s => victimSlots.has(s) })
  await sleep(1000)
  for (const x of [l.all, l.victim, l.others]) x.resetPauses()
  const pausedAt = l.victim.elapsed()
  await cluster.pause(victimPort)
  // One read and one write sent to the frozen master, timed on their own.
  const probes = Promise.all([timed(probe.get(getKey)), timed(probe2.set(keyIn(victimSlots, 'pset'), 'x')), timed(probeResp2.get(getKey))])
  await sleep(2500)
  await cluster.resume(victimPort)
  const resumedAt = l.victim.elapsed()
  await sleep(2000)
  const [getProbe, setProbe, get2Probe] = await probes
  const [all, victimLoad, others, counters] = await Promise.all([l.all.stop(), l.victim.stop(), l.others.stop(), incr.stop()])
  const direct = directClient(cluster.seeds())
  const lost = [...await findLostWrites(all, direct), ...await findLostWrites(victimLoad, direct), ...await findLostWrites(others, direct)]
  const counterViolations = await findCounterViolations(counters, direct)
  direct.disconnect()
  for (const c of [probe, probe2, probeResp2]) c.disconnect()
  t.comment(`paused ${victim} for ${Math.round(resumedAt - pausedAt)} ms`)
  t.comment(`probe GET (RESP3) answered after ${Math.round(getProbe.ms)} ms with ${getProbe.error ?? 'its value'}; probe GET (RESP2) after ${Math.round(get2Probe.ms)} ms with ${get2Probe.error ?? 'its value'}; probe SET after ${Math.round(setProbe.ms)} ms with ${setProbe.error ?? 'OK'}`)
  t.comment(describeLoad('all masters', all))
  t.comment(describeLoad('paused master only', victimLoad))
  t.comment(describeLoad('other masters only', others))
  for (const e of victimLoad.errors) t.comment(`paused master client ${e.client}: t=${Math.round(e.at - pausedAt)} ms after the pause, ${e.op}: ${e.message}`)
  t.comment(`counters: ${[...counters.counters].map(([k, c]) => `${k} acked ${c.acked} unsure ${c.unsure}`).join('; ')}`)
  t.comment(`dispatcher ${JSON.stringify(proxy.dispatcher.stats)}`)

  t.same([...all.errors, ...victimLoad.errors, ...counters.errors].filter(e => e.kind !== 'unknown-outcome').map(e => `${e.op}: ${e.message}`), [],
    'the only errors are writes whose outcome is unknown (sent, then no reply within the timeout)')
  t.same(counterViolations, [], 'every counter ends within [acknowledged, acknowledged + unknown]: nothing lost, nothing run twice')
  t.same(counters.wrongReads, [], 'INCR replies only ever went up')
  // A reply — data or error — within the command timeout plus the time to notice it (timer
  // granularity), for every command: the option's doc promises it, reads included.
  const limit = COMMAND_TIMEOUT_MS + 1000
  t.ok(setProbe.ms < limit && setProbe.error !== null, `a write to the frozen master is answered (error) within ${limit} ms (${Math.round(setProbe.ms)} ms)`)
  t.ok(getProbe.ms < limit, `a read (RESP3 client) from the frozen master is answered within ${limit} ms (${Math.round(getProbe.ms)} ms: ${getProbe.error ?? 'its value'})`)
  t.ok(get2Probe.ms < limit, `a read (RESP2 client) from the frozen master is answered within ${limit} ms (${Math.round(get2Probe.ms)} ms: ${get2Probe.error ?? 'its value'})`)
  t.ok(victimLoad.longestPause.ms < limit && all.longestPause.ms < limit,
    `every command to the paused master was answered within ${limit} ms (longest wait ${Math.round(Math.max(victimLoad.longestPause.ms, all.longestPause.ms))} ms)`)
  t.same(errorsAfter(victimLoad, resumedAt + COMMAND_TIMEOUT_MS + 200), [], 'no error once it answers again')
  t.same(others.errors, [], 'clients of other masters: no error')
  // ~100 ms is the aim (measured 40-90 ms); the margin is for a loaded 2-CPU runner. Held
  // behind the frozen master they would wait the whole 2.5 s.
  t.ok(others.longestPause.ms < 300, `clients of other masters: no pause (longest ${Math.round(others.longestPause.ms)} ms)`)
  t.same([...all.wrongReads, ...victimLoad.wrongReads, ...others.wrongReads], [], 'no wrong value')
  t.same(lost, [], 'no acknowledged write lost')
  t.equal(proxy.topology.masterFor([...victimSlots][0]), victim, 'no failover happened: the same master serves its slots')
})

t.test('paused longer than cluster-node-timeout: the replica takes over', async t => {
  t.teardown(stopAllLoads)
  const victim = masters[1]
  const victimPort = Number(victim.split(':')[1])
  const victimSlots = slotsOf(victim)
  const getKey = keyIn(victimSlots, 'qget')
  const probe = plainClient(proxy.port)
  const probe2 = plainClient(proxy.port)
  const probeResp2 = plainClient(proxy.port, 2)
  await probe.set(getKey, 'before')
  await probeResp2.get(getKey)
  const l = loads('q', victimSlots)
  await sleep(1000)
  for (const x of [l.all, l.victim, l.others]) x.resetPauses()
  const pausedAt = l.victim.elapsed()
  const pausedAtAll = l.all.elapsed()
  await cluster.pause(victimPort)
  const probes = Promise.all([timed(probe.get(getKey)), timed(probe2.set(keyIn(victimSlots, 'qset'), 'x')), timed(probeResp2.get(getKey))])
  // When slotgate's own map switches to another master for the victim's slots.
  const firstSlot = [...victimSlots][0]
  let mapSwitchedAt = 0
  const watch = setInterval(() => { if (mapSwitchedAt === 0 && proxy.topology.masterFor(firstSlot) !== victim) mapSwitchedAt = l.victim.elapsed() }, 10)
  t.teardown(() => { clearInterval(watch) })
  const promoted = await cluster.waitForFailover(victimPort)
  const failedOverAt = l.victim.elapsed()
  // Still frozen well after the promotion (a dead host whose TCP peer never resets):
  // nothing may wait for it any more.
  await sleep(FROZEN_AFTER_PROMOTION_MS)
  clearInterval(watch)
  await cluster.resume(victimPort)
  await cluster.waitForRole(victimPort, 'replica')
  const rejoinedAt = l.victim.elapsed()
  await sleep(1500)
  const [all, victimLoad, others] = await Promise.all([l.all.stop(), l.victim.stop(), l.others.stop()])
  const direct = directClient(cluster.seeds())
  const lostAll = await findLostWrites(all, direct)
  const lostVictim = await findLostWrites(victimLoad, direct)
  const lostOthers = await findLostWrites(others, direct)
  direct.disconnect()
  const [getProbe, setProbe, get2Probe] = await probes
  for (const c of [probe, probe2, probeResp2]) c.disconnect()
  const inWindow = (s: number): boolean => victimSlots.has(s)
  const byRedis = [...lostWithin(lostAll, inWindow, pausedAtAll - 1000, pausedAtAll + 100), ...lostWithin(lostVictim, inWindow, pausedAt - 1000, pausedAt + 100)]
  t.comment(`paused ${victim}; ${HOST}:${promoted} promoted after ${Math.round(failedOverAt - pausedAt)} ms (every live node agreeing); slotgate's map switched after ${Math.round(mapSwitchedAt - pausedAt)} ms; old master resumed ${FROZEN_AFTER_PROMOTION_MS} ms after the promotion, a replica ${Math.round(rejoinedAt - failedOverAt - FROZEN_AFTER_PROMOTION_MS)} ms later`)
  t.comment(`probe GET (RESP3) answered after ${Math.round(getProbe.ms)} ms with ${getProbe.error ?? 'its value'}; probe GET (RESP2) after ${Math.round(get2Probe.ms)} ms with ${get2Probe.error ?? 'its value'}; probe SET after ${Math.round(setProbe.ms)} ms with ${setProbe.error ?? 'OK'}`)
  t.comment(describeLoad('all masters', all, lostAll))
  t.comment(describeLoad('paused master only', victimLoad, lostVictim))
  t.comment(describeLoad('other masters only', others, lostOthers))
  for (const e of victimLoad.errors) t.comment(`paused master client ${e.client}: t=${Math.round(e.at - pausedAt)} ms after the pause, ${e.op}: ${e.message}`)
  t.comment(`lost by Redis async replication: ${byRedis.length}`)
  t.comment(`dispatcher ${JSON.stringify(proxy.dispatcher.stats)}`)

  t.same([...all.errors, ...victimLoad.errors].filter(e => e.kind !== 'unknown-outcome').map(e => `${e.op}: ${e.message}`), [],
    'the only errors are writes sent to the frozen master (outcome unknown)')
  t.ok(setProbe.ms < COMMAND_TIMEOUT_MS + 1000 && setProbe.error !== null, `a write to the frozen master is answered (error) within ${COMMAND_TIMEOUT_MS + 1000} ms (${Math.round(setProbe.ms)} ms)`)
  // slotgate learns of the promotion with one refresh (debounce + a round trip): ~100 ms
  // after a SIGKILL (failover-kill.test.ts); 1 s is generous.
  t.ok(mapSwitchedAt > 0 && mapSwitchedAt - failedOverAt < 1000, `slotgate's map switched within 1 s of the promotion (${Math.round(mapSwitchedAt - failedOverAt)} ms)`)
  // A read may wait for the promotion (a pause, not an error: DESIGN.md, Faults), no longer:
  // once slotgate's map has the new master, what waited goes there — at the latest when the
  // frozen link's command timeout fires. The old master stays frozen 5 s past the promotion,
  // so anything waiting for it shows.
  const bound = (mapSwitchedAt > 0 ? mapSwitchedAt : failedOverAt + 1000) - pausedAt + COMMAND_TIMEOUT_MS + 500
  t.ok(getProbe.ms < bound, `a read (RESP3 client) from the frozen master is answered once slotgate knows the new master (${Math.round(getProbe.ms)} ms, bound ${Math.round(bound)} ms)`)
  t.ok(get2Probe.ms < bound, `a read (RESP2 client) from the frozen master is answered once slotgate knows the new master (${Math.round(get2Probe.ms)} ms, bound ${Math.round(bound)} ms)`)
  t.ok(victimLoad.longestPause.ms < bound && all.longestPause.ms < bound,
    `no wait past the moment slotgate knows the new master (longest ${Math.round(Math.max(victimLoad.longestPause.ms, all.longestPause.ms))} ms, bound ${Math.round(bound)} ms)`)
  t.same(errorsAfter(victimLoad, failedOverAt + 200), [], 'no error once the replica took over')
  t.same(errorsAfter(all, failedOverAt + 200), [], 'nor for the other clients') // loads start within a millisecond: one clock
  // Full coverage (Redis' default): between the FAIL flag and the promotion every node answers
  // CLUSTERDOWN for every slot. slotgate retries it, so others see a pause, never an error.
  t.same(others.errors, [], 'clients of other masters: no error')
  t.ok(others.longestPause.ms < failedOverAt - pausedAt, `clients of other masters: at most the cluster-wide CLUSTERDOWN window (longest ${Math.round(others.longestPause.ms)} ms)`)
  t.same([...all.wrongReads, ...victimLoad.wrongReads, ...others.wrongReads].filter(w => !byRedis.some(l => l.key === w.key)), [], 'no wrong value')
  t.same([...lostAll, ...lostVictim, ...lostOthers].filter(l => !byRedis.includes(l)), [], 'no acknowledged write lost by slotgate')
  t.equal(proxy.topology.masterFor([...victimSlots][0]), `${HOST}:${promoted}`, 'its slots go to the promoted replica')
  t.notOk(proxy.topology.masters().includes(victim), 'the old master is no longer a master in slotgate\'s map')
})
