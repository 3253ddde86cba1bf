// Connection commands through slotgate on a real 3-master cluster (issue 5, "Client
// commands"): CLIENT SETNAME / GETNAME / ID / INFO / LIST / KILL / REPLY / NO-EVICT, RESET,
// ECHO and CLIENT TRACKING, answered for slotgate's own clients. Where Redis' answer is
// deterministic the same bytes are sent to a standalone redis-server 7.0.15 and compared.
import t from 'tap'
import { ReplyStrings } from '../../src/resp/reply-strings.js'
import { startCoreEnv } from '../helpers/core-env.js'
import { startStandaloneRedis } from '../helpers/standalone-redis.js'
import { cmd, eventually, RawConn, RawConns, showFrames } from '../helpers/raw-conn.js'

const env = await startCoreEnv({ cluster: { nodeTimeoutMs: 1000 } })
const standalone = await startStandaloneRedis()
t.teardown(async () => {
  raws.destroyAll()
  await env.stop()
  await standalone.stop()
})
const port = env.proxy.port
const raws = new RawConns(port)
const raw = async (p = port): Promise<RawConn> => await raws.open(p)

const bulk = (s: string): string => `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`
const err = (s: string): string => `-${s}\r\n`
/** The text of a bulk string frame. */
const text = (f: string): string => f.slice(f.indexOf('\r\n') + 2, -2)
const intOf = (f: string): number => Number(/^:(-?\d+)\r\n$/.exec(f)?.[1] ?? NaN)

/** The same request bytes on a fresh connection to slotgate and to redis-server; everything each answered. */
async function both (bytes: string, frames: number): Promise<{ slotgate: string[], redis: string[] }> {
  const out = { slotgate: [] as string[], redis: [] as string[] }
  for (const [name, p] of [['slotgate', port], ['redis', standalone.port]] as const) {
    const c = await raw(p)
    c.write(bytes)
    out[name] = await c.read(frames, 3000).catch((e: Error) => [`<${e.message}>`])
    out[name].push(...await c.drain(150))
    c.destroy()
  }
  return out
}

/** A CLIENT LIST / INFO line as field → value, keeping the field order. */
function fields (line: string): Array<[string, string]> {
  return line.trim().split(' ').map(kv => {
    const i = kv.indexOf('=')
    return [kv.slice(0, i), kv.slice(i + 1)]
  })
}

t.test('CLIENT SETNAME / GETNAME, as Redis answers them', async t => {
  const bytes = cmd('CLIENT', 'GETNAME') + cmd('CLIENT', 'SETNAME', 'app-1') + cmd('CLIENT', 'GETNAME') +
    cmd('CLIENT', 'SETNAME', 'a b') + cmd('CLIENT', 'SETNAME', 'a\nb') + cmd('CLIENT', 'GETNAME') +
    cmd('CLIENT', 'SETNAME', '') + cmd('CLIENT', 'GETNAME') + cmd('CLIENT', 'SETNAME')
  const { slotgate, redis } = await both(bytes, 9)
  t.same(redis, ['$-1\r\n', '+OK\r\n', bulk('app-1'), err(ReplyStrings.invalidClientName), err(ReplyStrings.invalidClientName),
    bulk('app-1'), '+OK\r\n', '$-1\r\n', err('ERR wrong number of arguments for \'client|setname\' command')])
  t.same(slotgate.slice(0, 8), redis.slice(0, 8))
  t.match(slotgate[8], /^-ERR wrong number of arguments for 'client.setname' command\r\n$/)

  // ioredis' connectionName option sends CLIENT SETNAME on connect.
  const named = await env.legacyClient({ protocol: 2, connectionName: 'worker-7' })
  t.equal(await named.client('GETNAME'), 'worker-7')
  // The name is slotgate's, never set on the shared node links.
  for (const m of env.masters) {
    const list = String(await env.direct.nodes('master').find(n => n.options.port === m)?.client('LIST'))
    t.notMatch(list, /name=worker-7/, `node ${m} does not carry the client's name`)
  }
})

t.test('CLIENT ID: unique per connection, the same in CLIENT INFO and HELLO', async t => {
  const a = await raw()
  const b = await raw()
  const idA = intOf(await a.call('CLIENT', 'ID'))
  const idB = intOf(await b.call('CLIENT', 'ID'))
  t.ok(idA > 0 && idB > 0 && idA !== idB, `ids ${idA} and ${idB}`)
  t.equal(intOf(await a.call('CLIENT', 'ID')), idA, 'stable')
  t.match(text(await a.call('CLIENT', 'INFO')), new RegExp(`^id=${idA} `))
  const hello = await a.call('HELLO', '2')
  t.match(hello, new RegExp(`\\$2\\r\\nid\\r\\n:${idA}\\r\\n`), 'HELLO says the same id')
})

t.test('CLIENT INFO: one line with Redis 7.0\'s fields in Redis\' order, about this connection', async t => {
  const c = await raw()
  t.equal(await c.call('CLIENT', 'SETNAME', 'info-me'), '+OK\r\n')
  const id = intOf(await c.call('CLIENT', 'ID'))
  const reply = await c.call('CLIENT', 'INFO')
  t.match(reply, /^\$\d+\r\n[^\r\n]*\n\r\n$/, 'RESP2: a bulk string holding one line ending in \\n')
  const f = new Map(fields(text(reply)))
  t.equal(f.get('id'), String(id))
  t.equal(f.get('addr'), c.localAddress, 'addr is the client\'s own address')
  t.equal(f.get('laddr'), `127.0.0.1:${port}`, 'laddr is slotgate\'s listening address')
  t.equal(f.get('name'), 'info-me')
  t.equal(f.get('cmd'), 'client|info', 'cmd as Redis 7 names it')
  t.equal(f.get('resp'), '2')
  t.equal(f.get('multi'), '-1')
  t.equal(f.get('db'), '0')

  const r = await raw(standalone.port)
  const redisKeys = fields(text(await r.call('CLIENT', 'INFO'))).map(([k]) => k)
  t.same(fields(text(reply)).map(([k]) => k), [...redisKeys, 'lib-name', 'lib-ver'],
    'the same fields as redis-server 7.0.15, in its order, then 7.2\'s lib-name and lib-ver (CLIENT SETINFO)')
})

t.test('CLIENT LIST: every slotgate client once, ID filter, counts of subscriptions', async t => {
  const c = await raw()
  const others = await Promise.all([0, 1, 2].map(async () => await raw()))
  const ids = await Promise.all(others.map(async o => intOf(await o.call('CLIENT', 'ID'))))
  await others[0].call('CLIENT', 'SETNAME', 'listed')
  const reply = await c.call('CLIENT', 'LIST')
  const lines = text(reply).split('\n').filter(l => l !== '')
  t.equal(lines.length, env.proxy.server.clientCount, 'one line per connected client of slotgate (not the nodes\' clients)')
  const listedIds = lines.map(l => Number(new Map(fields(l)).get('id')))
  t.equal(new Set(listedIds).size, listedIds.length, 'each client once')
  for (const id of ids) t.ok(listedIds.includes(id), `client ${id} listed`)
  t.ok(lines.some(l => l.includes(' name=listed ')))

  const only = text(await c.call('CLIENT', 'LIST', 'ID', String(ids[0]), String(ids[2])))
  t.same(only.split('\n').filter(l => l !== '').map(l => Number(new Map(fields(l)).get('id'))).sort((a, b) => a - b),
    [ids[0], ids[2]].sort((a, b) => a - b), 'CLIENT LIST ID a b lists exactly those')

  // sub / psub / ssub are counted separately, as Redis does.
  const s = others[1]
  s.write(cmd('SUBSCRIBE', 'cl:a', 'cl:b') + cmd('PSUBSCRIBE', 'cl:p*'))
  await s.read(3)
  const line = new Map(fields(text(await c.call('CLIENT', 'LIST', 'ID', String(ids[1])))))
  t.same([line.get('sub'), line.get('psub'), line.get('ssub')], ['2', '1', '0'], 'sub=2 psub=1 ssub=0')
  const pubsubOnly = text(await c.call('CLIENT', 'LIST', 'TYPE', 'pubsub')).split('\n').filter(l => l !== '')
  t.same(pubsubOnly.map(l => Number(new Map(fields(l)).get('id'))), [ids[1]], 'CLIENT LIST TYPE pubsub: only the subscriber')
  t.equal(await c.call('CLIENT', 'LIST', 'TYPE', 'bogus'), err('ERR Unknown client type \'bogus\''))
})

t.test('CLIENT KILL: old form, ID, ADDR, SKIPME; the victim\'s connection closes', async t => {
  const c = await raw()
  const v1 = await raw()
  const v2 = await raw()
  const v3 = await raw()
  const id2 = intOf(await v2.call('CLIENT', 'ID'))
  await v1.call('PING')
  await v3.call('PING')

  t.equal(await c.call('CLIENT', 'KILL', v1.localAddress), '+OK\r\n', 'old form: CLIENT KILL ip:port → +OK')
  t.ok(await v1.waitClosed(2000), 'victim 1 disconnected')
  t.equal(await c.call('CLIENT', 'KILL', '127.0.0.1:1'), err(ReplyStrings.noSuchClient), 'old form, no such client')

  t.equal(await c.call('CLIENT', 'KILL', 'ID', String(id2)), ':1\r\n', 'CLIENT KILL ID → count 1')
  t.ok(await v2.waitClosed(2000), 'victim 2 disconnected')
  t.equal(await c.call('CLIENT', 'KILL', 'ID', String(id2)), ':0\r\n', 'gone already: 0')
  t.equal(await c.call('CLIENT', 'KILL', 'ADDR', v3.localAddress), ':1\r\n', 'CLIENT KILL ADDR → count 1')
  t.ok(await v3.waitClosed(2000), 'victim 3 disconnected')

  const myId = intOf(await c.call('CLIENT', 'ID'))
  t.equal(await c.call('CLIENT', 'KILL', 'ID', String(myId)), ':0\r\n', 'SKIPME yes by default: not killed')
  t.equal(await c.call('PING'), '+PONG\r\n')
  t.equal(await c.call('CLIENT', 'KILL', 'ID', '99999999', 'SKIPME', 'no'), ':0\r\n')
  t.equal(await c.call('CLIENT', 'KILL', 'MAXAGE', '100'), err('ERR syntax error'))

  // Killing oneself: Redis sends the reply, then closes.
  const { slotgate, redis } = await (async () => {
    const out: Record<string, string[]> = {}
    for (const [name, p] of [['slotgate', port], ['redis', standalone.port]] as const) {
      const self = await raw(p)
      const id = intOf(await self.call('CLIENT', 'ID'))
      self.write(cmd('CLIENT', 'KILL', 'ID', String(id), 'SKIPME', 'no'))
      out[name] = await self.drain(200)
      out[name].push(await self.waitClosed(2000) ? '<closed>' : '<open>')
    }
    return { slotgate: out.slotgate, redis: out.redis }
  })()
  t.same(redis, [':1\r\n', '<closed>'])
  t.same(slotgate, redis, 'CLIENT KILL ID <own id> SKIPME no: the reply, then the close')
})

t.test('CLIENT KILL of a blocked client frees its blocking connection; of a subscriber, its subscriptions', async t => {
  const c = await raw()
  const blocked = await raw()
  const id = intOf(await blocked.call('CLIENT', 'ID'))
  const pool = (): number => env.proxy.blocking.active
  const base = pool()
  blocked.write(cmd('BLPOP', '{cl:kill}list', '0'))
  t.ok(await eventually(() => pool() - base === 1, 2000))
  t.equal(await c.call('CLIENT', 'KILL', 'ID', String(id)), ':1\r\n')
  t.ok(await blocked.waitClosed(2000))
  t.ok(await eventually(() => pool() - base === 0, 500), `blocking pool back where it was (delta ${pool() - base})`)
  await env.direct.rpush('{cl:kill}list', 'kept')
  t.same(await env.direct.lrange('{cl:kill}list', 0, -1), ['kept'], 'the killed client took nothing')

  const sub = await raw()
  const subId = intOf(await sub.call('CLIENT', 'ID'))
  sub.write(cmd('SUBSCRIBE', 'cl:killed'))
  await sub.read(1)
  t.equal(await c.call('PUBSUB', 'NUMSUB', 'cl:killed'), `*2\r\n${bulk('cl:killed')}:1\r\n`)
  t.equal(await c.call('CLIENT', 'KILL', 'ID', String(subId)), ':1\r\n')
  t.ok(await eventually(async () => await c.call('PUBSUB', 'NUMSUB', 'cl:killed') === `*2\r\n${bulk('cl:killed')}:0\r\n`, 2000),
    'its node-side subscription is gone')
})

t.test('CLIENT REPLY OFF / ON / SKIP: exactly the bytes Redis sends', async t => {
  const k = '{cl:reply}k'
  const seq = cmd('CLIENT', 'REPLY', 'OFF') + cmd('PING') + cmd('SET', k, 'v') + cmd('CLIENT', 'REPLY', 'ON') + cmd('GET', k) +
    cmd('CLIENT', 'REPLY', 'SKIP') + cmd('PING', 'a') + cmd('PING', 'b') +
    cmd('CLIENT', 'REPLY', 'SKIP') + cmd('CLIENT', 'REPLY', 'SKIP') + cmd('PING', 'c') + cmd('PING', 'd') +
    cmd('CLIENT', 'REPLY', 'SKIP') + cmd('MGET', '{cl:x}1', '{cl:y}2') + cmd('PING', 'e') +
    cmd('CLIENT', 'REPLY', 'bogus')
  const { slotgate, redis } = await both(seq, 6)
  t.same(redis, ['+OK\r\n', bulk('v'), bulk('b'), bulk('d'), bulk('e'), err('ERR syntax error')])
  t.same(slotgate, redis, `slotgate: ${showFrames(slotgate)}`)
  t.equal(await env.direct.get(k), 'v', 'a command whose reply was off still ran')

  // SKIP while OFF changes nothing: replies stay off until ON.
  const off = await both(cmd('CLIENT', 'REPLY', 'OFF') + cmd('CLIENT', 'REPLY', 'SKIP') + cmd('PING', 'e') + cmd('PING', 'f') +
    cmd('CLIENT', 'REPLY', 'ON'), 1)
  t.same(off.redis, ['+OK\r\n'])
  t.same(off.slotgate, off.redis, `SKIP after OFF: slotgate ${showFrames(off.slotgate)}`)
})

t.test('CLIENT NO-EVICT, GETREDIR, TRACKING', async t => {
  const { slotgate, redis } = await both(cmd('CLIENT', 'NO-EVICT', 'on') + cmd('CLIENT', 'NO-EVICT', 'off') +
    cmd('CLIENT', 'NO-EVICT', 'bogus') + cmd('CLIENT', 'GETREDIR'), 4)
  t.same(redis, ['+OK\r\n', '+OK\r\n', err('ERR syntax error'), ':-1\r\n'])
  t.same(slotgate, redis)

  const c = await raw()
  t.equal(await c.call('CLIENT', 'TRACKING', 'on'), err(ReplyStrings.trackingUnsupported), 'CLIENT TRACKING: a clear error')
  t.match(ReplyStrings.trackingUnsupported, /CLIENT TRACKING/, 'it names what is unsupported')
  t.equal(await c.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'x'), err(ReplyStrings.trackingUnsupported))
  t.equal(await c.call('CLIENT', 'CACHING', 'yes'), err(ReplyStrings.trackingUnsupported))
  t.equal(await c.call('PING'), '+PONG\r\n', 'the connection goes on')
})

t.test('ECHO', async t => {
  const binary = '\x00\r\n\xff$-1\r\n'
  const { slotgate, redis } = await both(cmd('ECHO', 'hello') + cmd('ECHO', '') + cmd('ECHO', binary) + cmd('ECHO') + cmd('ECHO', 'a', 'b'), 5)
  t.same(redis, [bulk('hello'), bulk(''), bulk(binary), err('ERR wrong number of arguments for \'echo\' command'),
    err('ERR wrong number of arguments for \'echo\' command')])
  t.same(slotgate, redis)
})

t.test('RESET: name, protocol, MULTI, WATCH, reply mode and subscriptions back to a new connection\'s', async t => {
  const { slotgate, redis } = await both(cmd('HELLO', '3') + cmd('CLIENT', 'SETNAME', 'n') + cmd('MULTI') + cmd('SET', '{cl:r}a', '1') +
    cmd('RESET') + cmd('CLIENT', 'GETNAME') + cmd('EXEC') + cmd('GET', '{cl:r}nokey'), 8)
  t.equal(redis.length, 8)
  t.same(redis.slice(1), ['+OK\r\n', '+OK\r\n', '+QUEUED\r\n', '+RESET\r\n', '$-1\r\n', err('ERR EXEC without MULTI'), '$-1\r\n'],
    'after RESET: no name, no MULTI, RESP2 again ($-1, not _)')
  t.same(slotgate.slice(1), redis.slice(1))
  t.equal(await env.direct.exists('{cl:r}a'), 0, 'the discarded transaction never ran')

  const off = await both(cmd('CLIENT', 'REPLY', 'OFF') + cmd('RESET') + cmd('PING'), 2)
  t.same(off.redis, ['+RESET\r\n', '+PONG\r\n'])
  t.same(off.slotgate, off.redis, 'RESET turns replies back on and is itself answered')

  // RESET drops a WATCH: a later EXEC is not aborted by a change to the formerly watched key.
  const c = await raw()
  const k = '{cl:r}watched'
  t.equal(await c.call('WATCH', k), '+OK\r\n')
  t.equal(await c.call('RESET'), '+RESET\r\n')
  await env.direct.set(k, 'changed')
  c.write(cmd('MULTI') + cmd('SET', k, 'mine') + cmd('EXEC'))
  t.same(await c.read(3), ['+OK\r\n', '+QUEUED\r\n', '*1\r\n+OK\r\n'])
  t.equal(await env.direct.get(k), 'mine')
})
