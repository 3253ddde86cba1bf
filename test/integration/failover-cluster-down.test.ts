// The whole cluster down (every node SIGKILLed) under load: clients get CLUSTERDOWN once the
// failover deadline passes — an answer, not a hang — slotgate itself stays up, and when the
// nodes come back it serves again by itself. The nodes keep an AOF fsynced on every write,
// so every write acknowledged before the outage must still be there after it.
import net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { LocalCluster } from '../harness/local-cluster.js'
import { describeLoad, directClient, findLostWrites, HOST, plainClient, startLoad, stopAllLoads } from '../helpers/load-generator.js'
import { startProxy } from '../helpers/start-proxy.js'

const fileStart = Date.now()
const DEADLINE_MS = 2000
const cluster = await LocalCluster.start({
  masters: 3,
  replicasPerMaster: 1,
  nodeTimeoutMs: 1000,
  // Durable acknowledgements: Redis fsyncs the AOF before it replies.
  extraConfig: ['appendonly yes', 'appendfsync always']
})
t.teardown(async () => { await cluster.stop() })
const proxy = await startProxy(cluster.seeds(), { failoverDeadlineMs: DEADLINE_MS })
t.teardown(async () => { await proxy.close() })
t.teardown(() => { t.comment(`file runtime ${Date.now() - fileStart} ms`) })

/** One command on a fresh raw connection to slotgate: the reply's first line and how long it took. */
async function rawCommand (line: string, timeoutMs = 10_000): Promise<{ reply: string, ms: number }> {
  const began = performance.now()
  const socket = net.connect(proxy.port, HOST)
  try {
    const reply = await new Promise<string>((resolve, reject) => {
      let got = ''
      const timer = setTimeout(() => { reject(new Error(`no reply to ${line.trim()} within ${timeoutMs} ms`)) }, timeoutMs)
      socket.on('data', (b: Buffer) => {
        got += b.toString()
        if (got.includes('\r\n')) { clearTimeout(timer); resolve(got.split('\r\n')[0]) }
      })
      socket.on('error', (err: Error) => { clearTimeout(timer); reject(err) })
      socket.write(line)
    })
    return { reply, ms: performance.now() - began }
  } finally {
    socket.destroy()
  }
}

t.test('every node killed, then restarted, under load', async t => {
  t.teardown(stopAllLoads)
  const load = startLoad({ connect: () => plainClient(proxy.port), clients: 4, prefix: 'z' })
  await sleep(1000)
  load.resetPauses()
  const killAt = load.elapsed()
  await Promise.all(cluster.nodes.map(async n => { await cluster.kill(n.port) }))

  // Slotgate stays up: it answers what it answers itself at once, and a data command with a
  // CLUSTERDOWN error once the deadline has passed.
  await sleep(300)
  const ping = await rawCommand('PING\r\n')
  const get = await rawCommand('*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n')
  await sleep(3000)
  const restartAt = load.elapsed()
  await Promise.all(cluster.nodes.map(async n => { await cluster.restart(n.port) }))

  // Back by itself: poll through slotgate until a write is acknowledged.
  const probe = plainClient(proxy.port)
  let recoveredAt = 0
  let lastProbeError = ''
  while (load.elapsed() - restartAt < 20_000) {
    try {
      await probe.set('probe', 'x')
      recoveredAt = load.elapsed()
      break
    } catch (err) {
      lastProbeError = (err as Error).message
      await sleep(100)
    }
  }
  probe.disconnect()
  await sleep(2000)
  const s = await load.stop()
  const direct = directClient(cluster.seeds())
  const lost = await findLostWrites(s, direct)
  direct.disconnect()

  t.comment(`killed all ${cluster.nodes.length} nodes at t=${Math.round(killAt)} ms, restarted at t=${Math.round(restartAt)} ms, first acknowledged write through slotgate ${Math.round(recoveredAt - restartAt)} ms after the restart (last error before: ${lastProbeError || 'none'})`)
  t.comment(`during the outage: PING -> ${ping.reply} in ${Math.round(ping.ms)} ms; GET -> ${get.reply} in ${Math.round(get.ms)} ms`)
  t.comment(describeLoad('slotgate', s, lost))
  const outage = s.errors.filter(e => e.at >= killAt && e.at < restartAt + 100)
  const kinds = new Map<string, number>()
  for (const e of outage) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1)
  t.comment(`errors during the outage by kind: ${JSON.stringify([...kinds])}`)
  t.comment(`dispatcher ${JSON.stringify(proxy.dispatcher.stats)}`)

  t.equal(ping.reply, '+PONG', 'slotgate is up: PING answered')
  t.ok(ping.ms < 200, `at once (${Math.round(ping.ms)} ms)`)
  t.match(get.reply, /^-CLUSTERDOWN /, 'a data command gets CLUSTERDOWN')
  t.ok(get.ms < DEADLINE_MS + 1000, `once the ${DEADLINE_MS} ms deadline has passed, not later (${Math.round(get.ms)} ms)`)
  t.ok(get.ms > DEADLINE_MS - 100, 'and not before: it waited for a node first')
  t.same(s.errors.filter(e => e.at < killAt), [], 'no error before the outage')
  t.same(outage.filter(e => e.kind !== 'clusterdown' && e.kind !== 'unknown-outcome').map(e => `${e.op}: ${e.message}`), [],
    'during the outage: CLUSTERDOWN, and "outcome unknown" for writes on the wire at the kill')
  t.ok(outage.filter(e => e.kind === 'unknown-outcome').every(e => e.at < killAt + 500), '"outcome unknown" only for commands in flight at the kill')
  t.ok(outage.filter(e => e.kind === 'clusterdown').length >= 4, 'every client got CLUSTERDOWN')
  // Between the kill and the restart every client got an answer at least once per deadline.
  const pausesInOutage = s.pauses.map(p => p.ms)
  t.ok(recoveredAt > 0, 'slotgate served again by itself')
  t.ok(recoveredAt - restartAt < 10_000, `within 10 s of the restart (${Math.round(recoveredAt - restartAt)} ms)`)
  t.ok(Math.max(...pausesInOutage) < Math.max(DEADLINE_MS + 1000, recoveredAt - restartAt + DEADLINE_MS + 1000),
    `no client hung (longest wait ${Math.round(Math.max(...pausesInOutage))} ms)`)
  t.same(s.errors.filter(e => e.at > recoveredAt + 500).map(e => `t=${Math.round(e.at)} ${e.op}: ${e.message}`), [], 'no error once it serves again')
  t.same(s.wrongReads, [], 'no wrong value')
  t.same(lost, [], 'every acknowledged write survived the outage (AOF, fsync always)')
  t.equal(proxy.topology.coveredSlots(), 16384, 'the slot map was kept through the outage')
})
