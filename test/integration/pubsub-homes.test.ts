// Pub/Sub that counts like one node (issue 15, point 3): SUBSCRIBE and PUBLISH of a channel meet
// on its home master from every slotgate instance, so PUBLISH returns every subscriber through
// all instances; keyspace notifications (node-local) reach subscribers through slotgate; a
// PUBLISH reaches a pattern subscriber once. Also the extra latency of a cross-slot BRPOP.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { startCoreEnv } from '../helpers/core-env.js'
import { cmd, RawConn } from '../helpers/raw-conn.js'
import { startProxy } from '../helpers/start-proxy.js'

const env = await startCoreEnv({ cluster: { masters: 3, replicasPerMaster: 0 } })
const second = await startProxy(env.cluster.seeds())
const conns: RawConn[] = []
t.teardown(async () => { for (const c of conns) c.destroy(); await second.close(); await env.stop() })

async function raw (port: number): Promise<RawConn> {
  const c = await RawConn.open(port)
  conns.push(c)
  return c
}
const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`
const message = (ch: string, m: string): string => `*3\r\n${bulk('message')}${bulk(ch)}${bulk(m)}`
const pmessage = (p: string, ch: string, m: string): string => `*4\r\n${bulk('pmessage')}${bulk(p)}${bulk(ch)}${bulk(m)}`

t.test('PUBLISH counts every subscriber through both slotgate instances, as one node would', async t => {
  const subs: RawConn[] = []
  for (const port of [env.proxy.port, env.proxy.port, env.proxy.port, second.port, second.port]) {
    const s = await raw(port)
    s.write(cmd('SUBSCRIBE', 'homes:news'))
    t.same(await s.read(1), [`*3\r\n${bulk('subscribe')}${bulk('homes:news')}:1\r\n`])
    subs.push(s)
  }
  const a = await raw(env.proxy.port)
  const b = await raw(second.port)
  t.equal(await a.call('PUBLISH', 'homes:news', 'one'), ':5\r\n', 'through the first instance: 5 receivers')
  t.equal(await b.call('PUBLISH', 'homes:news', 'two'), ':5\r\n', 'through the second: 5')
  for (const s of subs) t.same(await s.read(2), [message('homes:news', 'one'), message('homes:news', 'two')])
  t.equal(await a.call('PUBLISH', 'homes:nobody', 'x'), ':0\r\n', 'a channel nobody listens to: 0, so fallbacks trigger')
  t.equal(await a.call('PUBSUB', 'NUMSUB', 'homes:news'), `*2\r\n${bulk('homes:news')}:5\r\n`)
})

t.test('a pattern subscriber gets each message once; PUBLISH counts it on the channel\'s home', async t => {
  const p = await raw(env.proxy.port)
  p.write(cmd('PSUBSCRIBE', 'homes:p:*'))
  t.same(await p.read(1), [`*3\r\n${bulk('psubscribe')}${bulk('homes:p:*')}:1\r\n`])
  const pub = await raw(second.port)
  for (let i = 0; i < 5; i++) t.equal(await pub.call('PUBLISH', `homes:p:${i}`, `m${i}`), ':1\r\n', `homes:p:${i}: the pattern subscriber counted once`)
  t.same(await p.read(5), [0, 1, 2, 3, 4].map(i => pmessage('homes:p:*', `homes:p:${i}`, `m${i}`)))
  t.same(await p.drain(200), [], 'each once: the copies every other master received are not delivered')
})

t.test('keyspace notifications: a key\'s events on its master, keyevents from every master', async t => {
  for (const n of env.cluster.nodes) await env.direct.nodes('master').find(m => m.options.port === n.port)?.config('SET', 'notify-keyspace-events', 'KEA')
  const s = await raw(env.proxy.port)
  const keys = env.masters.map(port => env.keyOn(port, 'homes:ks:'))
  s.write(keys.map(k => cmd('SUBSCRIBE', `__keyspace@0__:${k}`)).join('') + cmd('PSUBSCRIBE', '__keyevent@0__:set'))
  t.equal((await s.read(keys.length + 1)).length, keys.length + 1)
  const w = await raw(env.proxy.port)
  for (let round = 0; round < 4; round++) {
    for (const k of keys) t.equal(await w.call('SET', k, `v${round}`), '+OK\r\n')
    const frames = await s.read(keys.length * 2, 3000).catch((e: Error) => [e.message])
    for (const k of keys) {
      t.ok(frames.includes(message(`__keyspace@0__:${k}`, 'set')), `round ${round}: the keyspace event of ${k} (on its own master)`)
      t.ok(frames.includes(pmessage('__keyevent@0__:set', '__keyevent@0__:set', k)), `round ${round}: the keyevent of ${k}, whichever master`)
    }
  }
  t.same(await s.drain(200), [], 'no duplicate event')
})

t.test('the extra latency of a cross-slot BRPOP over a single-slot one (measured, not asserted)', async t => {
  const c = await raw(env.proxy.port)
  const w = await raw(env.proxy.port)
  const one = '{homes:lat}a'
  const spread = env.masters.map(port => env.keyOn(port, 'homes:lat:'))
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const timeIt = async (keys: string[], waiting: boolean): Promise<number> => {
    const times: number[] = []
    for (let i = 0; i < 60; i++) {
      if (!waiting) await w.call('RPUSH', keys[keys.length - 1], 'x')
      const began = performance.now()
      c.write(cmd('BRPOP', ...keys, '1'))
      if (waiting) { await sleep(5); await w.call('RPUSH', keys[keys.length - 1], 'x') }
      await c.read(1)
      times.push(performance.now() - began - (waiting ? 5 : 0))
    }
    return median(times)
  }
  const single = await timeIt([one], false)
  const cross = await timeIt(spread, false)
  const singleWait = await timeIt([one], true)
  const crossWait = await timeIt(spread, true)
  t.comment(`BRPOP with data there: one slot ${single.toFixed(3)} ms, ${spread.length} slots ${cross.toFixed(3)} ms (median of 60)`)
  t.comment(`BRPOP waiting for a push: one slot ${singleWait.toFixed(3)} ms, ${spread.length} slots ${crossWait.toFixed(3)} ms (median of 60, push-to-reply)`)
  t.ok(single > 0 && cross > 0)
})
