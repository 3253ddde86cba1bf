// RESP3 end to end through slotgate on a real 3-master cluster (issue 9): HELLO in full,
// the nodes' own RESP3 reply types passed through (checked as raw bytes after HELLO 3),
// local and merged replies in the session's protocol, push messages on the client
// connection, node-redis 6 with its default RESP3 and with RESP: 2, and RESP3 and RESP2
// clients (node-redis, ioredis, redis-cli) working on the same keys at the same time.
import { spawn } from 'node:child_process'
import t from 'tap'
import { createClient, RESP_TYPES, WatchError } from 'redis'
import { ReplyStrings } from '../../src/resp/reply-strings.js'
import { slotOf, startCoreEnv } from '../helpers/core-env.js'
import { startStandaloneRedis } from '../helpers/standalone-redis.js'
import { cmd, eventually, RawConn, RawConns, showFrames } from '../helpers/raw-conn.js'

const env = await startCoreEnv({ cluster: { nodeTimeoutMs: 1000 } })
const standalone = await startStandaloneRedis()
const closers: Array<() => unknown> = []
t.teardown(async () => {
  raws.destroyAll()
  for (const close of closers) await Promise.resolve(close()).catch(() => undefined)
  await env.stop()
  await standalone.stop()
})
const port = env.proxy.port
const raws = new RawConns(port)
const raw = async (p = port): Promise<RawConn> => await raws.open(p)

/** A raw connection that has switched to RESP3 (HELLO 3 answered). */
async function raw3 (p = port): Promise<RawConn> {
  const c = await raw(p)
  const hello = await c.call('HELLO', '3')
  if (!hello.startsWith('%7\r\n')) throw new Error(`HELLO 3 answered ${showFrames([hello])}`)
  return c
}

type NodeRedis = ReturnType<typeof createClient>

async function nodeRedis (resp: 2 | 3 | undefined, extra: Record<string, unknown> = {}): Promise<NodeRedis> {
  const options = { socket: { host: '127.0.0.1', port, reconnectStrategy: false as const }, ...(resp === undefined ? {} : { RESP: resp }), ...extra }
  const c = createClient(options as Parameters<typeof createClient>[0]) as NodeRedis
  c.on('error', () => { /* surfaced by the commands */ })
  closers.push(() => { c.destroy() })
  await c.connect()
  return c
}

/** Rejects after `ms` instead of hanging the test on a client that lost track of replies. */
async function within<T> (ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<T>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`${what}: no answer within ${ms} ms`)) }, ms) })])
  } finally {
    clearTimeout(timer)
  }
}

const bulk = (s: string): string => `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`
const push = (...parts: string[]): string => `>${parts.length}\r\n${parts.join('')}`
/** HELLO's reply with the id replaced, so slotgate's and redis-server's can be compared. */
const anonId = (f: string): string => f.replace(/(\$2\r\nid\r\n):\d+/, '$1:<id>')

t.test('HELLO 3 answers Redis 7\'s map; HELLO 2 switches back; errors as Redis gives them', async t => {
  const steps = [cmd('HELLO'), cmd('HELLO', '3'), cmd('HELLO'), cmd('HELLO', '2'), cmd('HELLO', '4'), cmd('HELLO', 'x'),
    cmd('HELLO', '3', 'AUTH', 'default', 'anything'), cmd('HELLO', '3', 'SETNAME', 'resp3-client'), cmd('CLIENT', 'GETNAME'),
    cmd('HELLO', '2', 'SETNAME', 'bad name'), cmd('CLIENT', 'GETNAME'), cmd('GET', '{r3}nokey')]
  const out: Record<string, string[]> = {}
  for (const [name, p] of [['slotgate', port], ['redis', standalone.port]] as const) {
    const c = await raw(p)
    c.write(steps.join(''))
    out[name] = (await c.read(steps.length).catch((e: Error) => [e.message])).map(anonId)
  }
  const map3 = '%7\r\n' + bulk('server') + bulk('redis') + bulk('version') + bulk('7.0.15') + bulk('proto') + ':3\r\n' +
    bulk('id') + ':<id>\r\n' + bulk('mode') + bulk('standalone') + bulk('role') + bulk('master') + bulk('modules') + '*0\r\n'
  const arr2 = map3.replace('%7', '*14').replace(':3\r\n', ':2\r\n')
  t.same(out.redis, [arr2, map3, map3, arr2, '-NOPROTO unsupported protocol version\r\n',
    '-ERR Protocol version is not an integer or out of range\r\n', map3, map3, bulk('resp3-client'),
    '-ERR Client names cannot contain spaces, newlines or special characters.\r\n', bulk('resp3-client'), '_\r\n'],
  'what redis-server 7.0.15 answers (a failed HELLO changes nothing: still RESP3)')
  t.same(out.slotgate, out.redis.map(f => f.replace(bulk('mode') + bulk('standalone'), bulk('mode') + bulk('cluster'))),
    'slotgate answers the same, byte for byte, but for mode: cluster (it is a one-node cluster, as INFO says)')

  const c = await raw()
  const id = Number(/^:(\d+)/.exec(await c.call('CLIENT', 'ID'))?.[1])
  t.match(await c.call('HELLO', '3'), new RegExp(`\\$2\\r\\nid\\r\\n:${id}\\r\\n`), 'HELLO\'s id is the CLIENT ID')
})

t.test('the nodes\' RESP3 types pass through untouched after HELLO 3, RESP2 after HELLO 2', async t => {
  const c = await raw3()
  const h = '{r3:types}hash'
  const s = '{r3:types}set'
  const z = '{r3:types}zset'
  const x = '{r3:types}stream'
  c.write(cmd('DEL', h, s, z, x) + cmd('HSET', h, 'f', 'v') + cmd('SADD', s, 'm') + cmd('ZADD', z, '1.5', 'm') + cmd('XADD', x, '1-1', 'f', 'v'))
  await c.read(5)
  const script = 'redis.setresp(3); return {true, false, {big_number=\'123456789012345678901234567890\'}, {map={a=1}}, {set={x=true}}}'
  const cases: Array<[string, string, string]> = [
    // command, RESP3 bytes (redis-server 7.0.15), RESP2 bytes
    [cmd('HGETALL', h), `%1\r\n${bulk('f')}${bulk('v')}`, `*2\r\n${bulk('f')}${bulk('v')}`],
    [cmd('HGETALL', '{r3:types}none'), '%0\r\n', '*0\r\n'],
    [cmd('SMEMBERS', s), `~1\r\n${bulk('m')}`, `*1\r\n${bulk('m')}`],
    [cmd('ZSCORE', z, 'm'), ',1.5\r\n', bulk('1.5')],
    [cmd('ZRANGE', z, '0', '-1', 'WITHSCORES'), `*1\r\n*2\r\n${bulk('m')},1.5\r\n`, `*2\r\n${bulk('m')}${bulk('1.5')}`],
    [cmd('ZSCORE', z, 'none'), '_\r\n', '$-1\r\n'],
    [cmd('GET', '{r3:types}none'), '_\r\n', '$-1\r\n'],
    [cmd('HGET', h, 'none'), '_\r\n', '$-1\r\n'],
    [cmd('XRANGE', x, '-', '+'), `*1\r\n*2\r\n${bulk('1-1')}*2\r\n${bulk('f')}${bulk('v')}`, `*1\r\n*2\r\n${bulk('1-1')}*2\r\n${bulk('f')}${bulk('v')}`],
    [cmd('BLPOP', '{r3:types}empty', '0.05'), '_\r\n', '*-1\r\n'],
    [cmd('EVAL', script, '0'), `*5\r\n#t\r\n#f\r\n(123456789012345678901234567890\r\n%1\r\n${bulk('a')}:1\r\n~1\r\n${bulk('x')}`,
      `*5\r\n:1\r\n:0\r\n${bulk('123456789012345678901234567890')}*2\r\n${bulk('a')}:1\r\n*1\r\n${bulk('x')}`]
  ]
  for (const [req, resp3] of cases) {
    c.write(req)
    t.equal((await c.read(1))[0], resp3, `RESP3: ${req.split('\r\n')[2]} ${req.split('\r\n')[4] ?? ''}`)
  }
  t.equal(await c.call('HELLO', '2').then(f => f.slice(0, 4)), '*14\r')
  for (const [req, , resp2] of cases) {
    c.write(req)
    t.equal((await c.read(1))[0], resp2, `RESP2 again on the same connection: ${req.split('\r\n')[2]}`)
  }

  // A WATCH-aborted EXEC is RESP3's null.
  const w = await raw3()
  const k = '{r3:types}watched'
  t.equal(await w.call('WATCH', k), '+OK\r\n')
  await env.direct.set(k, 'changed')
  w.write(cmd('MULTI') + cmd('SET', k, 'x') + cmd('EXEC'))
  t.same(await w.read(3), ['+OK\r\n', '+QUEUED\r\n', '_\r\n'])
})

t.test('local and merged replies in RESP3: INFO verbatim, CLIENT INFO, MGET with _, sums, SCAN', async t => {
  const c = await raw3()
  const info = await c.call('INFO', 'server')
  t.match(info, /^=\d+\r\ntxt:# Server\r\n/, 'INFO in RESP3 is a verbatim string of format txt')
  const len = Number(/^=(\d+)\r\n/.exec(info)?.[1])
  t.equal(len, Buffer.byteLength(info, 'latin1') - `=${len}\r\n`.length - 2, 'its length covers "txt:" and the text')
  const info2 = await (await raw()).call('INFO', 'server')
  t.match(info2, /^\$\d+\r\n# Server\r\n/, 'RESP2: a bulk string')
  t.match(await c.call('CLIENT', 'INFO'), /^=\d+\r\ntxt:id=\d+ .* resp=3 lib-name= lib-ver=\n\r\n$/, 'CLIENT INFO: verbatim, resp=3')
  t.match(await c.call('CLIENT', 'LIST'), /^=\d+\r\ntxt:id=/, 'CLIENT LIST: verbatim')
  t.equal(await c.call('CLIENT', 'GETNAME'), '_\r\n', 'no name: RESP3 null')
  t.equal(await c.call('PING'), '+PONG\r\n')
  t.equal(await c.call('ECHO', 'e'), bulk('e'))

  const keys = env.masters.flatMap(m => [env.keyOn(m, 'r3:mget:a:'), env.keyOn(m, 'r3:mget:b:')])
  t.equal(new Set(keys.map(k => env.ownerAtStart(slotOf(k)))).size, 3, 'MGET keys on all three masters')
  await env.direct.set(keys[0], 'v0')
  await env.direct.set(keys[3], 'v3')
  await env.direct.set(keys[4], 'v4')
  const expect = keys.map((_k, i) => [0, 3, 4].includes(i) ? bulk(`v${i}`) : null)
  t.equal(await c.call('MGET', ...keys), `*6\r\n${expect.map(e => e ?? '_\r\n').join('')}`, 'MGET across slots: values in key order, missing as _')
  t.equal(await (await raw()).call('MGET', ...keys), `*6\r\n${expect.map(e => e ?? '$-1\r\n').join('')}`, 'RESP2: missing as $-1')
  t.equal(await c.call('EXISTS', ...keys), ':3\r\n')
  t.match(await c.call('DBSIZE'), /^:\d+\r\n$/)
  const scan = await c.call('SCAN', '0', 'MATCH', 'r3:mget:*', 'COUNT', '1000')
  t.match(scan, /^\*2\r\n\$\d+\r\n[^\r]+\r\n\*\d+\r\n/, 'SCAN: [cursor, keys]')
})

t.test('RESP3 push messages on the client connection, interleaved with ordinary replies', async t => {
  const c = await raw3()
  const pub = await env.legacyClient({ protocol: 2 })
  const sch = env.keyOn(env.masters[1], 'r3:push:shard:')
  c.write(cmd('SUBSCRIBE', 'r3:push'))
  t.same(await c.read(1), [push(bulk('subscribe'), bulk('r3:push'), ':1\r\n')])
  await env.direct.set('{r3:push}k', 'value')
  t.equal(await c.call('GET', '{r3:push}k'), bulk('value'), 'an ordinary command on the subscribed RESP3 connection')
  t.equal(await c.call('PING'), '+PONG\r\n', 'PING is the ordinary PONG in RESP3')
  await pub.publish('r3:push', 'hello')
  t.same(await c.read(1), [push(bulk('message'), bulk('r3:push'), bulk('hello'))])
  c.write(cmd('SSUBSCRIBE', sch))
  t.same(await c.read(1), [push(bulk('ssubscribe'), bulk(sch), ':1\r\n')])
  await pub.call('SPUBLISH', sch, 'sharded')
  t.same(await c.read(1), [push(bulk('smessage'), bulk(sch), bulk('sharded'))])
  c.write(cmd('UNSUBSCRIBE'))
  t.same(await c.read(1), [push(bulk('unsubscribe'), bulk('r3:push'), ':0\r\n')])
  c.write(cmd('SUNSUBSCRIBE'))
  t.same(await c.read(1), [push(bulk('sunsubscribe'), bulk(sch), ':0\r\n')])
  t.same(await c.drain(100), [])

  // Pipelined in one write, as clients send them: Redis answers push, reply, reply.
  const d = await raw3()
  d.write(cmd('SUBSCRIBE', 'r3:push:pipe') + cmd('GET', '{r3:push}k') + cmd('PING'))
  t.same(await d.read(3), [push(bulk('subscribe'), bulk('r3:push:pipe'), ':1\r\n'), bulk('value'), '+PONG\r\n'],
    'the subscribe confirmation before the replies of the commands after it')
})

for (const resp of [3, 2] as const) {
  t.test(`node-redis 6 with ${resp === 3 ? 'default options (RESP3)' : 'RESP: 2'}`, async t => {
    const c = await nodeRedis(resp === 3 ? undefined : 2)
    const p = `r3:nr${resp}`
    t.equal(await c.ping(), 'PONG')
    t.equal(await c.set(`${p}:s`, 'v'), 'OK')
    t.equal(await c.get(`${p}:s`), 'v')
    t.equal(await c.get(`${p}:missing`), null)

    t.equal(await c.hSet(`${p}:h`, { a: '1', b: '2' }), 2)
    t.same({ ...await c.hGetAll(`${p}:h`) }, { a: '1', b: '2' })
    t.same({ ...await c.hGetAll(`${p}:none`) }, {})
    const rawHash = await c.sendCommand(['HGETALL', `${p}:h`])
    if (resp === 3) t.same({ ...(rawHash as unknown as Record<string, string>) }, { a: '1', b: '2' }, 'RESP3: the reply itself is a map')
    else t.same(rawHash, ['a', '1', 'b', '2'], 'RESP2: a flat array')

    t.equal(await c.sAdd(`${p}:set`, ['x', 'y', 'z']), 3)
    t.same((await c.sMembers(`${p}:set`)).sort(), ['x', 'y', 'z'])
    t.equal(await c.zAdd(`${p}:z`, [{ score: 1.5, value: 'a' }, { score: -2, value: 'b' }]), 2)
    t.equal(await c.zScore(`${p}:z`, 'a'), 1.5)
    t.equal(await c.zScore(`${p}:z`, 'none'), null)
    t.same(await c.sendCommand(['ZSCORE', `${p}:z`, 'b']), resp === 3 ? -2 : '-2', 'the double is a number only in RESP3')
    t.same(await c.zRangeWithScores(`${p}:z`, 0, -1), [{ value: 'b', score: -2 }, { value: 'a', score: 1.5 }])

    const id1 = await c.xAdd(`${p}:x`, '*', { f: '1' })
    const id2 = await c.xAdd(`${p}:x`, '*', { f: '2' })
    t.same(((await c.xRange(`${p}:x`, '-', '+')) ?? []).map(e => ({ id: e?.id, message: { ...e?.message } })),
      [{ id: id1, message: { f: '1' } }, { id: id2, message: { f: '2' } }])

    // MGET across slots, on every master, missing keys as null.
    const keys = env.masters.flatMap(m => [env.keyOn(m, `${p}:mget:a:`), env.keyOn(m, `${p}:mget:b:`)])
    await c.set(keys[1], 'one')
    await c.set(keys[5], 'five')
    t.same(await c.mGet(keys), [null, 'one', null, null, null, 'five'])

    const tx = await c.multi().set(`{${p}}t`, '10').incrBy(`{${p}}t`, 5).get(`{${p}}t`).hSet(`{${p}}th`, 'f', 'v').hGetAll(`{${p}}th`).exec()
    t.same(tx.map(v => (v !== null && typeof v === 'object' && !Array.isArray(v)) ? { ...v } : v), ['OK', 15, '15', 1, { f: 'v' }], 'MULTI/EXEC')
    const other = await nodeRedis(resp === 3 ? undefined : 2)
    await c.watch(`{${p}}w`)
    await other.set(`{${p}}w`, 'meddled')
    const aborted = await c.multi().set(`{${p}}w`, 'mine').exec().then(() => 'executed', (e: Error) => e instanceof WatchError ? 'WatchError' : e.message)
    t.equal(aborted, 'WatchError', 'a WATCH conflict surfaces as node-redis\' WatchError')
    t.equal(await c.get(`{${p}}w`), 'meddled')

    // Pub/sub on a duplicate connection: classic, pattern and sharded.
    const sub = c.duplicate()
    sub.on('error', () => { /* surfaced by the commands */ })
    closers.push(() => { sub.destroy() })
    await sub.connect()
    const got: string[] = []
    const sch = env.keyOn(env.masters[2], `${p}:sch:`)
    await sub.subscribe(`${p}:ch`, (m, ch) => { got.push(`${ch}=${m}`) })
    await sub.pSubscribe(`${p}:pat:*`, (m, ch) => { got.push(`p:${ch}=${m}`) })
    await sub.sSubscribe(sch, (m, ch) => { got.push(`s:${ch}=${m}`) })
    for (let i = 0; i < 5; i++) await c.publish(`${p}:ch`, `m${i}`)
    await c.publish(`${p}:pat:1`, 'pm')
    await c.sPublish(sch, 'sm')
    t.ok(await eventually(() => got.length === 7, 3000), `7 messages (got ${got.length})`)
    // Classic messages travel the cluster bus, sharded ones do not: only each kind keeps its order.
    t.same(got.filter(m => !m.startsWith('s:')), [`${p}:ch=m0`, `${p}:ch=m1`, `${p}:ch=m2`, `${p}:ch=m3`, `${p}:ch=m4`, `p:${p}:pat:1=pm`])
    t.same(got.filter(m => m.startsWith('s:')), [`s:${sch}=sm`])
    await sub.unsubscribe()
    await sub.pUnsubscribe()
    await sub.sUnsubscribe()
    // String(): node-redis in RESP2 hands this one reply over as a Buffer (it does so against redis-server too).
    t.equal(String(await within(3000, sub.get(`${p}:s`), 'GET after unsubscribing everything')), 'v', 'the duplicate is an ordinary connection again')
  })
}

t.test('node-redis RESP3: one connection subscribes and then runs ordinary commands', async t => {
  const c = await nodeRedis(undefined)
  const pub = await nodeRedis(undefined)
  const got: string[] = []
  await c.set('r3:same:k', 'before')
  await c.subscribe('r3:same', (m) => { got.push(m) })
  t.equal(await within(3000, c.get('r3:same:k'), 'GET on the subscribed connection'), 'before')
  t.equal(await within(3000, c.set('r3:same:k', 'after'), 'SET on the subscribed connection'), 'OK')
  await pub.publish('r3:same', 'one')
  t.equal(await within(3000, c.incr('r3:same:n'), 'INCR'), 1)
  await pub.publish('r3:same', 'two')
  t.ok(await eventually(() => got.length === 2, 2000))
  t.same(got, ['one', 'two'])
  t.equal(await pub.get('r3:same:k'), 'after')

  // Without awaiting in between, as an application firing both at once does.
  const both = await within(3000, Promise.all([c.subscribe('r3:same:2', (m) => { got.push(m) }), c.get('r3:same:k'), c.ping()]),
    'SUBSCRIBE + GET + PING sent together').catch((e: Error) => e.message)
  t.same(both, [undefined, 'after', 'PONG'], 'each command gets its own reply')
})

t.test('node-redis, ioredis (RESP2 and RESP3) and redis-cli on the same keys at the same time see the same data', async t => {
  const n = 200
  const counter = '{r3:mix}counter'
  const hash = '{r3:mix}hash'
  const spread = env.masters.map(m => env.keyOn(m, 'r3:mix:spread:'))
  const nr3 = await nodeRedis(undefined)
  const nr2 = await nodeRedis(2)
  const io2 = await env.legacyClient({ protocol: 2 })
  const io3 = await env.legacyClient({ protocol: 3 })
  t.equal(await io3.call('CLIENT', 'INFO').then(s => /resp=(\d)/.exec(String(s))?.[1]), '3', 'ioredis\' default speaks RESP3')
  t.equal(await io2.call('CLIENT', 'INFO').then(s => /resp=(\d)/.exec(String(s))?.[1]), '2')
  t.equal(await nr3.sendCommand(['CLIENT', 'INFO']).then(s => /resp=(\d)/.exec(String(s))?.[1]), '3')

  const cliInput = Array.from({ length: n }, () => `INCR ${counter}\nHINCRBY ${hash} cli 1\n`).join('')
  const seen: Record<string, number[]> = { nr3: [], nr2: [], io2: [], io3: [] }
  await Promise.all([
    (async () => { for (let i = 0; i < n; i++) { seen.nr3.push(await nr3.incr(counter)); await nr3.hIncrBy(hash, 'nr3', 1) } })(),
    (async () => { for (let i = 0; i < n; i++) { seen.nr2.push(await nr2.incr(counter)); await nr2.hIncrBy(hash, 'nr2', 1) } })(),
    (async () => { for (let i = 0; i < n; i++) { seen.io2.push(await io2.incr(counter)); await io2.hincrby(hash, 'io2', 1) } })(),
    (async () => { for (let i = 0; i < n; i++) { seen.io3.push(await io3.incr(counter)); await io3.hincrby(hash, 'io3', 1) } })(),
    cli(['-h', '127.0.0.1', '-p', String(port)], cliInput)
  ])
  for (const [name, values] of Object.entries(seen)) {
    t.ok(values.every((v, i) => i === 0 || v > values[i - 1]), `${name} saw the counter only grow`)
  }
  const all = Object.values(seen).flat()
  t.equal(new Set(all).size, all.length, 'no two INCRs returned the same value')
  const total = String(5 * n)
  t.equal(await nr3.get(counter), total)
  t.equal(await nr2.get(counter), total)
  t.equal(await io2.get(counter), total)
  t.equal(await io3.get(counter), total)
  t.equal((await cli(['-h', '127.0.0.1', '-p', String(port), 'GET', counter])).trim(), total)
  t.equal(await env.direct.get(counter), total, 'and the cluster holds it')
  const fieldsWanted = { nr3: String(n), nr2: String(n), io2: String(n), io3: String(n), cli: String(n) }
  t.same({ ...await nr3.hGetAll(hash) }, fieldsWanted)
  t.same({ ...await nr2.hGetAll(hash) }, fieldsWanted)
  t.same(await io2.hgetall(hash), fieldsWanted)
  t.same(await io3.hgetall(hash), fieldsWanted)
  const cliHash = (await cli(['-h', '127.0.0.1', '-p', String(port), 'HGETALL', hash])).trim().split('\n')
  const cliObj: Record<string, string> = {}
  for (let i = 0; i < cliHash.length; i += 2) cliObj[cliHash[i]] = cliHash[i + 1]
  t.same(cliObj, fieldsWanted)

  // Keys over all masters written by one protocol, read by the others.
  await nr3.mSet(spread.map((k, i): [string, string] => [k, `resp3-${i}`]))
  const expected = spread.map((_, i) => `resp3-${i}`)
  t.same(await nr2.mGet(spread), expected)
  t.same(await io2.mget(spread), expected)
  t.same(await io3.mget(spread), expected)
  t.same((await cli(['-h', '127.0.0.1', '-p', String(port), 'MGET', ...spread])).trim().split('\n'), expected)
  await io2.hset('{r3:mix}h2', 'k', 'from-resp2')
  const asMap = await nr3.withTypeMapping({ [RESP_TYPES.MAP]: Map }).hGetAll('{r3:mix}h2')
  t.ok(asMap instanceof Map, 'node-redis RESP3 received a real map')
  t.same([...(asMap as unknown as Map<string, string>)], [['k', 'from-resp2']])
})

t.test('CLIENT TRACKING is refused with the clear error in RESP3 too', async t => {
  const c = await raw3()
  t.equal(await c.call('CLIENT', 'TRACKING', 'on'), `-${ReplyStrings.trackingUnsupported}\r\n`)
})

/** Runs redis-cli with `args` and `input` on stdin; resolves with its stdout. */
async function cli (args: string[], input = ''): Promise<string> {
  return await new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let errOut = ''
    const timer = setTimeout(() => { child.kill('SIGKILL') }, 20_000)
    child.stdout.on('data', (d: Buffer) => { out += d.toString('latin1') })
    child.stderr.on('data', (d: Buffer) => { errOut += d.toString('latin1') })
    child.stdin.on('error', () => { /* a one-shot redis-cli may exit before reading stdin */ })
    child.on('error', reject)
    child.on('close', code => {
      clearTimeout(timer)
      if (code === 0) resolve(out)
      else reject(new Error(`redis-cli ${args.join(' ')} exited ${String(code)}: ${errOut}`))
    })
    child.stdin.end(input)
  })
}
