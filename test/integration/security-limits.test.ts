// Limits (issue 7, point 5): maxClients, maxRequestBytes and maxMultibulkLength (protocol
// error + close, as Redis' proto-max-bulk-len), a slow reader pipelining GETs of a 1 MiB
// value (backpressure: slotgate's RSS must not follow the backlog), a slow Pub/Sub
// subscriber (cut off at pubsubOutputLimitBytes), idle timeout (not for subscribers or
// blocked clients), TCP keepalive (seen with `ss`), and the per-command backend timeout
// with a SIGSTOPped master. No replicas and a long cluster-node-timeout: nothing fails over.
import { execFile } from 'node:child_process'
import net from 'node:net'
import { promisify } from 'node:util'
import t from 'tap'
import { Redis } from 'ioredis'
import type { SlotgateConfig } from '../../src/config/schema.js'
import type { Slotgate } from '../../src/main.js'
import { HOST, startCoreEnv } from '../helpers/core-env.js'
import { cmd, eventually, RawConn } from '../helpers/raw-conn.js'
import { startProxy } from '../helpers/start-proxy.js'
import { retainedBytes } from '../helpers/retained-memory.js'

const run = promisify(execFile)
const fileStart = Date.now()
const env = await startCoreEnv({ cluster: { masters: 3, replicasPerMaster: 0, nodeTimeoutMs: 30_000 } })
t.teardown(env.stop)
t.teardown(() => { t.comment(`file runtime ${Date.now() - fileStart} ms`) })
const MiB = 1024 * 1024

const proxies: Slotgate[] = []
async function proxyWith (overrides: Partial<SlotgateConfig>): Promise<Slotgate> {
  const p = await startProxy(env.cluster.seeds(), overrides)
  proxies.push(p)
  return p
}
t.teardown(async () => { for (const p of proxies) await p.close() })

async function open (port: number): Promise<RawConn> {
  const c = await RawConn.open(port)
  t.teardown(() => { c.destroy() })
  return c
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const PROTO = (detail: string): string => `-ERR Protocol error: ${detail}\r\n`

t.test('maxClients: the client beyond the limit gets Redis\' error and is closed; a freed place is reused', async t => {
  const p = await proxyWith({ maxClients: 3 })
  const conns = [await open(p.port), await open(p.port), await open(p.port)]
  for (const [i, c] of conns.entries()) t.equal(await c.call('PING'), '+PONG\r\n', `client ${i + 1} of 3 served`)
  const extra = await open(p.port)
  t.same(await extra.read(1), ['-ERR max number of clients reached\r\n'], 'the 4th gets -ERR max number of clients reached')
  t.ok(await extra.waitClosed(2000), 'and is closed')
  t.equal(p.server.clientCount, 3, 'still 3 client sessions')
  conns[0].destroy()
  t.ok(await eventually(() => p.server.clientCount === 2, 2000), 'a client leaves')
  const again = await open(p.port)
  t.equal(await again.call('PING'), '+PONG\r\n', 'a new client takes the freed place')
  for (const c of conns.slice(1)) t.equal(await c.call('PING'), '+PONG\r\n', 'the others are still served')
})

t.test('maxBulkBytes: a bulk over the limit is a protocol error that closes the connection, at its header', async t => {
  const p = await proxyWith({ maxBulkBytes: 1024 })
  const ok = await open(p.port)
  t.equal(await ok.call('SET', 'lim:a', 'x'.repeat(1024)), '+OK\r\n', 'a 1024-byte value (= the limit) is accepted')
  t.equal(await env.direct.strlen('lim:a'), 1024)
  const c = await open(p.port)
  // Only the header: the 1025 bytes are never sent, the error must not wait for them.
  c.write('*3\r\n$3\r\nSET\r\n$5\r\nlim:b\r\n$1025\r\n')
  t.same(await c.read(1, 2000), [PROTO('invalid bulk length')], 'a 1025-byte bulk header: -ERR Protocol error: invalid bulk length (as proto-max-bulk-len)')
  t.ok(await c.waitClosed(2000), 'the connection is closed')
  t.equal(await env.direct.exists('lim:b'), 0, 'nothing written')
  t.equal((await ok.call('GET', 'lim:a')).length, 1024 + 9, 'other clients unaffected')
})

t.test('maxRequestBytes: a request whose arguments add up to more than the limit is refused at the header that crosses it', async t => {
  const p = await proxyWith({ maxRequestBytes: 1024 })
  const ok = await open(p.port)
  t.equal(await ok.call('MSET', 'lim:{m}1', 'a'.repeat(300), 'lim:{m}2', 'b'.repeat(300), 'lim:{m}3', 'c'.repeat(300)), '+OK\r\n',
    'MSET of 3 × 300 bytes (about 930 bytes in all) is accepted')
  const c = await open(p.port)
  // Every bulk is under the limit; together they cross it at the third value's header.
  c.write(cmd('MSET', 'lim:{n}1', 'a'.repeat(500), 'lim:{n}2', 'b'.repeat(500)).replace(/^\*5/, '*7') + '$8\r\nlim:{n}3\r\n$500\r\n')
  const reply = await c.read(1, 2000).catch((err: Error) => [err.message])
  t.match(reply[0], /^-ERR Protocol error: /, `refused with a protocol error without waiting for the payload (${JSON.stringify(reply[0]).slice(0, 120)})`)
  t.ok(await c.waitClosed(2000), 'the connection is closed')
  t.equal(await env.direct.exists('lim:{n}1'), 0, 'nothing written')
  t.equal(await ok.call('PING'), '+PONG\r\n', 'other clients unaffected')
})

t.test('maxMultibulkLength: a longer multibulk header is a protocol error that closes the connection', async t => {
  const p = await proxyWith({ maxMultibulkLength: 8 })
  const c = await open(p.port)
  t.equal(await c.call('DEL', 'lim:{x}1', 'lim:{x}2', 'lim:{x}3', 'lim:{x}4', 'lim:{x}5', 'lim:{x}6', 'lim:{x}7'), ':0\r\n', '8 arguments (= the limit) accepted')
  c.write('*9\r\n')
  t.same(await c.read(1, 2000), [PROTO('invalid multibulk length')], '*9: -ERR Protocol error: invalid multibulk length, at once')
  t.ok(await c.waitClosed(2000), 'the connection is closed')
  const d = await open(p.port)
  t.equal(await d.call('PING'), '+PONG\r\n', 'the proxy serves new clients')
})

t.test('backpressure: a client pipelining GETs of a 1 MiB value without reading does not grow slotgate\'s memory', async t => {
  const p = await proxyWith({})
  const N = 1200
  await env.direct.set('lim:big', Buffer.alloc(MiB, 0x61))
  const control = await open(p.port)
  t.equal(await control.call('PING'), '+PONG\r\n')
  await sleep(200)
  const retained0 = await retainedBytes()
  const rss0 = process.memoryUsage().rss
  // The slow reader: writes all its requests at once and reads nothing.
  const slow = net.connect(p.port, HOST)
  await new Promise<void>(resolve => slow.once('connect', () => { resolve() }))
  slow.pause()
  // Replies are counted by bytes: framing a GiB in the test's own event loop would take long.
  const replyBytes = Buffer.byteLength(`$${MiB}\r\n`) + MiB + 2
  let received = 0
  let head = ''
  slow.on('data', (d: Buffer) => { if (received === 0) head = d.subarray(0, 12).toString('latin1'); received += d.length })
  let closed = false
  slow.on('close', () => { closed = true })
  slow.on('error', () => { closed = true })
  t.teardown(() => { slow.destroy() })
  slow.write(cmd('GET', 'lim:big').repeat(N))

  let peak = rss0
  let peakBuffers = 0
  let slowestPing = 0
  for (let i = 0; i < 30; i++) {
    await sleep(100)
    const mem = process.memoryUsage()
    peak = Math.max(peak, mem.rss)
    peakBuffers = Math.max(peakBuffers, mem.arrayBuffers)
    const began = performance.now()
    t.equal(await control.call('PING'), '+PONG\r\n')
    slowestPing = Math.max(slowestPing, performance.now() - began)
  }
  const growth = (peak - rss0) / MiB
  const held = (await retainedBytes() - retained0) / MiB
  t.comment(`RSS before ${Math.round(rss0 / MiB)} MiB, peak ${Math.round(peak / MiB)} MiB (+${growth.toFixed(0)} MiB; Buffers peak ${Math.round(peakBuffers / MiB)} MiB) with ${N} × 1 MiB replies unread; retained ${held.toFixed(0)} MiB; slowest PING ${slowestPing.toFixed(0)} ms`)
  t.ok(held < 200, `less than 200 MiB held while ${N} MiB of replies were wanted (${held.toFixed(0)} MiB)`)
  t.ok(slowestPing < 500, `other clients still answered quickly (slowest PING ${slowestPing.toFixed(0)} ms)`)

  // Once it reads, its replies flow again (or, if slotgate chose to cut it off at an output
  // limit, it was closed): reading the first 100 is enough to see that.
  slow.resume()
  await eventually(() => closed || received >= 100 * replyBytes, 10_000)
  if (!closed) {
    t.ok(received >= 100 * replyBytes, `replies flow once the client reads (${Math.floor(received / replyBytes)} of ${N} so far)`)
    t.equal(head, `$${MiB}\r\naa`, 'starting with the first value')
  } else {
    t.comment(`slotgate closed the slow reader after ${received} bytes (output limit)`)
  }
  slow.destroy()
  t.equal(await control.call('PING'), '+PONG\r\n', 'slotgate still serves')
})

t.test('pubsubOutputLimitBytes: a subscriber that stops reading is disconnected; a fast one gets everything', async t => {
  const p = await proxyWith({ pubsubOutputLimitBytes: 4 * MiB })
  const slow = await open(p.port)
  t.same(await (async () => { slow.write(cmd('SUBSCRIBE', 'lim:ch')); return await slow.read(1) })(), ['*3\r\n$9\r\nsubscribe\r\n$6\r\nlim:ch\r\n:1\r\n'], 'slow subscriber subscribed')
  slow.socket.pause()
  const fast = new Redis({ host: HOST, port: p.port, protocol: 2, lazyConnect: true })
  fast.on('error', () => {})
  await fast.connect()
  t.teardown(() => { fast.disconnect() })
  let got = 0
  fast.on('messageBuffer', () => { got++ })
  await fast.subscribe('lim:ch')
  const sessionsBefore = p.server.clientCount
  const rss0 = process.memoryUsage().rss
  // 24 MiB in all: well past the 4 MiB limit plus what the kernel's socket buffers hold.
  const M = 3000
  const payload = Buffer.alloc(8 * 1024, 0x62)
  const publisher = new Redis({ host: HOST, port: env.masters[0], protocol: 2 })
  t.teardown(() => { publisher.disconnect() })
  // Published in rounds that wait until the fast subscriber has caught up: it shares this
  // process (and so the event loop) with slotgate, and on a loaded machine a burst could
  // otherwise fill its own buffer past the limit. The slow one never reads, so it still does.
  for (let i = 0; i < M; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, M - i) }, async () => await publisher.publish('lim:ch', payload)))
    await eventually(() => got >= i + Math.min(100, M - i), 5000)
  }
  t.ok(await eventually(() => got === M, 10_000), `the fast subscriber got all ${M} messages (${got})`)
  const rssPeak = process.memoryUsage().rss
  t.ok(await eventually(() => p.server.clientCount === sessionsBefore - 1, 5000),
    `the slow subscriber's session is closed (sessions ${sessionsBefore} → ${p.server.clientCount})`)
  t.ok((rssPeak - rss0) / MiB < 100, `RSS grew by less than 100 MiB for ${M * 8 / 1024} MiB published (${((rssPeak - rss0) / MiB).toFixed(0)} MiB)`)
})

t.test('clientIdleTimeoutMs: idle clients are closed; active ones, subscribers and blocked clients are not', async t => {
  const p = await proxyWith({ clientIdleTimeoutMs: 1000 })
  const idle = await open(p.port)
  t.equal(await idle.call('PING'), '+PONG\r\n')
  const began = performance.now()
  const active = await open(p.port)
  const sub = await open(p.port)
  sub.write(cmd('SUBSCRIBE', 'idle:ch'))
  t.equal((await sub.read(1))[0], '*3\r\n$9\r\nsubscribe\r\n$7\r\nidle:ch\r\n:1\r\n')
  const sub3 = await open(p.port)
  t.match(await sub3.call('HELLO', '3'), /^%/)
  sub3.write(cmd('SUBSCRIBE', 'idle:ch'))
  t.match((await sub3.read(1))[0], /^>3\r\n/, 'RESP3 subscriber subscribed')
  const blocked = await open(p.port)
  blocked.write(cmd('BLPOP', 'idle:list', '10'))
  await sleep(600)
  t.notOk(idle.closed, 'an idle client is still open after 600 ms')
  for (let i = 0; i < 10; i++) {
    t.equal(await active.call('PING'), '+PONG\r\n')
    await sleep(300)
  }
  t.ok(idle.closed, 'the idle client was closed within 3.6 s')
  t.ok(performance.now() - began >= 1000, 'not before the timeout')
  t.notOk(active.closed, 'a client sending a PING every 300 ms stays')
  t.notOk(sub.closed, 'a RESP2 subscriber stays')
  t.notOk(sub3.closed, 'a RESP3 subscriber stays')
  t.notOk(blocked.closed, 'a client blocked in BLPOP stays')
  const pub = await open(p.port)
  // (PUBLISH counts only the receivers on the node that took it, as in any Redis Cluster.)
  t.match(await pub.call('PUBLISH', 'idle:ch', 'hi'), /^:\d+\r\n$/, 'PUBLISH')
  t.equal((await sub.read(1))[0], '*3\r\n$7\r\nmessage\r\n$7\r\nidle:ch\r\n$2\r\nhi\r\n', 'the RESP2 subscriber gets it')
  t.equal((await sub3.read(1))[0], '>3\r\n$7\r\nmessage\r\n$7\r\nidle:ch\r\n$2\r\nhi\r\n', 'the RESP3 subscriber gets it')
  t.equal(await pub.call('RPUSH', 'idle:list', 'x'), ':1\r\n')
  t.equal((await blocked.read(1))[0], '*2\r\n$9\r\nidle:list\r\n$1\r\nx\r\n', 'the blocked client gets its reply')
})

/** TCP keepalive timers of slotgate's accepted sockets on `port`, in seconds (null: no keepalive timer). */
async function keepaliveTimers (port: number): Promise<Array<number | null>> {
  const { stdout } = await run('ss', ['-tnoH', 'state', 'established', `( sport = :${port} )`])
  return stdout.split('\n').filter(l => l.trim() !== '').map(l => {
    const m = /timer:\(keepalive,(?:(\d+)min)?([\d.]+)(m?s)(?:ec)?,/.exec(l)
    if (m === null) return null
    const mins = m[1] === undefined ? 0 : Number(m[1])
    const secs = m[3] === 'ms' ? Number(m[2]) / 1000 : Number(m[2])
    return mins * 60 + secs
  })
}

t.test('tcpKeepAliveMs: client sockets get TCP keepalive with that idle time; 0 turns it off', async t => {
  const withKa = await proxyWith({ tcpKeepAliveMs: 5000 })
  const without = await proxyWith({ tcpKeepAliveMs: 0 })
  const a = await open(withKa.port)
  const b = await open(without.port)
  t.equal(await a.call('PING'), '+PONG\r\n')
  t.equal(await b.call('PING'), '+PONG\r\n')
  const ka = await keepaliveTimers(withKa.port)
  t.equal(ka.length, 1, 'one accepted socket')
  t.ok(ka[0] !== null && ka[0] <= 5.01 && ka[0] > 0, `tcpKeepAliveMs 5000: a keepalive timer of at most 5 s (${String(ka[0])} s)`)
  t.same(await keepaliveTimers(without.port), [null], 'tcpKeepAliveMs 0: no keepalive timer')
  const def = await keepaliveTimers(env.proxy.port).then(async list => {
    if (list.length > 0) return list
    const c = await open(env.proxy.port)
    await c.call('PING')
    return await keepaliveTimers(env.proxy.port)
  })
  t.ok(def[0] !== null && (def[0] as number) <= 300.01 && (def[0] as number) > 60, `default (300 s, Redis' tcp-keepalive): timer ${String(def[0])} s`)
})

t.test('commandTimeoutMs: requests to a frozen (SIGSTOPped) master get an error instead of hanging', async t => {
  const p = await proxyWith({ commandTimeoutMs: 500, failoverDeadlineMs: 3000 })
  const victim = env.masters[0]
  const keyV = env.keyOn(victim, 'to:')
  const keyO = env.keyOn(env.masters[1], 'to:')
  const w = new Redis({ host: HOST, port: p.port, protocol: 2, maxRetriesPerRequest: 0 })
  const r = new Redis({ host: HOST, port: p.port, protocol: 2, maxRetriesPerRequest: 0 })
  const o = new Redis({ host: HOST, port: p.port, protocol: 2, maxRetriesPerRequest: 0 })
  for (const c of [w, r, o]) c.on('error', () => {})
  t.teardown(() => { w.disconnect(); r.disconnect(); o.disconnect() })
  t.equal(await w.set(keyV, 'before'), 'OK')
  t.equal(await o.set(keyO, 'other'), 'OK')
  await env.cluster.pause(victim)
  t.teardown(async () => { await env.cluster.resume(victim).catch(() => {}) })
  const timed = async (pr: Promise<unknown>): Promise<{ ms: number, answer: string }> => {
    const began = performance.now()
    const answer = await pr.then(v => `value ${String(v)}`, (err: Error) => `error ${err.message}`)
    return { ms: performance.now() - began, answer }
  }
  const [set, get, other] = await Promise.all([timed(w.set(keyV, 'during')), timed(r.get(keyV)), timed(o.get(keyO))])
  t.comment(`SET to the frozen master: ${Math.round(set.ms)} ms, ${set.answer}`)
  t.comment(`GET to the frozen master: ${Math.round(get.ms)} ms, ${get.answer}`)
  t.comment(`GET to another master: ${Math.round(other.ms)} ms, ${other.answer}`)
  t.match(set.answer, /^error ERR slotgate: connection to .* lost after the command was sent \(no reply from the node within 500 ms\); its outcome is unknown/, 'the write gets the outcome-unknown error naming the timeout')
  t.ok(set.ms >= 450 && set.ms < 1500, `the write's error comes after ~500 ms (${Math.round(set.ms)} ms)`)
  t.match(get.answer, /^error /, 'the read gets an error')
  t.ok(get.ms < 1500, `the read's error comes within 1.5 s of a 500 ms timeout (${Math.round(get.ms)} ms)`)
  t.equal(other.answer, 'value other', 'a read on another master is answered')
  t.ok(other.ms < 300, `at once (${Math.round(other.ms)} ms)`)
  await env.cluster.resume(victim)
  t.ok(await eventually(async () => (await r.get(keyV).catch(() => null)) !== null, 5000), 'after SIGCONT the master is read again')
})
