// Probes and drain, against a real 3-master cluster: SIGTERM under load on the built CLI
// ends with every command slotgate accepted answered (checked against the cluster) and exit
// code 0; the grace period and a second signal cut the drain short; /readyz turns 503 when
// the whole cluster goes down and 200 when it comes back.
import net from 'node:net'
import t from 'tap'
import { Redis } from 'ioredis'
import { keySlot } from '../../src/cluster/key-slot.js'
import { LocalCluster } from '../harness/local-cluster.js'
import { nodeCommand } from '../harness/node-command.js'
import { eventually, httpGet } from '../helpers/metrics-scrape.js'
import { SlotgateCli } from '../helpers/slotgate-cli.js'
import { startProxy } from '../helpers/start-proxy.js'

const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000 })
t.teardown(async () => { await cluster.stop() })
const seeds = cluster.seeds().join(',')
const roles = await cluster.roles()
const masters = [...roles].filter(([, r]) => r === 'master').map(([p]) => p).sort((a, b) => a - b)

async function ownerOf (key: string): Promise<number> {
  return await cluster.masterPortForSlot(keySlot(Buffer.from(key)))
}

/** A key `${prefix}N` on the master at `port`. */
async function keyOn (port: number, prefix: string): Promise<string> {
  for (let i = 0; ; i++) if (await ownerOf(`${prefix}${i}`) === port) return `${prefix}${i}`
}

/** A plain client that never retries or reconnects: what it saw is exactly what slotgate did. */
function plainClient (port: number): Redis {
  const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, reconnectOnError: () => false, lazyConnect: true })
  client.on('error', () => { /* seen through the commands that fail */ })
  return client
}

async function refused (port: number): Promise<boolean> {
  return await new Promise(resolve => {
    const s = net.connect(port, '127.0.0.1')
    s.on('connect', () => { s.destroy(); resolve(false) })
    s.on('error', () => { resolve(true) })
  })
}

t.test('SIGTERM under load: every accepted command is answered, then exit 0', async t => {
  const cli = await SlotgateCli.start(['--seeds', seeds, '--drain-grace-ms', '10000', '--log-level', 'info'])
  t.teardown(() => { cli.kill() })
  const stalled = masters[0]
  const keys = await Promise.all(Array.from({ length: 12 }, async (_, i) => await keyOn(masters[i % 3], `drain${i}:`)))
  const clients = keys.map(() => plainClient(cli.port))
  await Promise.all(clients.map(async c => { await c.connect() }))
  const seen: number[][] = keys.map(() => [])
  const errors: string[] = []
  let stop = false
  let signalledAt = 0
  let answeredAfterSignal = 0
  // Each client pipelines INCRs of its own key in batches of 8 until its connection ends.
  const loops = clients.map(async (c, i) => {
    while (!stop) {
      const batch = Array.from({ length: 8 }, async () => {
        try {
          seen[i].push(await c.incr(keys[i]))
          if (signalledAt > 0) answeredAfterSignal++
        } catch (err) {
          errors.push((err as Error).message)
          stop = stop || c.status === 'end'
        }
      })
      await Promise.all(batch)
      if (c.status === 'end') return
    }
  })
  await new Promise(resolve => setTimeout(resolve, 400))
  // Freeze one master so that its clients have commands in flight during the drain.
  await cluster.pause(stalled)
  await new Promise(resolve => setTimeout(resolve, 50))
  signalledAt = Date.now()
  cli.signal('SIGTERM')
  await eventually('/readyz 503 while draining', 2000, async () => {
    const r = await httpGet(cli.httpPort, '/readyz')
    return r.status === 503 && r.body === 'not ready: draining: slotgate is shutting down\n'
  })
  t.ok(await refused(cli.port), 'new clients are refused')
  t.equal(cli.child.exitCode, null, 'still draining while a node holds commands')
  await new Promise(resolve => setTimeout(resolve, 300))
  await cluster.resume(stalled)
  t.equal(await cli.exited, 0, 'exit code 0')
  stop = true
  await Promise.all(loops)
  for (const c of clients) c.disconnect()

  t.ok(answeredAfterSignal > 0, `${answeredAfterSignal} commands in flight at SIGTERM were answered`)
  t.ok(errors.every(e => /Connection is closed|Stream isn't writeable/.test(e)), `clients saw only the connection end: ${[...new Set(errors)].join(' | ')}`)
  for (let i = 0; i < keys.length; i++) {
    const n = seen[i].length
    t.same([...seen[i]].sort((a, b) => a - b), Array.from({ length: n }, (_, j) => j + 1), `${keys[i]}: replies 1..${n}, none lost or repeated`)
    const stored = Number(await nodeCommand('127.0.0.1', await ownerOf(keys[i]), 'GET', keys[i]))
    t.equal(stored, n, `${keys[i]}: the cluster holds ${stored}, the client was answered ${n} times`)
  }
  const drained = cli.logs().find(l => l.msg === 'drained: every command answered')
  t.ok(drained !== undefined && drained.cut === 0, 'the log says nothing was cut')
})

t.test('SIGINT drains too; the grace period ends a drain that cannot finish', async t => {
  const cli = await SlotgateCli.start(['--seeds', seeds, '--drain-grace-ms', '400'])
  t.teardown(async () => { cli.kill(); await cluster.resume(masters[1]) })
  const client = plainClient(cli.port)
  await client.connect()
  const key = await keyOn(masters[1], 'grace:')
  await cluster.pause(masters[1])
  const stuck = client.get(key).then(() => 'answered', (err: Error) => err.message)
  await new Promise(resolve => setTimeout(resolve, 50))
  const began = Date.now()
  cli.signal('SIGINT')
  t.equal(await cli.exited, 0)
  const took = Date.now() - began
  t.ok(took >= 400 && took < 2000, `exited ${took} ms after SIGINT (grace 400 ms)`)
  t.match(await stuck, /Connection is closed/)
  const cut = cli.logs().find(l => l.msg === 'grace period over: closed clients with commands still in flight')
  t.equal(cut?.cut, 1, 'one client was cut')
  await cluster.resume(masters[1])
  client.disconnect()
})

t.test('a second signal ends the drain at once', async t => {
  const cli = await SlotgateCli.start(['--seeds', seeds, '--drain-grace-ms', '20000'])
  t.teardown(async () => { cli.kill(); await cluster.resume(masters[2]) })
  const client = plainClient(cli.port)
  await client.connect()
  await cluster.pause(masters[2])
  void client.get(await keyOn(masters[2], 'second:')).catch(() => undefined)
  await new Promise(resolve => setTimeout(resolve, 50))
  cli.signal('SIGTERM')
  await new Promise(resolve => setTimeout(resolve, 200))
  t.equal(cli.child.exitCode, null, 'draining')
  const began = Date.now()
  cli.signal('SIGTERM')
  t.equal(await cli.exited, 1)
  t.ok(Date.now() - began < 1000, 'at once')
  await cluster.resume(masters[2])
  client.disconnect()
})

t.test('/readyz stays 200 while a master is killed and its replica takes over: a sidecar keeps its application in service', async t => {
  const proxy = await startProxy(cluster.seeds(), { metricsEnabled: true, metricsPort: 0 })
  t.teardown(async () => { await proxy.close() })
  const port = proxy.httpPort as number
  await eventually('/readyz 200 at start', 5000, async () => (await httpGet(port, '/readyz')).status === 200)
  const victim = masters[0]
  const slot = keySlot(Buffer.from(await keyOn(victim, 'ready:kill:')))
  await cluster.kill(victim)
  const statuses: number[] = []
  const started = Date.now()
  let promoted = ''
  while (Date.now() - started < 30_000) {
    statuses.push((await httpGet(port, '/readyz')).status)
    const owner = proxy.topology.masterFor(slot)
    if (owner !== undefined && owner !== `127.0.0.1:${victim}`) { promoted = owner; break }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  t.ok(promoted !== '', `slotgate follows the failover to ${promoted} after ${Date.now() - started} ms`)
  t.ok(statuses.length >= 10, `${statuses.length} probes while the master was down`)
  t.same(statuses.filter(s => s !== 200), [], 'every probe answered 200')
  await cluster.restart(victim)
  await cluster.waitForClusterOk(30_000)
})

t.test('/readyz: 503 with the reason once the cluster has been down past the failover deadline, 200 once it is back; /healthz stays 200', async t => {
  const proxy = await startProxy(cluster.seeds(), { metricsEnabled: true, metricsPort: 0, failoverDeadlineMs: 1500 })
  t.teardown(async () => { await proxy.close() })
  const port = proxy.httpPort as number
  await eventually('/readyz 200 at start', 5000, async () => (await httpGet(port, '/readyz')).status === 200)
  const ports = cluster.nodes.map(n => n.port)
  await Promise.all(ports.map(async p => { await cluster.kill(p) }))
  await eventually('/readyz 503', 10_000, async () => (await httpGet(port, '/readyz')).status === 503)
  // Each master's downtime counts from the probe that first saw it down, and the three links
  // may be seen closing in different probes: the first 503 can name two masters (10923 slots,
  // already over 50%) before the third is past the deadline too.
  const reason = /^not ready: (\d+) of 16384 hash slots cannot be served for longer than the failover deadline \(1500 ms; readinessMaxUnservablePercent 50\): 127\.0\.0\.1:\d+ is (unreachable|connecting|flagged failed)/
  const first = reason.exec((await httpGet(port, '/readyz')).body)
  t.ok(first !== null && Number(first[1]) > 8192, `the first 503 names over half the slots: ${first?.[0] ?? 'no reason'}`)
  let down = ''
  await eventually('/readyz names every slot', 5000, async () => (down = (await httpGet(port, '/readyz')).body).startsWith('not ready: 16384 of 16384 '))
  t.match(down, reason)
  t.equal((await httpGet(port, '/healthz')).status, 200)
  await Promise.all(ports.map(async p => { await cluster.restart(p) }))
  await cluster.waitForClusterOk(30_000)
  await eventually('/readyz 200 again', 30_000, async () => (await httpGet(port, '/readyz')).status === 200)
  t.equal((await httpGet(port, '/readyz')).body, 'ready\n')
})
