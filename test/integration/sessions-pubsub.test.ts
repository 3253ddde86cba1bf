// Pub/Sub through slotgate on a real 3-master cluster (issue 5, "Pub/Sub"): exact RESP2
// confirmation frames (checked against a standalone redis-server 7.0.15 byte for byte),
// messages published through slotgate and straight on the nodes, sharded Pub/Sub, PUBSUB
// introspection for the whole cluster, subscribed-mode rules, subscriptions that survive a
// failover and a slot move, and a slow subscriber cut off at the output limit.
import t from 'tap'
import { Redis } from 'ioredis'
import { startProxy } from '../helpers/start-proxy.js'
import { HOST, slotOf, startCoreEnv } from '../helpers/core-env.js'
import { startStandaloneRedis } from '../helpers/standalone-redis.js'
import { cmd, eventually, RawConn, RawConns, showFrames } from '../helpers/raw-conn.js'
import { retainedBytes } from '../helpers/retained-memory.js'

const env = await startCoreEnv({ cluster: { nodeTimeoutMs: 1000 } })
const standalone = await startStandaloneRedis()
const nodeClients: Redis[] = []
t.teardown(async () => {
  raws.destroyAll()
  for (const r of nodeClients) r.disconnect()
  await env.stop()
  await standalone.stop()
})
const port = env.proxy.port
const raws = new RawConns(port)
const raw = async (p = port): Promise<RawConn> => await raws.open(p)

/** A RESP2 client straight at one node. */
async function nodeClient (p: number): Promise<Redis> {
  const r = new Redis({ host: HOST, port: p, lazyConnect: true, protocol: 2, maxRetriesPerRequest: 1 })
  r.on('error', () => { /* a killed node */ })
  nodeClients.push(r)
  await r.connect()
  return r
}

async function currentMasters (): Promise<number[]> {
  const roles = await env.cluster.roles()
  return [...roles].filter(([, role]) => role === 'master').map(([p]) => p).sort((a, b) => a - b)
}

const bulk = (s: string): string => `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`
const frame = (kind: string, ch: string | null, n: number): string => `*3\r\n${bulk(kind)}${ch === null ? '$-1\r\n' : bulk(ch)}:${n}\r\n`
const message = (ch: string, payload: string): string => `*3\r\n${bulk('message')}${bulk(ch)}${bulk(payload)}`
const pmessage = (pattern: string, ch: string, payload: string): string => `*4\r\n${bulk('pmessage')}${bulk(pattern)}${bulk(ch)}${bulk(payload)}`
const smessage = (ch: string, payload: string): string => `*3\r\n${bulk('smessage')}${bulk(ch)}${bulk(payload)}`
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const SUBSCRIBED_ONLY = (name: string): string =>
  `-ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n`

/**
 * Runs `steps` (each: bytes to write, number of frames to read) on a fresh connection to
 * slotgate and to the standalone redis-server, and returns both transcripts.
 */
async function transcript (steps: Array<[string, number]>): Promise<{ slotgate: string[][], redis: string[][] }> {
  const out = { slotgate: [] as string[][], redis: [] as string[][] }
  for (const [name, p] of [['slotgate', port], ['redis', standalone.port]] as const) {
    const c = await raw(p)
    for (const [bytes, n] of steps) {
      c.write(bytes)
      out[name].push(n === 0 ? await c.drain(150) : await c.read(n, 3000).catch((e: Error) => [`<${e.message}>`]))
    }
    c.destroy()
  }
  return out
}

t.test('SUBSCRIBE / PSUBSCRIBE / UNSUBSCRIBE / PUNSUBSCRIBE confirmation frames, exactly as Redis', async t => {
  const steps: Array<[string, number]> = [
    [cmd('SUBSCRIBE', 'ps:a', 'ps:b'), 2],
    [cmd('PSUBSCRIBE', 'ps:p*'), 1],
    [cmd('SUBSCRIBE', 'ps:a'), 1],
    [cmd('UNSUBSCRIBE', 'ps:a'), 1],
    [cmd('PUNSUBSCRIBE', 'ps:p*'), 1],
    [cmd('UNSUBSCRIBE', 'ps:never'), 1],
    [cmd('UNSUBSCRIBE'), 1],
    [cmd('PING'), 1],
    [cmd('UNSUBSCRIBE'), 1],
    [cmd('PUNSUBSCRIBE'), 1],
    [cmd('SUNSUBSCRIBE'), 1],
    [cmd('UNSUBSCRIBE', 'x', 'y'), 2]
  ]
  const { slotgate, redis } = await transcript(steps)
  t.same(redis, [
    [frame('subscribe', 'ps:a', 1), frame('subscribe', 'ps:b', 2)],
    [frame('psubscribe', 'ps:p*', 3)],
    [frame('subscribe', 'ps:a', 3)],
    [frame('unsubscribe', 'ps:a', 2)],
    [frame('punsubscribe', 'ps:p*', 1)],
    [frame('unsubscribe', 'ps:never', 1)],
    [frame('unsubscribe', 'ps:b', 0)],
    ['+PONG\r\n'],
    [frame('unsubscribe', null, 0)],
    [frame('punsubscribe', null, 0)],
    [frame('sunsubscribe', null, 0)],
    [frame('unsubscribe', 'x', 0), frame('unsubscribe', 'y', 0)]
  ], 'the expected frames are what redis-server 7.0.15 sends')
  t.same(slotgate, redis, 'slotgate sends the same frames')
})

t.test('pipelined: replies and confirmation frames leave in request order', async t => {
  // One write holding several commands, as a client pipelining them sends it.
  const { slotgate, redis } = await transcript([
    [cmd('SUBSCRIBE', 'ps:pipe') + cmd('PING') + cmd('PING', 'hi') + cmd('GET', 'x') + cmd('UNSUBSCRIBE') + cmd('PING'), 6]
  ])
  t.same(redis[0], [
    frame('subscribe', 'ps:pipe', 1), '*2\r\n$4\r\npong\r\n$0\r\n\r\n', `*2\r\n$4\r\npong\r\n${bulk('hi')}`,
    SUBSCRIBED_ONLY('get'), frame('unsubscribe', 'ps:pipe', 0), '+PONG\r\n'
  ])
  t.same(slotgate[0], redis[0], `slotgate: ${showFrames(slotgate[0])}`)

  const two = await transcript([[cmd('SUBSCRIBE', 'ps:pipe2') + cmd('PING'), 2]])
  t.same(two.slotgate[0], two.redis[0], 'SUBSCRIBE then PING in one write: the confirmation comes first')
})

t.test('subscribed mode (RESP2): PING answers a pong frame, other commands the Redis error, RESET leaves it', async t => {
  const { slotgate, redis } = await transcript([
    [cmd('SUBSCRIBE', 'ps:mode'), 1],
    [cmd('PING'), 1],
    [cmd('PING', 'payload'), 1],
    [cmd('GET', 'k'), 1],
    [cmd('SET', 'k', 'v'), 1],
    [cmd('PUBLISH', 'ps:mode', 'x'), 1],
    [cmd('CLIENT', 'ID'), 1],
    [cmd('RESET'), 1],
    [cmd('PING'), 1],
    [cmd('GET', 'ps:mode:nokey'), 1]
  ])
  t.same(redis, [
    [frame('subscribe', 'ps:mode', 1)],
    ['*2\r\n$4\r\npong\r\n$0\r\n\r\n'],
    [`*2\r\n$4\r\npong\r\n${bulk('payload')}`],
    [SUBSCRIBED_ONLY('get')],
    [SUBSCRIBED_ONLY('set')],
    [SUBSCRIBED_ONLY('publish')],
    [SUBSCRIBED_ONLY('client|id')],
    ['+RESET\r\n'],
    ['+PONG\r\n'],
    ['$-1\r\n']
  ])
  t.same(slotgate, redis)

  // After RESET the old subscription is gone: a message to it does not arrive.
  const c = await raw()
  c.write(cmd('SUBSCRIBE', 'ps:reset'))
  t.same(await c.read(1), [frame('subscribe', 'ps:reset', 1)])
  t.equal(await c.call('RESET'), '+RESET\r\n')
  const pub = await env.legacyClient({ protocol: 2 })
  await pub.publish('ps:reset', 'after-reset')
  t.same(await c.drain(200), [], 'no message after RESET')
  // QUIT is allowed in subscribed mode.
  c.write(cmd('SUBSCRIBE', 'ps:reset'))
  t.same(await c.read(1), [frame('subscribe', 'ps:reset', 1)])
  t.equal(await c.call('QUIT'), '+OK\r\n')
  t.ok(await c.waitClosed(2000), 'QUIT closes the subscriber')
})

t.test('messages published through slotgate and straight on every node reach the subscriber, bytes untouched', async t => {
  const c = await raw()
  c.write(cmd('SUBSCRIBE', 'ps:msg') + cmd('PSUBSCRIBE', 'ps:pat:*'))
  t.same(await c.read(2), [frame('subscribe', 'ps:msg', 1), frame('psubscribe', 'ps:pat:*', 2)])
  const pub = await env.legacyClient({ protocol: 2 })
  await pub.publish('ps:msg', 'through-slotgate')
  await pub.publish('ps:pat:1', 'pattern-hit')
  t.same(await c.read(2), [message('ps:msg', 'through-slotgate'), pmessage('ps:pat:*', 'ps:pat:1', 'pattern-hit')])

  // PUBLISH on any node of the cluster, masters and replicas, reaches every subscriber.
  const roles = await env.cluster.roles()
  const ports = [...roles.keys()].sort((a, b) => a - b)
  for (const p of ports) {
    const node = await nodeClient(p)
    await node.publish('ps:msg', `from-${p}`)
    t.same(await c.read(1), [message('ps:msg', `from-${p}`)], `published on ${roles.get(p) ?? '?'} ${p}`)
  }

  const binary = Buffer.from([0x00, 0x0d, 0x0a, 0xff, 0x2a, 0x24, 0x2d, 0x31, 0x0d, 0x0a]).toString('latin1')
  await pub.publish('ps:msg', Buffer.from(binary, 'latin1'))
  t.same(await c.read(1), [message('ps:msg', binary)], 'binary payload with CR LF and RESP type bytes')
  const big = 'x'.repeat(1024 * 1024)
  await pub.publish('ps:msg', big)
  t.same(await c.read(1), [message('ps:msg', big)], '1 MiB payload intact')

  // ioredis (RESP2) as the subscriber.
  const sub = await env.legacyClient({ protocol: 2 })
  const got: string[] = []
  sub.on('message', (ch: string, m: string) => { got.push(`${ch}=${m}`) })
  sub.on('pmessage', (pat: string, ch: string, m: string) => { got.push(`${pat}|${ch}=${m}`) })
  t.equal(await sub.subscribe('ps:io:a', 'ps:io:b'), 2)
  t.equal(await sub.psubscribe('ps:io:p*'), 3)
  for (let i = 0; i < 10; i++) await pub.publish(i % 2 === 0 ? 'ps:io:a' : 'ps:io:b', `m${i}`)
  await pub.publish('ps:io:pz', 'pm')
  t.ok(await eventually(() => got.length === 11, 2000))
  // Each channel lives on its home master: one channel's messages keep their order; two
  // channels with different homes may interleave differently than on one node.
  t.same(got.filter(m => m.startsWith('ps:io:a=')), ['ps:io:a=m0', 'ps:io:a=m2', 'ps:io:a=m4', 'ps:io:a=m6', 'ps:io:a=m8'], 'ps:io:a: every message once, in publish order')
  t.same(got.filter(m => m.startsWith('ps:io:b=')), ['ps:io:b=m1', 'ps:io:b=m3', 'ps:io:b=m5', 'ps:io:b=m7', 'ps:io:b=m9'], 'ps:io:b: every message once, in publish order')
  t.same(got.filter(m => m.includes('|')), ['ps:io:p*|ps:io:pz=pm'], 'the pattern match once')
})

t.test('SSUBSCRIBE / SPUBLISH / SUNSUBSCRIBE (sharded Pub/Sub) on one shard', async t => {
  const [m1] = env.masters
  const chA = env.keyOn(m1, 'ps:shard:a:')
  const chA2 = `{${chA}}2`
  const c = await raw()
  c.write(cmd('SSUBSCRIBE', chA, chA2))
  t.same(await c.read(2), [frame('ssubscribe', chA, 1), frame('ssubscribe', chA2, 2)])
  const pub = await env.legacyClient({ protocol: 2 })
  t.equal(await pub.call('SPUBLISH', chA, 'via-slotgate'), 1, 'SPUBLISH through slotgate reaches the shard: 1 receiver')
  t.same(await c.read(1), [smessage(chA, 'via-slotgate')])
  const owner = await nodeClient(m1)
  await owner.call('SPUBLISH', chA2, 'on-the-node')
  t.same(await c.read(1), [smessage(chA2, 'on-the-node')], 'SPUBLISH straight on the shard master')
  c.write(cmd('SUNSUBSCRIBE', chA))
  t.same(await c.read(1), [frame('sunsubscribe', chA, 1)])
  await pub.call('SPUBLISH', chA, 'after-sunsubscribe')
  await pub.call('SPUBLISH', chA2, 'still')
  t.same(await c.read(1), [smessage(chA2, 'still')], 'only the channel still subscribed delivers')
  c.write(cmd('SUNSUBSCRIBE'))
  t.same(await c.read(1), [frame('sunsubscribe', chA2, 0)])
  t.equal(await c.call('GET', 'ps:shard:nokey'), '$-1\r\n', 'out of subscribed mode')
  t.same(await c.drain(100), [])
})

t.test('sharded subscriptions on two shards look like one node\'s: counts and SUNSUBSCRIBE frames', async t => {
  const [m1, m2] = env.masters
  const chA = env.keyOn(m1, 'ps:two:a:')
  const chB = env.keyOn(m2, 'ps:two:b:')
  const c = await raw()
  c.write(cmd('SSUBSCRIBE', chA))
  t.same(await c.read(1), [frame('ssubscribe', chA, 1)])
  c.write(cmd('SSUBSCRIBE', chB))
  // One node counts the connection's shard channels: this is the second. Clients (ioredis,
  // node-redis) leave subscribed mode when an unsubscribe frame says 0.
  t.same(await c.read(1), [frame('ssubscribe', chB, 2)], 'second shard channel: count 2')
  const pub = await env.legacyClient({ protocol: 2 })
  await pub.call('SPUBLISH', chA, 'a1')
  await pub.call('SPUBLISH', chB, 'b1')
  t.same(await c.read(2), [smessage(chA, 'a1'), smessage(chB, 'b1')], 'both shards deliver')
  c.write(cmd('SUNSUBSCRIBE', chA))
  t.same(await c.read(1), [frame('sunsubscribe', chA, 1)], 'one shard channel left: count 1, not 0')
  c.write(cmd('SUNSUBSCRIBE'))
  t.same(await c.drain(300), [frame('sunsubscribe', chB, 0)], 'SUNSUBSCRIBE (all): one frame for the one channel left, nothing for the shard that has none')
})

t.test('in subscribed mode, a cross-slot SSUBSCRIBE gets CROSSSLOT, as a cluster node checks slots first', async t => {
  const c = await raw()
  const [m1, m2] = env.masters
  const chA = env.keyOn(m1, 'ps:x:a:')
  const chB = env.keyOn(m2, 'ps:x:b:')
  t.equal(await c.call('SSUBSCRIBE', chA, chB), '-CROSSSLOT Keys in request don\'t hash to the same slot\r\n', 'not subscribed yet')
  c.write(cmd('SUBSCRIBE', 'ps:x'))
  t.same(await c.read(1), [frame('subscribe', 'ps:x', 1)])
  t.equal(await c.call('SSUBSCRIBE', chA, chB), '-CROSSSLOT Keys in request don\'t hash to the same slot\r\n', 'subscribed')
})

t.test('PUBSUB CHANNELS / NUMSUB / NUMPAT / SHARDCHANNELS / SHARDNUMSUB answer for the whole cluster', async t => {
  // Subscribers through slotgate (their connections land on different masters) and one
  // straight on a node: every one of them counts.
  // NUMPAT has no filter: count from before this test's patterns (other tests' subscribers
  // may still be connected).
  const numpat = Number(/^:(\d+)/.exec(await (await raw()).call('PUBSUB', 'NUMPAT'))?.[1])
  const subs = await Promise.all([0, 1, 2, 3, 4, 5].map(async () => await raw()))
  for (const [i, s] of subs.entries()) {
    s.write(cmd('SUBSCRIBE', 'intro:shared', `intro:own:${i}`))
    t.same(await s.read(2), [frame('subscribe', 'intro:shared', 1), frame('subscribe', `intro:own:${i}`, 2)])
  }
  subs[0].write(cmd('PSUBSCRIBE', 'intro:pat:a*'))
  subs[1].write(cmd('PSUBSCRIBE', 'intro:pat:b*'))
  t.same(await subs[0].read(1), [frame('psubscribe', 'intro:pat:a*', 3)])
  t.same(await subs[1].read(1), [frame('psubscribe', 'intro:pat:b*', 3)])
  const masters = await currentMasters()
  // slotgate's subscribers of a channel all sit on its home master (so PUBLISH counts them
  // as one node would); a direct subscriber on another master makes the merge matter.
  const home = await env.cluster.masterPortForSlot(slotOf('intro:shared'))
  const direct = await nodeClient(masters.find(m => m !== home) as number)
  await direct.subscribe('intro:shared', 'intro:direct')
  const holding = new Map<number, number>()
  for (const m of masters) {
    const n = await (await nodeClient(m)).call('PUBSUB', 'NUMSUB', 'intro:shared') as [string, number]
    if (n[1] > 0) holding.set(m, n[1])
  }
  t.same([...holding].sort((a, b) => a[0] - b[0]), [[home, 6], [masters.find(m => m !== home) as number, 1]].sort((a, b) => a[0] - b[0]),
    'the six slotgate subscribers on the channel\'s home master, the direct one elsewhere')

  const shardA = env.keyOn(env.masters[0], 'intro:shard:a:')
  const shardB = env.keyOn(env.masters[1], 'intro:shard:b:')
  const ss = await raw()
  ss.write(cmd('SSUBSCRIBE', shardA))
  await ss.read(1)
  const ss2 = await raw()
  ss2.write(cmd('SSUBSCRIBE', shardB))
  await ss2.read(1)
  const ss3 = await raw()
  ss3.write(cmd('SSUBSCRIBE', shardB))
  await ss3.read(1)

  const c = await raw()
  const channels = (await c.call('PUBSUB', 'CHANNELS', 'intro:*'))
  const names = [...channels.matchAll(/\$\d+\r\n([^\r]*)\r\n/g)].map(m => m[1]).sort()
  t.same(names, ['intro:direct', 'intro:own:0', 'intro:own:1', 'intro:own:2', 'intro:own:3', 'intro:own:4', 'intro:own:5', 'intro:shared'],
    'PUBSUB CHANNELS: every channel once, whichever node holds it')
  t.match(channels, /^\*8\r\n/)
  t.equal(await c.call('PUBSUB', 'NUMSUB', 'intro:shared', 'intro:direct', 'intro:own:3', 'intro:none'),
    `*8\r\n${bulk('intro:shared')}:7\r\n${bulk('intro:direct')}:1\r\n${bulk('intro:own:3')}:1\r\n${bulk('intro:none')}:0\r\n`,
    'PUBSUB NUMSUB: counts summed over the cluster, channels in request order')
  t.equal(await c.call('PUBSUB', 'NUMSUB'), '*0\r\n')
  t.equal(await c.call('PUBSUB', 'NUMPAT'), `:${numpat + 2}\r\n`, 'PUBSUB NUMPAT: both patterns')
  const shardChannels = await c.call('PUBSUB', 'SHARDCHANNELS', 'intro:shard:*')
  t.same([...shardChannels.matchAll(/\$\d+\r\n([^\r]*)\r\n/g)].map(m => m[1]).sort(), [shardA, shardB].sort())
  t.equal(await c.call('PUBSUB', 'SHARDNUMSUB', shardA, shardB, 'intro:shard:none'),
    `*6\r\n${bulk(shardA)}:1\r\n${bulk(shardB)}:2\r\n${bulk('intro:shard:none')}:0\r\n`)
  await direct.unsubscribe()
  for (const s of [...subs, ss, ss2, ss3]) s.destroy()
  t.ok(await eventually(async () => await c.call('PUBSUB', 'NUMSUB', 'intro:shared') === `*2\r\n${bulk('intro:shared')}:0\r\n`, 2000),
    'subscribers that left are no longer counted (their node connections were closed)')
})

t.test('a slow subscriber is disconnected at pubsubOutputLimitBytes while slotgate\'s memory stays bounded', async t => {
  const limit = 256 * 1024
  const proxy = await startProxy(env.cluster.seeds(), { pubsubOutputLimitBytes: limit })
  const slow = await raw(proxy.port)
  const fast = await raw(proxy.port)
  t.teardown(async () => { slow.destroy(); fast.destroy(); await proxy.close() })
  slow.write(cmd('SUBSCRIBE', 'slow:ch'))
  t.same(await slow.read(1), [frame('subscribe', 'slow:ch', 1)])
  fast.write(cmd('SUBSCRIBE', 'slow:small'))
  t.same(await fast.read(1), [frame('subscribe', 'slow:small', 1)])
  t.equal(proxy.server.clientCount, 2)
  slow.socket.pause() // never reads again: the kernel buffers fill, then slotgate's

  const publisher = await nodeClient((await currentMasters())[0])
  const payload = Buffer.alloc(256 * 1024, 0x61)
  const total = 384 // 96 MiB in all
  const retainedBefore = await retainedBytes()
  const rssBefore = process.memoryUsage().rss
  let rssMax = rssBefore
  const sampler = setInterval(() => { rssMax = Math.max(rssMax, process.memoryUsage().rss) }, 10)
  let publishedWhenCut = -1
  let published = 0
  while (published < total) {
    const p = publisher.pipeline()
    for (let j = 0; j < 8; j++) p.publish('slow:ch', payload)
    await p.exec()
    published += 8
    if (publishedWhenCut < 0 && proxy.server.clientCount < 2) publishedWhenCut = published
    // Past the cut slotgate no longer receives this channel; 8 MiB more show it stays so.
    if (publishedWhenCut > 0 && published >= publishedWhenCut + 32) break
  }
  await eventually(() => proxy.server.clientCount < 2, 2000)
  if (publishedWhenCut < 0 && proxy.server.clientCount < 2) publishedWhenCut = total
  clearInterval(sampler)
  const retainedMiB = (await retainedBytes() - retainedBefore) / 1024 / 1024
  const growthMiB = (rssMax - rssBefore) / 1024 / 1024
  t.comment(`slow subscriber cut after ${publishedWhenCut} of ${total} messages of 256 KiB; RSS growth ${growthMiB.toFixed(1)} MiB (garbage included), retained ${retainedMiB.toFixed(1)} MiB`)
  t.equal(proxy.server.clientCount, 1, 'the slow subscriber was disconnected, the other one was not')
  t.ok(publishedWhenCut > 0 && publishedWhenCut <= 64, `cut off within the first 16 MiB published (after ${publishedWhenCut} messages)`)
  // Had slotgate kept feeding the slow subscriber's backlog, it would hold most of the 96 MiB
  // (114 MiB retained with the limit raised 4096-fold). Peak RSS counts uncollected garbage
  // too, which is the runtime's choice (it reached 48 MiB on Node 24 for 0.2 MiB retained).
  t.ok(retainedMiB < 4, `${retainedMiB.toFixed(1)} MiB still held once ${published / 4} MiB were published to the slow subscriber`)

  // The well-behaved subscriber on the same slotgate is unaffected.
  await publisher.publish('slow:small', 'still-here')
  t.same(await fast.read(1), [message('slow:small', 'still-here')])
  slow.socket.resume()
  t.ok(await slow.waitClosed(3000), 'the slow subscriber\'s connection ends once it reads again')
  t.ok(slow.received < 40 * 1024 * 1024, `it got ${(slow.received / 1024 / 1024).toFixed(1)} MiB, not everything`)
})

t.test('a sharded subscription follows its slot when the slot moves', async t => {
  const ch = env.keyOn(env.masters[2], 'ps:moving:')
  const slot = slotOf(ch)
  const from = await env.cluster.masterPortForSlot(slot)
  const to = (await currentMasters()).find(p => p !== from) as number
  const c = await raw()
  c.write(cmd('SSUBSCRIBE', ch))
  t.same(await c.read(1), [frame('ssubscribe', ch, 1)])
  await env.cluster.moveSlot(slot, to)
  // No command through slotgate touches the slot: slotgate learns the move from the
  // node's sunsubscribe. Publish straight on the new owner until it arrives.
  const owner = await nodeClient(to)
  let n = 0
  const seen: string[] = []
  const arrived = await eventually(async () => {
    await owner.call('SPUBLISH', ch, `probe-${n++}`)
    seen.push(...await c.drain(100))
    return seen.some(f => f.startsWith('*3\r\n$8\r\nsmessage'))
  }, 5000, 100)
  t.ok(arrived, `SPUBLISH on the new owner reaches the subscriber within 5 s (after ${n} tries)`)
  t.same(seen.filter(f => !f.startsWith('*3\r\n$8\r\nsmessage')), [], 'the client saw nothing but messages while slotgate followed the slot')
  const pub = await env.legacyClient({ protocol: 2 })
  for (let i = 0; i < 5; i++) await pub.call('SPUBLISH', ch, `after-${i}`)
  t.same(await c.read(5, 3000).catch((e: Error) => [e.message]), [0, 1, 2, 3, 4].map(i => smessage(ch, `after-${i}`)),
    'every message after the move, in order, and no stray frame (no sunsubscribe, no error, no second confirmation)')
  t.same(await c.drain(200), [])
})

t.test('classic and sharded subscribers keep receiving across a failover of the master under them', async t => {
  // The subscriber's classic connection sits on one master; find it from the node side.
  const c = await raw()
  c.write(cmd('SUBSCRIBE', 'fo:classic') + cmd('PSUBSCRIBE', 'fo:pat:*'))
  t.same(await c.read(2), [frame('subscribe', 'fo:classic', 1), frame('psubscribe', 'fo:pat:*', 2)])
  const masters = await currentMasters()
  let victim = -1
  for (const m of masters) {
    const [, n] = await (await nodeClient(m)).call('PUBSUB', 'NUMSUB', 'fo:classic') as [string, number]
    if (n === 1) victim = m
  }
  t.not(victim, -1, 'found the master holding the classic subscription')
  // A shard channel on the same master, on a second connection.
  const ch = env.keyOn(victim, 'fo:shard:')
  t.equal(await env.cluster.masterPortForSlot(slotOf(ch)), victim)
  const s = await raw()
  s.write(cmd('SSUBSCRIBE', ch))
  t.same(await s.read(1), [frame('ssubscribe', ch, 1)])

  await env.cluster.kill(victim)
  const promoted = await env.cluster.waitForFailover(victim)
  t.not(promoted, victim)
  const survivor = await nodeClient(promoted)
  // Until slotgate has subscribed again, messages may be lost (as with any reconnect): probe.
  const seenC: string[] = []
  const seenS: string[] = []
  const classicBack = await eventually(async () => {
    await survivor.publish('fo:classic', 'probe')
    seenC.push(...await c.drain(100))
    return seenC.some(f => f === message('fo:classic', 'probe'))
  }, 8000, 100)
  t.ok(classicBack, 'the classic subscriber receives again after the failover')
  const shardBack = await eventually(async () => {
    await survivor.call('SPUBLISH', ch, 'probe')
    seenS.push(...await s.drain(100))
    return seenS.some(f => f === smessage(ch, 'probe'))
  }, 8000, 100)
  t.ok(shardBack, 'the sharded subscriber receives again after the failover')
  await sleep(300)
  seenC.push(...await c.drain(100))
  seenS.push(...await s.drain(100))
  t.same(seenC.filter(f => f !== message('fo:classic', 'probe')), [], 'the classic subscriber saw only messages during recovery (no confirmation frames, no errors)')
  t.same(seenS.filter(f => f !== smessage(ch, 'probe')), [], 'the sharded subscriber saw only messages during recovery')

  // From now on: every message, in order, and nothing else (no second confirmation frame).
  const pub = await env.legacyClient({ protocol: 2 })
  for (let i = 0; i < 10; i++) {
    await pub.publish('fo:classic', `c${i}`)
    await pub.publish('fo:pat:x', `p${i}`)
    await pub.call('SPUBLISH', ch, `s${i}`)
  }
  const expectedClassic: string[] = []
  for (let i = 0; i < 10; i++) expectedClassic.push(message('fo:classic', `c${i}`), pmessage('fo:pat:*', 'fo:pat:x', `p${i}`))
  t.same(await c.read(20).catch((e: Error) => [e.message]), expectedClassic)
  t.same(await s.read(10).catch((e: Error) => [e.message]), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(i => smessage(ch, `s${i}`)))
  t.same(await c.drain(200), [], 'no duplicate confirmation or stray frame on the classic subscriber')
  t.same(await s.drain(0), [], 'none on the sharded subscriber')
  t.notOk(c.closed || s.closed, 'neither connection was closed')
})
