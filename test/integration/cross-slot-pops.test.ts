// Blocking pops over keys in several slots (issue 15): as one node would run them as far as
// the data allows, exactly one element handed over, none taken twice, none lost.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import type { Redis } from 'ioredis'
import { slotOf, startCoreEnv } from '../helpers/core-env.js'
import { cmd, RawConn } from '../helpers/raw-conn.js'
import { seededRandom } from '../helpers/seeded-random.js'

const env = await startCoreEnv({ cluster: { masters: 3, replicasPerMaster: 0, nodeTimeoutMs: 5000 } })
const conns: RawConn[] = []
t.teardown(async () => { for (const c of conns) c.destroy(); await env.stop() })

async function raw (): Promise<RawConn> {
  const c = await RawConn.open(env.proxy.port)
  conns.push(c)
  return c
}
const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`
const pair = (k: string, v: string): string => `*2\r\n${bulk(k)}${bulk(v)}`

/** Keys `${prefix}${i}` on every master, `n` of them, each in a slot of its own. */
function spread (prefix: string, n: number): string[] {
  const out: string[] = []
  const slots = new Set<number>()
  for (let i = 0; out.length < n; i++) {
    const k = `${prefix}${i}`
    if (!slots.has(slotOf(k))) { slots.add(slotOf(k)); out.push(k) }
  }
  return out
}

/** slotgate's staging lists left in the cluster (there must be none once every pop ended). */
async function stagingLeft (): Promise<number> {
  let n = 0
  for (const node of env.direct.nodes('master')) n += (await node.keys('*slotgate:pop:*')).length
  return n
}

t.test('data already there: the first non-empty key in argument order wins', async t => {
  const [a, b, c] = spread('csp:first:', 3)
  await env.direct.rpush(b, 'b1', 'b2')
  await env.direct.rpush(c, 'c1')
  const x = await raw()
  t.equal(await x.call('BLPOP', a, b, c, '0'), pair(b, 'b1'))
  t.equal(await x.call('BRPOP', a, c, b, '0'), pair(c, 'c1'), 'BRPOP: c before b in argument order')
  t.equal(await x.call('BLMPOP', '0', '3', a, b, c, 'LEFT', 'COUNT', '5'), `*2\r\n${bulk(b)}*1\r\n${bulk('b2')}`)
  await env.direct.set(a, 'not-a-list')
  await env.direct.rpush(b, 'b3')
  t.equal(await x.call('BLPOP', a, b, '0'), '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n', 'a wrong type before the data: the error, as a node')
  t.equal(await env.direct.lrange(b, 0, -1).then(l => l.join()), 'b3', 'nothing taken')
  await env.direct.del(a)
  await env.direct.del(b)
})

t.test('nothing there: waits on every key, hands over the element that arrives, the other keys untouched', async t => {
  const keys = spread('csp:wait:', 4)
  const x = await raw()
  x.write(cmd('BLPOP', ...keys, '0'))
  await sleep(200)
  await env.direct.rpush(keys[2], 'v1', 'v2')
  t.same(await x.read(1, 5000), [pair(keys[2], 'v1')])
  await sleep(100)
  t.same(await env.direct.lrange(keys[2], 0, -1), ['v2'], 'the rest of the list in place')
  t.equal(await stagingLeft(), 0, 'no staging list left')
  // Timeout: nil after about the client's timeout.
  const began = Date.now()
  t.equal(await x.call('BLPOP', keys[0], keys[1], '0.3'), '*-1\r\n')
  t.ok(Date.now() - began >= 250, `nil after ${Date.now() - began} ms`)
  await env.direct.del(keys[2])
})

t.test('sorted sets and batches: BZPOPMIN, BZMPOP over several slots', async t => {
  const [a, b] = spread('csp:z:', 2)
  const x = await raw()
  x.write(cmd('BZPOPMIN', a, b, '0'))
  await sleep(200)
  await env.direct.zadd(b, 2, 'two', 1, 'one')
  t.same(await x.read(1, 5000), [`*3\r\n${bulk(b)}${bulk('one')}${bulk('1')}`])
  t.equal(await x.call('BZMPOP', '0', '2', a, b, 'MAX', 'COUNT', '3'), `*2\r\n${bulk(b)}*1\r\n*2\r\n${bulk('two')}${bulk('2')}`)
  x.write(cmd('BLMPOP', '0', '2', a, b, 'RIGHT', 'COUNT', '2'))
  await sleep(200)
  await env.direct.rpush(a, 'x', 'y', 'z')
  t.same(await x.read(1, 5000), [`*2\r\n${bulk(a)}*2\r\n${bulk('z')}${bulk('y')}`], 'the waited element first, then the rest of the batch')
  t.same(await env.direct.lrange(a, 0, -1), ['x'])
  await env.direct.del(a)
})

t.test('a client that leaves while waiting: its waits end, nothing is taken', async t => {
  const keys = spread('csp:leave:', 3)
  const x = await raw()
  x.write(cmd('BRPOP', ...keys, '0'))
  await sleep(200)
  x.destroy()
  await sleep(200)
  await env.direct.rpush(keys[1], 'kept')
  await sleep(300)
  t.same(await env.direct.lrange(keys[1], 0, -1), ['kept'], 'the element pushed after is still there')
  t.equal(await stagingLeft(), 0)
  await env.direct.del(keys[1])
})

t.test('many producers and consumers over many keys: every element popped exactly once, none lost', async t => {
  const keys = spread('csp:stress:', 8)
  const random = seededRandom(42)
  const consumers: Redis[] = await Promise.all(Array.from({ length: 6 }, async () => await env.legacyClient()))
  const producers: Redis[] = await Promise.all(Array.from({ length: 3 }, async () => await env.legacyClient()))
  const popped = new Map<string, number>()
  let stop = false
  const consume = async (c: Redis, i: number): Promise<void> => {
    while (!stop) {
      // Rotate the key order, as kombu does.
      const order = keys.map((_, j) => keys[(j + i) % keys.length])
      const r = await (i % 2 === 0 ? c.blpop(...order, 0.2) : c.brpop(...order, 0.2))
      if (r !== null) popped.set(r[1], (popped.get(r[1]) ?? 0) + 1)
    }
  }
  const running = consumers.map(async (c, i) => { await consume(c, i) })
  let pushed = 0
  const began = Date.now()
  await Promise.all(producers.map(async (p, pi) => {
    for (let n = 0; n < 400; n++) {
      await p.lpush(keys[Math.floor(random() * keys.length)], `p${pi}:${n}`)
      pushed++
      if (n % 50 === 0) await sleep(5)
    }
  }))
  // Let the consumers drain what is left, then stop them.
  for (let i = 0; i < 50 && [...popped.values()].reduce((a, b) => a + b, 0) < pushed; i++) await sleep(100)
  stop = true
  await Promise.all(running)
  let left = 0
  for (const k of keys) left += await env.direct.llen(k)
  const twice = [...popped].filter(([, n]) => n > 1)
  const total = [...popped.values()].reduce((a, b) => a + b, 0)
  t.comment(`pushed ${pushed}, popped ${total} (${popped.size} distinct) in ${Date.now() - began} ms, left in lists ${left}, popped twice ${twice.length}`)
  t.equal(twice.length, 0, 'no element popped twice')
  t.equal(popped.size + left, pushed, 'every element popped or still in its list: none lost')
  t.equal(await stagingLeft(), 0, 'no staging list left')
})
