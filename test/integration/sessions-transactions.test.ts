// Transactions through slotgate on a real 3-master cluster (issue 5, "Transactions"):
// MULTI/EXEC answered with the node's own array, WATCH races, CROSSSLOT + EXECABORT,
// DISCARD and the misuse errors byte for byte as redis-server 7.0.15 gives them, Celery's
// MULTI/PUBLISH/EXEC, a WATCH check-and-set loop under contention, and a slot that moves
// between MULTI and EXEC.
import t from 'tap'
import type { Redis } from 'ioredis'
import { ReplyStrings } from '../../src/resp/reply-strings.js'
import { slotOf, startCoreEnv } from '../helpers/core-env.js'
import { cmd, eventually, RawConn, showFrames } from '../helpers/raw-conn.js'
import { startProxy } from '../helpers/start-proxy.js'

const env = await startCoreEnv({ cluster: { nodeTimeoutMs: 1000 } })
const port = env.proxy.port
const conns: RawConn[] = []
// Clients first: slotgate's close() waits for every client connection to end.
t.teardown(async () => { for (const c of conns) c.destroy(); await env.stop() })

async function raw (): Promise<RawConn> {
  const c = await RawConn.open(port)
  conns.push(c)
  return c
}

/** A plain RESP2 client (ioredis defaults to RESP3 via HELLO 3; these tests want RESP2). */
async function client (): Promise<Redis> {
  return await env.legacyClient({ protocol: 2 })
}

/** connected_clients summed over the masters, straight from the nodes. */
async function nodeConnections (): Promise<number> {
  let total = 0
  for (const m of env.masters) {
    const info = await env.direct.nodes('master').find(n => n.options.port === m)?.info('clients') ?? ''
    total += Number(/connected_clients:(\d+)/.exec(info)?.[1] ?? NaN)
  }
  return total
}

const err = (s: string): string => `-${s}\r\n`
const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`

t.test('MULTI/EXEC answers the node\'s EXEC array, and the writes land on the slot\'s master', async t => {
  const c = await raw()
  const k = '{tx:basic}str'
  const n = '{tx:basic}counter'
  const l = '{tx:basic}list'
  await env.direct.set(n, '41')
  c.write(cmd('MULTI') + cmd('SET', k, 'v1') + cmd('INCR', n) + cmd('RPUSH', l, 'a', 'b', 'c') +
    cmd('GET', k) + cmd('LRANGE', l, '0', '-1') + cmd('GET', '{tx:basic}missing') + cmd('EXEC'))
  const frames = await c.read(8)
  t.same(frames.slice(0, 7), ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '+QUEUED\r\n'],
    'MULTI answers OK and each command QUEUED')
  t.equal(frames[7], `*6\r\n+OK\r\n:42\r\n:3\r\n${bulk('v1')}*3\r\n${bulk('a')}${bulk('b')}${bulk('c')}$-1\r\n`,
    'EXEC: the node\'s array, every element in order and untouched')
  t.equal(await env.direct.get(k), 'v1')
  t.equal(await env.direct.get(n), '42')
  t.same(await env.direct.lrange(l, 0, -1), ['a', 'b', 'c'])
  t.same(await c.drain(150), [], 'nothing else arrives')

  // The same through ioredis' transaction API.
  const r = await client()
  const res = await r.multi().set('{tx:io}a', '1').incrby('{tx:io}a', 5).get('{tx:io}a').exec()
  t.same(res, [[null, 'OK'], [null, 6], [null, '6']], 'ioredis multi().exec()')
  t.equal(await env.direct.get('{tx:io}a'), '6')
})

t.test('MULTI with only keyless commands (PING, ECHO) still runs on a node', async t => {
  const c = await raw()
  c.write(cmd('MULTI') + cmd('PING') + cmd('ECHO', 'hey') + cmd('EXEC'))
  t.same(await c.read(4), ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', `*2\r\n+PONG\r\n${bulk('hey')}`])
})

t.test('WATCH: a key changed by another client between WATCH and EXEC makes EXEC return null', async t => {
  const k = '{tx:watch}k'
  await env.direct.set(k, '0')
  const a = await raw()
  const b = await raw()
  t.equal(await a.call('WATCH', k), '+OK\r\n')
  t.equal(await b.call('WATCH', k), '+OK\r\n')
  t.equal(await a.call('GET', k), bulk('0'))
  t.equal(await b.call('GET', k), bulk('0'))
  a.write(cmd('MULTI') + cmd('SET', k, 'from-a'))
  b.write(cmd('MULTI') + cmd('SET', k, 'from-b'))
  t.same(await a.read(2), ['+OK\r\n', '+QUEUED\r\n'])
  t.same(await b.read(2), ['+OK\r\n', '+QUEUED\r\n'])
  t.equal(await a.call('EXEC'), '*1\r\n+OK\r\n', 'the first EXEC succeeds')
  t.equal(await b.call('EXEC'), '*-1\r\n', 'the second EXEC fails: its WATCHed key changed (RESP2 null array)')
  t.equal(await env.direct.get(k), 'from-a', 'only the first transaction was applied')

  // A plain SET from a third client (no transaction) also aborts a WATCHing transaction.
  t.equal(await a.call('WATCH', k), '+OK\r\n')
  const other = await client()
  await other.set(k, 'meddled')
  a.write(cmd('MULTI') + cmd('SET', k, 'late') + cmd('EXEC'))
  t.same(await a.read(3), ['+OK\r\n', '+QUEUED\r\n', '*-1\r\n'])
  t.equal(await env.direct.get(k), 'meddled')

  // UNWATCH forgets the WATCH: the same sequence now succeeds.
  t.equal(await a.call('WATCH', k), '+OK\r\n')
  await other.set(k, 'meddled-again')
  t.equal(await a.call('UNWATCH'), '+OK\r\n')
  a.write(cmd('MULTI') + cmd('SET', k, 'after-unwatch') + cmd('EXEC'))
  t.same(await a.read(3), ['+OK\r\n', '+QUEUED\r\n', '*1\r\n+OK\r\n'])
  t.equal(await env.direct.get(k), 'after-unwatch')
})

t.test('WATCH race: two clients EXEC at the same moment, exactly one wins', async t => {
  const rounds = 10
  const winners: string[] = []
  for (let i = 0; i < rounds; i++) {
    const k = `{tx:race}${i}`
    await env.direct.set(k, 'start')
    const [a, b] = [await raw(), await raw()]
    for (const [c, name] of [[a, 'a'], [b, 'b']] as const) {
      t.equal(await c.call('WATCH', k), '+OK\r\n')
      c.write(cmd('MULTI') + cmd('SET', k, name))
      t.same(await c.read(2), ['+OK\r\n', '+QUEUED\r\n'])
    }
    // Both EXECs leave in the same event-loop turn, in alternating order.
    const [first, second] = i % 2 === 0 ? [a, b] : [b, a]
    first.write(cmd('EXEC'))
    second.write(cmd('EXEC'))
    const [ra, rb] = [(await a.read(1))[0], (await b.read(1))[0]]
    const results = [ra, rb].sort()
    t.same(results, ['*-1\r\n', '*1\r\n+OK\r\n'], `round ${i}: one EXEC null, the other applied`)
    const winner = ra === '*1\r\n+OK\r\n' ? 'a' : 'b'
    t.equal(await env.direct.get(k), winner, `round ${i}: the value is the winner's`)
    winners.push(winner)
    a.destroy()
    b.destroy()
  }
  t.equal(winners.length, rounds)
  t.comment(`winners: ${winners.join('')}`)
})

t.test('crossSlotTransactions refuse: the cross-slot command gets CROSSSLOT and EXEC answers EXECABORT, as a cluster node', async t => {
  const strict = await startProxy(env.cluster.seeds(), { crossSlotTransactions: 'refuse' })
  t.teardown(async () => { for (const c of conns) if (c.socket.remotePort === strict.port) c.destroy(); await strict.close() })
  const a = '{tx:xa}k'
  const b = '{tx:xb}k'
  t.not(slotOf(a), slotOf(b))
  const c = await RawConn.open(strict.port)
  conns.push(c)
  c.write(cmd('MULTI') + cmd('SET', a, '1') + cmd('SET', b, '2') + cmd('INCR', a) + cmd('EXEC'))
  t.same(await c.read(5), [
    '+OK\r\n', '+QUEUED\r\n', err(ReplyStrings.crossSlot), '+QUEUED\r\n',
    err('EXECABORT Transaction discarded because of previous errors.')
  ])
  t.equal(await env.direct.exists(a) + await env.direct.exists(b), 0, 'nothing of the aborted transaction was applied')

  // A multi-key command across slots inside MULTI is refused the same way (not split).
  c.write(cmd('MULTI') + cmd('MGET', a, b) + cmd('EXEC'))
  t.same(await c.read(3), ['+OK\r\n', err(ReplyStrings.crossSlot), err('EXECABORT Transaction discarded because of previous errors.')])

  // After the abort the session is an ordinary one again.
  c.write(cmd('SET', a, 'plain') + cmd('SET', b, 'plain') + cmd('MGET', a, b))
  t.same(await c.read(3), ['+OK\r\n', '+OK\r\n', `*2\r\n${bulk('plain')}${bulk('plain')}`])
  await env.direct.del(a)
  await env.direct.del(b)
})

t.test('WATCH pins the transaction to its slot, whatever crossSlotTransactions says: another slot gets CROSSSLOT', async t => {
  const a = '{tx:wa}k'
  const b = '{tx:wb}k'
  const c = await raw()
  t.equal(await c.call('WATCH', a), '+OK\r\n')
  c.write(cmd('MULTI') + cmd('SET', b, 'x') + cmd('EXEC'))
  t.same(await c.read(3), ['+OK\r\n', err(ReplyStrings.crossSlot), err('EXECABORT Transaction discarded because of previous errors.')])
  t.equal(await env.direct.exists(b), 0)
  c.write(cmd('WATCH', a) + cmd('WATCH', b))
  t.same(await c.read(2), ['+OK\r\n', err(ReplyStrings.crossSlot)], 'a WATCH of keys in another slot: CROSSSLOT')
  t.equal(await c.call('UNWATCH'), '+OK\r\n')
})

t.test('a transaction across slots runs as one MULTI/EXEC per slot: replies in command order, splits and keyspace commands merged', async t => {
  const a = '{tx:span:a}k'
  const b = '{tx:span:b}k'
  const l = '{tx:span:c}list'
  t.not(slotOf(a), slotOf(b))
  const c = await raw()
  c.write(cmd('MULTI') + cmd('SET', a, '1') + cmd('SET', b, '2') + cmd('INCR', a) + cmd('PING') + cmd('LPUSH', l, 'x', 'y') +
    cmd('MGET', a, b, l + ':none') + cmd('EXISTS', a, b, l) + cmd('LLEN', l) + cmd('GET', b) + cmd('EXEC'))
  const frames = await c.read(11)
  t.same(frames.slice(0, 10), ['+OK\r\n', ...Array(9).fill('+QUEUED\r\n')])
  t.equal(frames[10], `*9\r\n+OK\r\n+OK\r\n:2\r\n+PONG\r\n:2\r\n*3\r\n${bulk('2')}${bulk('2')}$-1\r\n:3\r\n:2\r\n${bulk('2')}`,
    'EXEC: every command\'s reply in the order sent; MGET and EXISTS merged over their slots')
  t.equal(await env.direct.get(a), '2')
  t.equal(await env.direct.get(b), '2')
  // Kombu's queue-size check (MULTI, LLEN q, LLEN q+priority ..., EXEC) over keys in several slots.
  const queues = ['celery', 'celery\x06\x163', 'celery\x06\x166', 'celery\x06\x169']
  await env.direct.rpush(queues[2], 'task')
  c.write(cmd('MULTI') + queues.map(q => cmd('LLEN', q)).join('') + cmd('EXEC'))
  const kombu = await c.read(6)
  t.equal(kombu[5], '*4\r\n:0\r\n:0\r\n:1\r\n:0\r\n', 'the counts per queue, as one node answers')
  await env.direct.del(queues[2])
  // Whole-keyspace commands run once per master inside the block.
  const before = Number(/^:(\d+)/.exec(await c.call('DBSIZE'))?.[1])
  c.write(cmd('MULTI') + cmd('DBSIZE') + cmd('SET', '{tx:span:d}k', 'v') + cmd('EXEC'))
  const dbs = await c.read(4)
  t.match(dbs[3], new RegExp(`^\\*2\\r\\n:(${before}|${before + 1})\\r\\n\\+OK\\r\\n$`), `DBSIZE summed over the masters (${JSON.stringify(dbs[3])})`)
  t.same(await env.direct.get('{tx:span:d}k'), 'v')
})

t.test('DISCARD drops the queued commands; misuse errors as a node gives them', async t => {
  const c = await raw()
  const k = '{tx:discard}k'
  c.write(cmd('MULTI') + cmd('SET', k, 'x') + cmd('DISCARD') + cmd('GET', k))
  t.same(await c.read(4), ['+OK\r\n', '+QUEUED\r\n', '+OK\r\n', '$-1\r\n'], 'DISCARD: OK, and the SET never ran')
  t.equal(await env.direct.exists(k), 0)

  // Bytes from redis-server 7.0.15 for the same sequence.
  c.write(cmd('EXEC') + cmd('DISCARD'))
  t.same(await c.read(2), [err('ERR EXEC without MULTI'), err('ERR DISCARD without MULTI')])
  c.write(cmd('MULTI') + cmd('MULTI') + cmd('WATCH', k) + cmd('SET', k, '1') + cmd('EXEC') + cmd('EXEC') + cmd('DISCARD'))
  t.same(await c.read(7), [
    '+OK\r\n', err('ERR MULTI calls can not be nested'), err('ERR WATCH inside MULTI is not allowed'), '+QUEUED\r\n',
    '*1\r\n+OK\r\n', err('ERR EXEC without MULTI'), err('ERR DISCARD without MULTI')
  ], 'a nested MULTI and WATCH inside MULTI are errors that do not abort the transaction')
  t.equal(await env.direct.get(k), '1')

  // DISCARD also ends a WATCH (Redis doc "DISCARD": "unwatches all keys").
  t.equal(await c.call('WATCH', k), '+OK\r\n')
  c.write(cmd('MULTI') + cmd('DISCARD'))
  t.same(await c.read(2), ['+OK\r\n', '+OK\r\n'])
  await env.direct.set(k, 'changed')
  c.write(cmd('MULTI') + cmd('SET', k, 'mine') + cmd('EXEC'))
  t.same(await c.read(3), ['+OK\r\n', '+QUEUED\r\n', '*1\r\n+OK\r\n'], 'no WATCH left after DISCARD')
  t.equal(await env.direct.get(k), 'mine')
})

t.test('commands a node queues inside MULTI are queued, not refused (UNWATCH)', async t => {
  // redis-server 7.0.15 answers MULTI, UNWATCH, SET, EXEC with +OK +QUEUED +QUEUED *2 +OK +OK:
  // only EXEC, DISCARD, MULTI, WATCH, QUIT and RESET are run at once inside MULTI.
  const c = await raw()
  const k = '{tx:unwatch}k'
  c.write(cmd('MULTI') + cmd('UNWATCH') + cmd('SET', k, 'v') + cmd('EXEC'))
  t.same(await c.read(4), ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '*2\r\n+OK\r\n+OK\r\n'])
})

t.test('Celery-style MULTI / PUBLISH / EXEC delivers the messages and answers the node\'s array', async t => {
  const sub = await raw()
  sub.write(cmd('SUBSCRIBE', 'tx:celery:a', 'tx:celery:b'))
  t.same(await sub.read(2), [
    `*3\r\n${bulk('subscribe')}${bulk('tx:celery:a')}:1\r\n`,
    `*3\r\n${bulk('subscribe')}${bulk('tx:celery:b')}:2\r\n`
  ])
  const c = await raw()
  c.write(cmd('MULTI') + cmd('PUBLISH', 'tx:celery:a', 'task-1') + cmd('PUBLISH', 'tx:celery:b', 'task-2') + cmd('EXEC'))
  const frames = await c.read(4)
  t.same(frames.slice(0, 3), ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n'])
  t.match(frames[3], /^\*2\r\n:\d+\r\n:\d+\r\n$/, 'EXEC: two PUBLISH counts')
  // Two channels live on their own home masters: each arrives, in either order.
  t.same((await sub.read(2)).sort(), [
    `*3\r\n${bulk('message')}${bulk('tx:celery:a')}${bulk('task-1')}`,
    `*3\r\n${bulk('message')}${bulk('tx:celery:b')}${bulk('task-2')}`
  ], 'the subscriber got both messages')

  // Kombu mixes a keyed write with the PUBLISH in one transaction.
  const k = '{tx:celery}unacked'
  c.write(cmd('MULTI') + cmd('HSET', k, 'tag', 'body') + cmd('PUBLISH', 'tx:celery:a', 'task-3') + cmd('EXEC'))
  const f2 = await c.read(4)
  t.same(f2.slice(0, 3), ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n'])
  t.match(f2[3], /^\*2\r\n:1\r\n:\d+\r\n$/)
  t.same(await sub.read(1), [`*3\r\n${bulk('message')}${bulk('tx:celery:a')}${bulk('task-3')}`])
  t.same(await env.direct.hgetall(k), { tag: 'body' })
})

t.test('WATCH check-and-set loop: 10 concurrent clients x 25 increments end at the exact total', async t => {
  const k = '{tx:cas}counter'
  await env.direct.set(k, '0')
  const clients = await Promise.all(Array.from({ length: 10 }, async () => await client()))
  const before = await nodeConnections()
  const perClient = 25
  let retries = 0
  const began = Date.now()
  await Promise.all(clients.map(async r => {
    for (let done = 0; done < perClient;) {
      await r.watch(k)
      const v = Number(await r.get(k))
      const res = await r.multi().set(k, String(v + 1)).exec()
      if (res === null) { retries++; continue } // someone else won: read again
      t.same(res, [[null, 'OK']])
      done++
    }
  }))
  t.equal(await env.direct.get(k), String(10 * perClient), 'no lost update, no double apply')
  t.comment(`CAS loop: ${10 * perClient} increments, ${retries} retries, ${Date.now() - began} ms`)
  t.ok(retries > 0, 'the clients really contended (some EXEC returned null)')
  // Each WATCH took a dedicated connection; EXEC (applied or not) must have closed it.
  let after = -1
  t.ok(await eventually(async () => (after = await nodeConnections()) === before, 2000),
    `connections on the masters back to ${before} after ${10 * perClient + retries} WATCHes (now ${after})`)
  for (const r of clients) r.disconnect()
})

t.test('a slot moved away between MULTI and EXEC: without WATCH the block runs again at the new owner; with WATCH a null EXEC (a failed watch), never a hang', async t => {
  const k = '{tx:moved}k'
  const slot = slotOf(k)
  const from = await env.cluster.masterPortForSlot(slot)
  const to = env.masters.find(p => p !== from) as number
  await env.direct.set(k, 'before')

  const c = await raw()
  c.write(cmd('MULTI') + cmd('SET', k, 'during'))
  t.same(await c.read(2), ['+OK\r\n', '+QUEUED\r\n'])
  await env.cluster.moveSlot(slot, to)
  const began = Date.now()
  c.write(cmd('EXEC'))
  const [reply] = await c.read(1, 10_000)
  t.ok(Date.now() - began < 5000, `EXEC answered in ${Date.now() - began} ms`)
  // EXECABORT at the old owner guarantees nothing ran there, so with no WATCH binding the
  // transaction to that node, slotgate runs the whole block again where the slot is now.
  t.equal(reply, '*1\r\n+OK\r\n', `EXEC ran at the new owner: ${showFrames([reply])}`)
  t.equal(await env.direct.get(k), 'during', 'the transaction ran exactly once, at the new owner')

  // The session is usable, and slotgate learnt where the slot went: a retried transaction
  // (what a client does after such an error) succeeds at once, not only after the next
  // periodic topology refresh.
  let last = ''
  const retried = await eventually(async () => {
    c.write(cmd('MULTI') + cmd('SET', k, 'after') + cmd('EXEC'))
    last = (await c.read(3, 5000))[2]
    return last === '*1\r\n+OK\r\n'
  }, 2000, 100)
  t.ok(retried, `a retried transaction succeeds within 2 s of the error (last EXEC reply ${showFrames([last])})`)
  t.equal(await env.direct.get(k), retried ? 'after' : 'during')

  // The same with WATCH: its dedicated link points at the old owner.
  const k2 = '{tx:moved2}k'
  const slot2 = slotOf(k2)
  const from2 = await env.cluster.masterPortForSlot(slot2)
  const to2 = env.masters.find(p => p !== from2) as number
  const w = await raw()
  t.equal(await w.call('WATCH', k2), '+OK\r\n')
  w.write(cmd('MULTI') + cmd('SET', k2, 'during'))
  t.same(await w.read(2), ['+OK\r\n', '+QUEUED\r\n'])
  await env.cluster.moveSlot(slot2, to2)
  const began2 = Date.now()
  w.write(cmd('EXEC'))
  const [reply2] = await w.read(1, 10_000)
  t.ok(Date.now() - began2 < 5000, `EXEC with WATCH answered in ${Date.now() - began2} ms`)
  // The watch cannot be honoured at the new owner: EXEC fails as a failed WATCH does, so a
  // check-and-set loop simply retries (never a raw redirect, never an unguarded EXEC).
  t.equal(reply2, '*-1\r\n', `EXEC with WATCH answered as a failed WATCH: ${showFrames([reply2])}`)
  t.equal(await env.direct.exists(k2), 0, 'nothing ran')
})
