// The execution layer during a failover (issue 14): a MULTI block waits as one command (it is
// never split by the failover deadline: no bare SET, no "EXEC without MULTI"), and Pub/Sub
// state follows what the client asked last: an UNSUBSCRIBE sent while slotgate re-subscribes
// after the failover is not undone, and the re-subscription goes to the promoted master.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { Redis } from 'ioredis'
import { keySlot } from '../../src/cluster/key-slot.js'
import { LocalCluster } from '../harness/local-cluster.js'
import { HOST } from '../helpers/core-env.js'
import { cmd, eventually, RawConn } from '../helpers/raw-conn.js'
import { startProxy } from '../helpers/start-proxy.js'

const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000, extraConfig: ['cluster-require-full-coverage no'] })
t.teardown(async () => { await cluster.stop() })
const proxy = await startProxy(cluster.seeds(), { topologyRefreshIntervalMs: 1000 })
t.teardown(async () => { await proxy.close() })
const conns: RawConn[] = []
t.teardown(() => { for (const c of conns) c.destroy() })

async function raw (): Promise<RawConn> {
  const c = await RawConn.open(proxy.port)
  conns.push(c)
  return c
}

const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`
const message = (ch: string, m: string): string => `*3\r\n${bulk('message')}${bulk(ch)}${bulk(m)}`

/** A key (and channel) with `prefix` on the master at `port`. */
function keyOn (port: number, prefix: string): string {
  for (let i = 0; ; i++) {
    const k = `${prefix}${i}`
    if (proxy.topology.masterFor(keySlot(Buffer.from(k))) === `${HOST}:${port}`) return k
  }
}

async function nodeClient (port: number): Promise<Redis> {
  const r = new Redis({ host: HOST, port, lazyConnect: true, maxRetriesPerRequest: 0 })
  r.on('error', () => {})
  await r.connect()
  t.teardown(() => { r.disconnect() })
  return r
}

t.test('a MULTI block sent while its master fails over waits as one command and runs whole at the promoted replica', async t => {
  const victim = await cluster.masterPortForSlot(0)
  const tag = keyOn(victim, 'xf:tx:')
  const k = `{${tag}}v`
  const counter = `{${tag}}n`
  const c = await raw()
  t.equal(await c.call('SET', counter, '0'), '+OK\r\n')
  await cluster.kill(victim)
  // Sent at once, while the master is dead and not yet replaced.
  c.write(cmd('MULTI') + cmd('SET', k, 'v') + cmd('INCR', counter) + cmd('EXEC'))
  const replies = await c.read(4, 20_000)
  t.same(replies, ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '*2\r\n+OK\r\n:1\r\n'], 'MULTI, QUEUED, QUEUED, then the whole block\'s result')
  const promoted = await cluster.waitForFailover(victim)
  const n = await nodeClient(promoted)
  t.equal(await n.get(k), 'v')
  t.equal(await n.get(counter), '1', 'the block ran once')
  await cluster.restart(victim)
  await cluster.waitForRole(victim, 'replica')
})

t.test('UNSUBSCRIBE while slotgate re-subscribes after a failover is not undone; re-subscription goes to the promoted master', async t => {
  const victim = await cluster.masterPortForSlot(5500)
  const gone = keyOn(victim, 'xf:gone:')
  const kept = keyOn(victim, 'xf:kept:')
  const sub = await raw()
  sub.write(cmd('SUBSCRIBE', gone, kept))
  t.same(await sub.read(2), [`*3\r\n${bulk('subscribe')}${bulk(gone)}:1\r\n`, `*3\r\n${bulk('subscribe')}${bulk(kept)}:2\r\n`])
  await cluster.kill(victim)
  await sleep(50)
  // In the gap: the subscriptions' connection is lost, the re-subscription not yet made.
  sub.write(cmd('UNSUBSCRIBE', gone))
  t.same(await sub.read(1), [`*3\r\n${bulk('unsubscribe')}${bulk(gone)}:1\r\n`])
  const promoted = await cluster.waitForFailover(victim)
  const pub = await nodeClient(promoted)
  const seen: string[] = []
  const back = await eventually(async () => {
    await pub.publish(kept, 'probe')
    await pub.publish(gone, 'must-not-arrive')
    seen.push(...await sub.drain(100))
    return seen.includes(message(kept, 'probe'))
  }, 15_000, 150)
  t.ok(back, 'the kept channel receives again after the failover')
  await sleep(300)
  seen.push(...await sub.drain(100))
  t.same(seen.filter(f => f !== message(kept, 'probe')), [], 'nothing for the unsubscribed channel, no stray frame')
  const [, count] = await pub.call('PUBSUB', 'NUMSUB', kept) as [string, number]
  t.equal(count, 1, 'the re-subscription is on the promoted master (the channel\'s home now)')
  await cluster.restart(victim)
  await cluster.waitForRole(victim, 'replica')
})
