// Blocking commands through slotgate on a real 3-master cluster (issue 5, "Blocking
// commands"): each waits on a dedicated connection from a bounded pool, so 50 blocked
// clients do not slow 50 busy ones; pushes serve each waiter exactly once; a client that
// leaves while blocked frees its connection at once and consumes nothing; BLMOVE, BZPOPMIN,
// XREAD BLOCK, XREADGROUP BLOCK; and the clear error past maxDedicatedLinks.
import t from 'tap'
import { Redis } from 'ioredis'
import { ReplyStrings } from '../../src/resp/reply-strings.js'
import { startProxy } from '../helpers/start-proxy.js'
import { HOST, slotOf, startCoreEnv } from '../helpers/core-env.js'
import { cmd, eventually, RawConn } from '../helpers/raw-conn.js'

const env = await startCoreEnv({ cluster: { nodeTimeoutMs: 1000 } })
const port = env.proxy.port
const conns: RawConn[] = []
// Clients first: slotgate's close() waits for every client connection to end.
t.teardown(async () => { for (const c of conns) c.destroy(); await env.stop() })

async function raw (p = port): Promise<RawConn> {
  const c = await RawConn.open(p)
  conns.push(c)
  return c
}

// The blocking pool is not on the Slotgate object; every session holds it in its context.
// A connection kept open for the whole file makes sure there is a session to ask.
const keeper = await raw()
t.equal(await keeper.call('PING'), '+PONG\r\n')
function blockingActive (proxy = env.proxy): number {
  return proxy.blocking.active
}
/** Pooled connections in use now minus when called: one test's own count. */
function counter (proxy = env.proxy): () => number {
  const base = blockingActive(proxy)
  return () => blockingActive(proxy) - base
}

/** `blocked_clients` summed over the masters, straight from the nodes. */
async function nodeBlockedClients (): Promise<number> {
  let total = 0
  for (const m of await currentMasters()) {
    const r = new Redis({ host: HOST, port: m, lazyConnect: true, protocol: 2 })
    await r.connect()
    const info = await r.info('clients')
    r.disconnect()
    total += Number(/blocked_clients:(\d+)/.exec(info)?.[1] ?? NaN)
  }
  return total
}

async function currentMasters (): Promise<number[]> {
  const roles = await env.cluster.roles()
  return [...roles].filter(([, role]) => role === 'master').map(([p]) => p)
}

const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`
const popReply = (k: string, v: string): string => `*2\r\n${bulk(k)}${bulk(v)}`
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

function percentile (values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
}

/** 50 clients in GET/SET loops for `ms`; per-command latencies in ms. */
async function getSetLoad (clients: Redis[], ms: number, prefix: string): Promise<{ latencies: number[], errors: string[] }> {
  const latencies: number[] = []
  const errors: string[] = []
  const until = Date.now() + ms
  await Promise.all(clients.map(async (r, i) => {
    for (let n = 0; Date.now() < until; n++) {
      const k = `${prefix}:${i}:${n % 20}`
      let t0 = performance.now()
      try {
        await r.set(k, String(n))
        latencies.push(performance.now() - t0)
        t0 = performance.now()
        const v = await r.get(k)
        latencies.push(performance.now() - t0)
        if (v !== String(n)) errors.push(`GET ${k}: ${String(v)} instead of ${n}`)
      } catch (e) {
        errors.push((e as Error).message)
      }
    }
  }))
  return { latencies, errors }
}

t.test('BLPOP with a timeout returns nil after it; with timeout 0 it waits for the push', async t => {
  const inUse = counter()
  const c = await raw()
  const k = '{blk:t}list'
  const t0 = Date.now()
  t.equal(await c.call('BLPOP', k, '0.3'), '*-1\r\n', 'RESP2 null array on timeout')
  const waited = Date.now() - t0
  t.ok(waited >= 280 && waited < 2000, `returned after the timeout (${waited} ms)`)

  c.write(cmd('BLPOP', k, '0'))
  await sleep(1200)
  t.same(await c.drain(50), [], 'still blocked after 1.2 s (timeout 0 = forever, the per-command timeout does not apply)')
  await env.direct.rpush(k, 'late')
  t.same(await c.read(1), [popReply(k, 'late')])
  t.equal(await env.direct.llen(k), 0)
  t.ok(await eventually(() => inUse() === 0, 1000), 'its pooled connection is released')
})

t.test('50 clients blocked in BLPOP over every master do not slow 50 clients running GET/SET; pushes serve each BLPOP exactly once', async t => {
  const inUse = counter()
  const workers = await Promise.all(Array.from({ length: 50 }, async () => await env.legacyClient({ protocol: 2 })))
  t.teardown(() => { for (const w of workers) w.disconnect() })
  const warm = await getSetLoad(workers, 300, 'blk:warm')
  t.same(warm.errors, [])
  const base = await getSetLoad(workers, 1000, 'blk:base')
  t.same(base.errors, [])

  // One list per blocked client, spread so every master holds some.
  const lists = Array.from({ length: 50 }, (_, i) => env.keyOn(env.masters[i % 3], `blk:wait:${i}:`))
  const owners = new Set(lists.map(k => env.ownerAtStart(slotOf(k))))
  t.equal(owners.size, 3, 'the blocked keys live on all three masters')
  const blocked = await Promise.all(lists.map(async () => await raw()))
  blocked.forEach((c, i) => { c.write(cmd('BLPOP', lists[i], '0')) })
  t.ok(await eventually(() => inUse() === 50, 3000), `50 pooled connections in use (now ${inUse()})`)
  t.ok(await eventually(async () => await nodeBlockedClients() === 50, 3000), 'the masters count 50 blocked clients')

  const loaded = await getSetLoad(workers, 1000, 'blk:loaded')
  t.same(loaded.errors, [], 'no GET/SET failed or read a wrong value')
  const p50 = [percentile(base.latencies, 0.5), percentile(loaded.latencies, 0.5)]
  const p99 = [percentile(base.latencies, 0.99), percentile(loaded.latencies, 0.99)]
  t.comment(`GET/SET without blocked clients: ${base.latencies.length} ops, p50 ${p50[0].toFixed(2)} ms, p99 ${p99[0].toFixed(2)} ms`)
  t.comment(`GET/SET with 50 blocked clients: ${loaded.latencies.length} ops, p50 ${p50[1].toFixed(2)} ms, p99 ${p99[1].toFixed(2)} ms`)
  t.ok(p99[1] <= Math.max(3 * p99[0], 5), `p99 with blocked clients (${p99[1].toFixed(2)} ms) at most 3x the baseline (${p99[0].toFixed(2)} ms) or 5 ms`)
  t.ok(loaded.latencies.length >= base.latencies.length / 3, 'throughput at least a third of the baseline')

  for (const c of blocked) t.same(await c.drain(0), [], 'nobody was served before the pushes')
  // Two elements per list: the first serves the waiter, the second must stay in the list.
  const pusher = await env.legacyClient({ protocol: 2 })
  const pipe = pusher.pipeline()
  lists.forEach((k, i) => { pipe.rpush(k, `first-${i}`, `second-${i}`) })
  await pipe.exec()
  const served = await Promise.all(blocked.map(async (c, i) => (await c.read(1))[0] === popReply(lists[i], `first-${i}`)))
  t.equal(served.filter(Boolean).length, 50, 'every BLPOP got its list\'s first element')
  await sleep(100)
  let extra = 0
  for (const c of blocked) extra += (await c.drain(0)).length
  t.equal(extra, 0, 'no BLPOP was answered twice')
  const left = await Promise.all(lists.map(async (k, i) => await env.direct.lrange(k, 0, -1).then(v => v.join() === `second-${i}`)))
  t.equal(left.filter(Boolean).length, 50, 'exactly one element was taken from each list (50 delivered for 50 waiters)')
  t.ok(await eventually(() => inUse() === 0, 1000), `pool back to 0 in use (now ${inUse()})`)
})

t.test('a client that disconnects mid-BLPOP frees its connection at once and consumes nothing', async t => {
  const inUse = counter()
  const k = '{blk:gone}list'
  const c = await raw()
  c.write(cmd('BLPOP', k, '0'))
  t.ok(await eventually(() => inUse() === 1, 2000), 'one pooled connection in use')
  t.ok(await eventually(async () => await nodeBlockedClients() === 1, 2000), 'the node counts it blocked')
  c.destroy()
  t.ok(await eventually(() => inUse() === 0, 500), `pool count back to 0 within 500 ms (now ${inUse()})`)
  t.ok(await eventually(async () => await nodeBlockedClients() === 0, 1000), 'the node no longer blocks for it')
  await env.direct.rpush(k, 'for-nobody')
  await sleep(200)
  t.same(await env.direct.lrange(k, 0, -1), ['for-nobody'], 'the element stays in the list')

  // With another waiter behind it, the element goes to that waiter.
  const k2 = '{blk:gone2}list'
  const first = await raw()
  const second = await raw()
  const inUse2 = counter()
  first.write(cmd('BLPOP', k2, '0'))
  t.ok(await eventually(() => inUse2() === 1, 2000))
  second.write(cmd('BLPOP', k2, '0'))
  t.ok(await eventually(() => inUse2() === 2, 2000))
  first.destroy()
  t.ok(await eventually(() => inUse2() === 1, 500), `one left in use (now ${inUse2()})`)
  await env.direct.rpush(k2, 'for-second')
  t.same(await second.read(1), [popReply(k2, 'for-second')], 'the remaining waiter gets it')
  t.equal(await env.direct.llen(k2), 0)
  t.ok(await eventually(() => inUse2() === 0, 1000), `none in use (now ${inUse2()})`)
})

t.test('BRPOPLPUSH, BLMOVE and BLMPOP', async t => {
  const c = await raw()
  const src = '{blk:mv}src'
  const dst = '{blk:mv}dst'
  c.write(cmd('BLMOVE', src, dst, 'LEFT', 'RIGHT', '0'))
  await sleep(100)
  await env.direct.rpush(src, 'm1', 'm2')
  t.same(await c.read(1), [bulk('m1')], 'BLMOVE answers the element moved')
  t.same(await env.direct.lrange(dst, 0, -1), ['m1'])
  t.same(await env.direct.lrange(src, 0, -1), ['m2'])

  c.write(cmd('BRPOPLPUSH', '{blk:mv}empty', dst, '0'))
  await sleep(100)
  await env.direct.rpush('{blk:mv}empty', 'r1')
  t.same(await c.read(1), [bulk('r1')])
  t.same(await env.direct.lrange(dst, 0, -1), ['r1', 'm1'], 'BRPOPLPUSH pushes at the head of the destination')

  c.write(cmd('BLMPOP', '0', '2', '{blk:mv}a', '{blk:mv}b', 'LEFT', 'COUNT', '2'))
  await sleep(100)
  await env.direct.rpush('{blk:mv}b', 'b1', 'b2', 'b3')
  t.same(await c.read(1), [`*2\r\n${bulk('{blk:mv}b')}*2\r\n${bulk('b1')}${bulk('b2')}`])
  t.equal(await c.call('BLMOVE', '{blk:mv}nothing', dst, 'LEFT', 'LEFT', '0.1'), '*-1\r\n', 'BLMOVE timeout: the node\'s null (a null array in 7.0)')
  t.equal(await c.call('BLMOVE', '{blk:x1}a', '{blk:x2}b', 'LEFT', 'LEFT', '0'), `-${ReplyStrings.crossSlot}\r\n`,
    'across slots: CROSSSLOT, as a node would say')
})

t.test('BZPOPMIN, BZPOPMAX and BZMPOP', async t => {
  const c = await raw()
  const z = '{blk:z}set'
  c.write(cmd('BZPOPMIN', z, '0'))
  await sleep(100)
  await env.direct.zadd(z, 5, 'five', 1, 'one', 9, 'nine')
  t.same(await c.read(1), [`*3\r\n${bulk(z)}${bulk('one')}${bulk('1')}`])
  t.equal(await c.call('BZPOPMAX', z, '0'), `*3\r\n${bulk(z)}${bulk('nine')}${bulk('9')}`)
  t.equal(await c.call('BZMPOP', '0', '1', z, 'MIN'), `*2\r\n${bulk(z)}*1\r\n*2\r\n${bulk('five')}${bulk('5')}`)
  t.equal(await c.call('BZPOPMIN', z, '0.1'), '*-1\r\n', 'empty after three pops: timeout null')
})

t.test('XREAD BLOCK and XREADGROUP BLOCK', async t => {
  const inUse = counter()
  const c = await raw()
  const s = '{blk:x}stream'
  await env.direct.xadd(s, '1-1', 'old', 'x')
  c.write(cmd('XREAD', 'BLOCK', '0', 'STREAMS', s, '$'))
  await sleep(150)
  t.same(await c.drain(0), [], 'XREAD BLOCK waits for a new entry')
  const id = await env.direct.xadd(s, '*', 'f', 'v') as string
  t.same(await c.read(1), [`*1\r\n*2\r\n${bulk(s)}*1\r\n*2\r\n${bulk(id)}*2\r\n${bulk('f')}${bulk('v')}`])
  t.equal(await c.call('XREAD', 'BLOCK', '100', 'STREAMS', s, '$'), '*-1\r\n', 'XREAD BLOCK 100 with nothing new: null')
  t.equal(await c.call('XREAD', 'COUNT', '1', 'STREAMS', s, '0'), `*1\r\n*2\r\n${bulk(s)}*1\r\n*2\r\n${bulk('1-1')}*2\r\n${bulk('old')}${bulk('x')}`,
    'XREAD without BLOCK is an ordinary command')

  t.equal(await c.call('XGROUP', 'CREATE', s, 'g', '$'), '+OK\r\n')
  c.write(cmd('XREADGROUP', 'GROUP', 'g', 'consumer-1', 'BLOCK', '0', 'STREAMS', s, '>'))
  await sleep(150)
  t.same(await c.drain(0), [], 'XREADGROUP BLOCK waits')
  const id2 = await env.direct.xadd(s, '*', 'job', '42') as string
  t.same(await c.read(1), [`*1\r\n*2\r\n${bulk(s)}*1\r\n*2\r\n${bulk(id2)}*2\r\n${bulk('job')}${bulk('42')}`])
  const pending = await env.direct.xpending(s, 'g') as [number, string, string, Array<[string, string]>]
  t.same(pending, [1, id2, id2, [['consumer-1', '1']]], 'the entry is pending for consumer-1 only')
  t.ok(await eventually(() => inUse() === 0, 1000))
})

t.test('a blocking command inside MULTI runs as the node runs it there (no blocking)', async t => {
  const c = await raw()
  c.write(cmd('MULTI') + cmd('BLPOP', '{blk:m}l', '0') + cmd('EXEC'))
  t.same(await c.read(3, 2000), ['+OK\r\n', '+QUEUED\r\n', '*1\r\n*-1\r\n'])
})

t.test('a client blocked on a slot that moves is redirected and still served', async t => {
  const inUse = counter()
  const k = '{blk:moving}list'
  const slot = slotOf(k)
  const from = await env.cluster.masterPortForSlot(slot)
  const to = env.masters.find(p => p !== from) as number
  const c = await raw()
  c.write(cmd('BLPOP', k, '0'))
  t.ok(await eventually(() => inUse() === 1, 2000))
  await env.cluster.moveSlot(slot, to)
  // Redis redirects blocked clients of a moved slot with -MOVED (clients cron, ~1 s).
  await sleep(1500)
  t.same(await c.drain(0), [], 'the client did not see the MOVED')
  const pusher = await env.legacyClient({ protocol: 2 })
  await pusher.rpush(k, 'after-move')
  t.same(await c.read(1, 3000), [popReply(k, 'after-move')])
  t.equal(await env.direct.llen(k), 0)
  t.ok(await eventually(() => inUse() === 0, 1000), `pool back to 0 (now ${inUse()})`)
})

t.test('WAIT (listed among the blocking commands) answers the replicas that acknowledged', async t => {
  const c = await raw()
  const k = '{blk:wait}k'
  t.equal(await c.call('SET', k, 'v'), '+OK\r\n')
  // Every master has one replica on loopback: the write is acknowledged quickly.
  t.equal(await c.call('WAIT', '1', '2000'), ':1\r\n')
})

t.test('past maxDedicatedLinks a blocking command gets the clear error; the connection and others go on', async t => {
  const small = await startProxy(env.cluster.seeds(), { maxDedicatedLinks: 3 })
  const fourth = await raw(small.port)
  t.teardown(async () => { for (const c of conns) if (c.socket.remotePort === small.port) c.destroy(); await small.close() })
  const inUse = counter(small)
  const waiters = await Promise.all([0, 1, 2].map(async () => await raw(small.port)))
  waiters.forEach((c, i) => { c.write(cmd('BLPOP', `{blk:max}${i}`, '0')) })
  t.ok(await eventually(() => inUse() === 3, 2000), 'three in use')
  const began = Date.now()
  t.equal(await fourth.call('BLPOP', '{blk:max}3', '0'), `-${ReplyStrings.tooManyDedicated('total', 3)}\r\n`)
  t.ok(Date.now() - began < 1000, 'refused at once, not queued')
  t.match(ReplyStrings.tooManyDedicated('total', 3), /maxDedicatedLinks=3/, 'the error names the limit')
  t.equal(await fourth.call('XREAD', 'BLOCK', '0', 'STREAMS', '{blk:max}s', '$'), `-${ReplyStrings.tooManyDedicated('total', 3)}\r\n`, 'XREAD BLOCK counts too')
  t.equal(await fourth.call('SET', '{blk:max}3', 'x'), '+OK\r\n', 'ordinary commands still work on that connection')
  t.equal(await fourth.call('DEL', '{blk:max}3'), ':1\r\n')

  // One waiter served: its place is free again.
  await env.direct.rpush('{blk:max}0', 'v')
  t.same(await waiters[0].read(1), [popReply('{blk:max}0', 'v')])
  t.ok(await eventually(() => inUse() === 2, 1000))
  fourth.write(cmd('BLPOP', '{blk:max}3', '0'))
  t.ok(await eventually(() => inUse() === 3, 2000), 'accepted once a place is free')
  await env.direct.rpush('{blk:max}3', 'w')
  t.same(await fourth.read(1), [popReply('{blk:max}3', 'w')])

  // Two waiters leave while blocked: their places are free, and the bound still holds after.
  for (const c of waiters.slice(1)) c.destroy()
  t.ok(await eventually(() => inUse() === 0, 1000), `pool back to 0 in use after two clients left mid-BLPOP (now ${inUse()})`)
  const again = await Promise.all([0, 1, 2].map(async () => await raw(small.port)))
  again.forEach((c, i) => { c.write(cmd('BLPOP', `{blk:max2}${i}`, '0')) })
  await eventually(() => inUse() >= 3, 2000)
  t.equal(await fourth.call('BLPOP', '{blk:max2}3', '0.2'), `-${ReplyStrings.tooManyDedicated('total', 3)}\r\n`,
    'with three blocked again, a fourth is refused (the bound survived the disconnects)')
  for (const c of again) c.destroy()
})
