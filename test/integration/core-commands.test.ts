// Core commands through slotgate with a plain single-node client, against a real
// 3-master/3-replica cluster: every data type on keys of every master, each reply checked
// exactly, then read back straight from the cluster; hash-tagged multi-key commands and
// CROSSSLOT; Redis' own error formats; and the commands slotgate answers itself.
import net from 'node:net'
import t from 'tap'
import type { Cluster, Redis } from 'ioredis'
import { ReplyStrings } from '../../src/resp/reply-strings.js'
import { errorOf, HOST, slotOf, startCoreEnv, type Tap } from '../helpers/core-env.js'
import { exchange } from '../helpers/core-raw.js'

const env = await startCoreEnv()
t.teardown(env.stop)
const client = await env.legacyClient()
/** Every key that must exist when the data subtests are done (INFO's db0:keys is checked against it). */
const written = new Set<string>()

/** What one step expects: an exact value, or one of the looser shapes below (still exact where Redis is). */
type Expect = { value: unknown } | { error: string } | { between: [number, number] } | { sorted: string[] } | { matches: RegExp }
type Step = { cmd: Array<string | number>, expect: Expect } | { sleepMs: number }

const is = (value: unknown): Expect => ({ value })
const fails = (error: string): Expect => ({ error })
const between = (lo: number, hi: number): Expect => ({ between: [lo, hi] })
const sorted = (values: string[]): Expect => ({ sorted: values })
const matches = (re: RegExp): Expect => ({ matches: re })
const step = (expect: Expect, ...cmd: Array<string | number>): Step => ({ cmd, expect })

/** Runs `steps` in order through slotgate, checking every reply. */
async function run (t: Tap, client: Redis, steps: Step[]): Promise<void> {
  for (const s of steps) {
    if ('sleepMs' in s) { await new Promise(resolve => setTimeout(resolve, s.sleepMs)); continue }
    const label = s.cmd.join(' ')
    let reply: unknown
    let error: string | null = null
    try {
      reply = await client.call(String(s.cmd[0]), ...s.cmd.slice(1))
    } catch (err) {
      error = (err as Error).message
    }
    const e = s.expect
    if ('error' in e) {
      t.equal(error, e.error, `${label} -> error`)
      continue
    }
    if (error !== null) { t.fail(`${label}: unexpected error ${error}`); continue }
    if ('value' in e) t.same(reply, e.value, label)
    else if ('between' in e) t.ok(typeof reply === 'number' && reply >= e.between[0] && reply <= e.between[1], `${label} -> ${String(reply)} in [${e.between.join(', ')}]`)
    else if ('sorted' in e) t.same(Array.isArray(reply) ? [...reply as string[]].sort() : reply, e.sorted, `${label} (sorted)`)
    else t.match(reply, e.matches, label)
  }
}

/** One data type: its steps on a key family `{base}...`, the keys left behind, and a direct read-back. */
interface DataCase {
  name: string
  steps (k: string): Step[]
  keysLeft (k: string): string[]
  checkDirect (t: Tap, direct: Cluster, k: string): Promise<void>
}

const CASES: DataCase[] = [
  {
    name: 'string',
    steps: k => [
      step(is('OK'), 'SET', k, 'hello'),
      step(is('hello'), 'GET', k),
      step(is(11), 'APPEND', k, ' world'),
      step(is(11), 'STRLEN', k),
      step(is('hello'), 'GETRANGE', k, 0, 4),
      step(is(11), 'SETRANGE', k, 6, 'WORLD'),
      step(is(null), 'SET', k, 'x', 'NX'),
      step(is('hello WORLD'), 'SET', k, 'hello WORLD!', 'XX', 'GET'),
      step(is('hello WORLD!'), 'GET', k),
      step(fails('ERR value is not an integer or out of range'), 'INCR', k),
      step(is(1), 'INCR', `${k}:n`),
      step(is(42), 'INCRBY', `${k}:n`, 41),
      step(is(41), 'DECR', `${k}:n`),
      step(is(40), 'DECRBY', `${k}:n`, 1),
      step(is('41.5'), 'INCRBYFLOAT', `${k}:n`, '1.5'),
      step(is(1), 'SETNX', `${k}:d`, 'a'),
      step(is(0), 'SETNX', `${k}:d`, 'b'),
      step(is('a'), 'GETDEL', `${k}:d`),
      step(is(0), 'EXISTS', `${k}:d`),
      step(is(null), 'GET', `${k}:d`),
      // Multi-key commands on one hash tag stay one slot, so they go through whole.
      step(is('OK'), 'MSET', `${k}:a`, '1', `${k}:b`, '2'),
      step(is(['1', '2', null]), 'MGET', `${k}:a`, `${k}:b`, `${k}:missing`),
      step(is(0), 'MSETNX', `${k}:a`, 'x', `${k}:c`, '3'),
      step(is(2), 'EXISTS', `${k}:a`, `${k}:c`, `${k}:b`)
    ],
    keysLeft: k => [k, `${k}:n`, `${k}:a`, `${k}:b`],
    async checkDirect (t, direct, k) {
      t.same(await direct.mget(k, `${k}:n`, `${k}:a`, `${k}:b`, `${k}:c`, `${k}:d`), ['hello WORLD!', '41.5', '1', '2', null, null], `${k}: strings in the cluster`)
    }
  },
  {
    name: 'hash',
    steps: k => [
      step(is(2), 'HSET', k, 'f1', 'v1', 'f2', 'v2'),
      step(is(0), 'HSET', k, 'f1', 'v1b'),
      step(is('v1b'), 'HGET', k, 'f1'),
      step(is(['v1b', 'v2', null]), 'HMGET', k, 'f1', 'f2', 'nope'),
      step(is(5), 'HINCRBY', k, 'n', 5),
      step(is(3), 'HLEN', k),
      step(is(1), 'HEXISTS', k, 'f2'),
      step(is(0), 'HEXISTS', k, 'nope'),
      step(is(1), 'HDEL', k, 'f2', 'nope'),
      step(is(['f1', 'v1b', 'n', '5']), 'HGETALL', k),
      step(is(['f1', 'n']), 'HKEYS', k),
      step(fails('WRONGTYPE Operation against a key holding the wrong kind of value'), 'GET', k)
    ],
    keysLeft: k => [k],
    async checkDirect (t, direct, k) {
      t.same(await direct.hgetall(k), { f1: 'v1b', n: '5' }, `${k}: hash in the cluster`)
    }
  },
  {
    name: 'list',
    steps: k => [
      step(is(3), 'RPUSH', k, 'a', 'b', 'c'),
      step(is(4), 'LPUSH', k, 'z'),
      step(is(['z', 'a', 'b', 'c']), 'LRANGE', k, 0, -1),
      step(is('a'), 'LINDEX', k, 1),
      step(is('OK'), 'LSET', k, 1, 'A'),
      step(is(5), 'LINSERT', k, 'BEFORE', 'c', 'bb'),
      step(is('z'), 'LPOP', k),
      step(is('c'), 'RPOP', k),
      step(is(3), 'LLEN', k),
      step(is(['A', 'b', 'bb']), 'LRANGE', k, 0, -1)
    ],
    keysLeft: k => [k],
    async checkDirect (t, direct, k) {
      t.same(await direct.lrange(k, 0, -1), ['A', 'b', 'bb'], `${k}: list in the cluster`)
    }
  },
  {
    name: 'set',
    steps: k => [
      step(is(3), 'SADD', k, 'a', 'b', 'c', 'a'),
      step(is(0), 'SADD', k, 'c'),
      step(is(3), 'SCARD', k),
      step(is(1), 'SISMEMBER', k, 'b'),
      step(is(0), 'SISMEMBER', k, 'x'),
      step(is([1, 0]), 'SMISMEMBER', k, 'a', 'x'),
      step(is(1), 'SREM', k, 'b', 'x'),
      step(sorted(['a', 'c']), 'SMEMBERS', k)
    ],
    keysLeft: k => [k],
    async checkDirect (t, direct, k) {
      t.same((await direct.smembers(k)).sort(), ['a', 'c'], `${k}: set in the cluster`)
    }
  },
  {
    name: 'zset',
    steps: k => [
      step(is(3), 'ZADD', k, 1, 'a', 2, 'b', 3, 'c'),
      step(is(1), 'ZADD', k, 'XX', 'CH', 5, 'b'),
      step(is('3'), 'ZINCRBY', k, 2, 'a'),
      step(is('5'), 'ZSCORE', k, 'b'),
      step(is(['a', '3', 'c', '3', 'b', '5']), 'ZRANGE', k, 0, -1, 'WITHSCORES'),
      step(is(2), 'ZRANK', k, 'b'),
      step(is(['b']), 'ZREVRANGE', k, 0, 0),
      step(is(['b']), 'ZRANGEBYSCORE', k, '(3', '+inf'),
      step(is(3), 'ZCARD', k),
      step(is(1), 'ZREM', k, 'c')
    ],
    keysLeft: k => [k],
    async checkDirect (t, direct, k) {
      t.same(await direct.zrange(k, '0', '-1', 'WITHSCORES'), ['a', '3', 'b', '5'], `${k}: sorted set in the cluster`)
    }
  },
  {
    name: 'stream',
    steps: k => [
      step(is('1-1'), 'XADD', k, '1-1', 'f', 'v1'),
      step(is('2-0'), 'XADD', k, '2-0', 'f', 'v2', 'g', 'w'),
      step(fails('ERR The ID specified in XADD is equal or smaller than the target stream top item'), 'XADD', k, '1-5', 'f', 'x'),
      step(is(2), 'XLEN', k),
      step(is([['1-1', ['f', 'v1']], ['2-0', ['f', 'v2', 'g', 'w']]]), 'XRANGE', k, '-', '+'),
      step(is([['2-0', ['f', 'v2', 'g', 'w']]]), 'XRANGE', k, '2', '+'),
      step(is([['2-0', ['f', 'v2', 'g', 'w']]]), 'XREVRANGE', k, '+', '-', 'COUNT', 1),
      step(matches(/^[1-9]\d{12,}-\d+$/), 'XADD', k, '*', 'f', 'auto'),
      step(is(3), 'XLEN', k)
    ],
    keysLeft: k => [k],
    async checkDirect (t, direct, k) {
      const entries = await direct.xrange(k, '-', '+')
      t.same(entries.slice(0, 2), [['1-1', ['f', 'v1']], ['2-0', ['f', 'v2', 'g', 'w']]], `${k}: first entries in the cluster`)
      t.same(entries.length, 3, `${k}: three entries`)
      t.same(entries[2][1], ['f', 'auto'], `${k}: the auto-id entry`)
    }
  },
  {
    name: 'bitmap',
    steps: k => [
      step(is(0), 'SETBIT', k, 7, 1),
      step(is(1), 'SETBIT', k, 7, 1),
      step(is(0), 'SETBIT', k, 100, 1),
      step(is(1), 'GETBIT', k, 100),
      step(is(0), 'GETBIT', k, 99),
      step(is(2), 'BITCOUNT', k),
      step(is(1), 'BITCOUNT', k, 0, 0),
      step(is(7), 'BITPOS', k, 1),
      step(is(13), 'STRLEN', k)
    ],
    keysLeft: k => [k],
    async checkDirect (t, direct, k) {
      // Bit 7 is the lowest bit of byte 0; bit 100 is bit 4 (from the top) of byte 12.
      const expected = Buffer.alloc(13)
      expected[0] = 0x01
      expected[12] = 0x08
      t.same(await direct.getBuffer(k), expected, `${k}: bitmap bytes in the cluster`)
    }
  },
  {
    name: 'hyperloglog',
    steps: k => [
      step(is(1), 'PFADD', k, 'a', 'b', 'c'),
      step(is(0), 'PFADD', k, 'a'),
      step(is(3), 'PFCOUNT', k),
      step(is(1), 'PFADD', `${k}:2`, 'c', 'd'),
      step(is(4), 'PFCOUNT', k, `${k}:2`),
      step(is('OK'), 'PFMERGE', `${k}:all`, k, `${k}:2`),
      step(is(4), 'PFCOUNT', `${k}:all`)
    ],
    keysLeft: k => [k, `${k}:2`, `${k}:all`],
    async checkDirect (t, direct, k) {
      t.equal(await direct.pfcount(`${k}:all`), 4, `${k}:all counts 4 in the cluster`)
      t.equal((await direct.getBuffer(k))?.subarray(0, 4).toString(), 'HYLL', `${k} is a HyperLogLog in the cluster`)
    }
  },
  {
    name: 'geo',
    steps: k => [
      step(is(2), 'GEOADD', k, '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'),
      step(is('166.2742'), 'GEODIST', k, 'Palermo', 'Catania', 'km'),
      step(is(['Catania', 'Palermo']), 'GEOSEARCH', k, 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'ASC'),
      step(is([['Catania', '56.4413'], ['Palermo', '190.4424']]), 'GEOSEARCH', k, 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'ASC', 'WITHDIST'),
      step(is(['Palermo']), 'GEOSEARCH', k, 'FROMMEMBER', 'Palermo', 'BYRADIUS', 100, 'km'),
      step(is(['sqc8b49rny0']), 'GEOHASH', k, 'Palermo')
    ],
    keysLeft: k => [k],
    async checkDirect (t, direct, k) {
      t.equal(await direct.call('GEODIST', k, 'Palermo', 'Catania', 'km'), '166.2742', `${k}: geo set in the cluster`)
      t.same(await direct.zrange(k, '0', '-1'), ['Palermo', 'Catania'], `${k}: members by geohash`)
    }
  },
  {
    name: 'expiry',
    steps: k => [
      step(is('OK'), 'SET', k, 'v'),
      step(is(-1), 'TTL', k),
      step(is(1), 'EXPIRE', k, 100),
      step(between(99, 100), 'TTL', k),
      step(is(1), 'PEXPIRE', k, 50_000),
      step(between(45_000, 50_000), 'PTTL', k),
      step(is(1), 'PERSIST', k),
      step(is(0), 'PERSIST', k),
      step(is(-1), 'TTL', k),
      step(is(-2), 'TTL', `${k}:missing`),
      step(is(0), 'EXPIRE', `${k}:missing`, 10),
      step(is('OK'), 'SET', `${k}:long`, 'v', 'EX', 1000),
      step(is('OK'), 'SET', `${k}:short`, 'v', 'PX', 150),
      step(is(1), 'EXISTS', `${k}:short`),
      { sleepMs: 300 },
      step(is(null), 'GET', `${k}:short`),
      step(is(-2), 'PTTL', `${k}:short`)
    ],
    keysLeft: k => [k, `${k}:long`],
    async checkDirect (t, direct, k) {
      t.equal(await direct.ttl(k), -1, `${k}: persisted in the cluster`)
      const ttl = await direct.ttl(`${k}:long`)
      t.ok(ttl >= 990 && ttl <= 1000, `${k}:long keeps its TTL in the cluster (${ttl})`)
      t.equal(await direct.exists(`${k}:short`), 0, `${k}:short expired in the cluster`)
    }
  }
]

t.test('the legacy client connects through its ready check (INFO)', async t => {
  t.equal(client.status, 'ready', 'ioredis reached ready')
  t.equal(await client.ping(), 'PONG')
})

t.test('the chosen keys spread over all three masters', async t => {
  const roles = await env.cluster.roles()
  const masters = [...roles].filter(([, r]) => r === 'master').map(([p]) => p).sort((a, b) => a - b)
  t.same(env.masters, masters, 'the slot map read at start names the three masters')
  for (const c of CASES) {
    const owners = await Promise.all(env.masters.map(async port => await env.cluster.masterPortForSlot(slotOf(`{${env.keyOn(port, `${c.name}:`)}}`))))
    t.same(owners, env.masters, `${c.name}: one key family on each master`)
  }
})

for (const c of CASES) {
  t.test(`${c.name} commands on every master`, async t => {
    for (const port of env.masters) {
      const k = `{${env.keyOn(port, `${c.name}:`)}}`
      await run(t, client, c.steps(k))
      for (const key of c.keysLeft(k)) written.add(key)
      await c.checkDirect(t, env.direct, k)
    }
  })
}

t.test('hash-tagged multi-key commands run whole; keys across slots get CROSSSLOT', async t => {
  await run(t, client, [
    step(is(2), 'SADD', '{u}b', 'x', 'y'),
    step(is(2), 'SADD', '{u}c', 'y', 'z'),
    step(is(3), 'SUNIONSTORE', '{u}a', '{u}b', '{u}c'),
    step(sorted(['x', 'y', 'z']), 'SMEMBERS', '{u}a'),
    step(is(1), 'SINTERSTORE', '{u}i', '{u}b', '{u}c'),
    step(is(['y']), 'SMEMBERS', '{u}i')
  ])
  for (const key of ['{u}a', '{u}b', '{u}c', '{u}i']) written.add(key)
  t.same((await env.direct.smembers('{u}a')).sort(), ['x', 'y', 'z'], '{u}a holds the union in the cluster')

  // a, b and c hash to three different slots (so also no single node could run it).
  t.equal(new Set(['a', 'b', 'c'].map(k => slotOf(k))).size, 3, 'a, b, c are in three slots')
  await run(t, client, [
    step(is(1), 'SADD', 'b', 'x'),
    step(is(1), 'SADD', 'c', 'y'),
    step(fails(ReplyStrings.crossSlot), 'SUNIONSTORE', 'a', 'b', 'c'),
    step(fails(ReplyStrings.crossSlot), 'MSETNX', 'a', '1', 'b2', '2'),
    step(fails(ReplyStrings.crossSlot), 'SMOVE', 'b', 'c', 'x')
  ])
  written.add('b')
  written.add('c')
  t.equal(ReplyStrings.crossSlot, 'CROSSSLOT Keys in request don\'t hash to the same slot', 'the exact Redis text')
  t.equal(await env.direct.exists('a'), 0, 'the rejected SUNIONSTORE wrote nothing')
  t.equal(await env.direct.exists('b2'), 0, 'the rejected MSETNX wrote nothing')
  t.same(await env.direct.smembers('b'), ['x'], 'the rejected SMOVE moved nothing')
})

/** Sends each request to slotgate and to a master directly; slotgate's error must be the node's, byte for byte. */
async function sameErrorsAsNode (t: Tap, cases: Array<[string[], string | null]>): Promise<void> {
  const node = await env.legacyClient({ port: env.masters[0] })
  for (const [cmd, expected] of cases) {
    const label = JSON.stringify(cmd).slice(0, 60)
    const fromNode = await errorOf(node.call(cmd[0], ...cmd.slice(1)))
    // [request, the exact text Redis 7.0.15 gives, or null where the node itself is the oracle]
    if (expected !== null) t.equal(fromNode, expected, `${label}: a node says ${JSON.stringify(expected).slice(0, 80)}`)
    t.equal(await errorOf(client.call(cmd[0], ...cmd.slice(1))), fromNode, `${label}: slotgate says exactly what the node says`)
  }
  t.equal(await client.ping(), 'PONG', 'the connection is still usable')
}

t.test('unknown commands and wrong arity get Redis\' own error texts', async t => {
  await sameErrorsAsNode(t, [
    [['foo', 'bar', 'baz'], 'ERR unknown command \'foo\', with args beginning with: \'bar\' \'baz\' '],
    [['foo'], 'ERR unknown command \'foo\', with args beginning with: '],
    [['foo', 'a\r\nb'], 'ERR unknown command \'foo\', with args beginning with: \'a  b\' '],
    [['f'.repeat(200)], `ERR unknown command '${'f'.repeat(128)}', with args beginning with: `],
    [['GET'], 'ERR wrong number of arguments for \'get\' command'],
    [['GET', 'a', 'b'], 'ERR wrong number of arguments for \'get\' command'],
    [['HSET', 'h', 'f'], 'ERR wrong number of arguments for \'hset\' command'],
    [['ECHO'], 'ERR wrong number of arguments for \'echo\' command'],
    [['ECHO', 'a', 'b'], 'ERR wrong number of arguments for \'echo\' command'],
    [['CLIENT'], 'ERR wrong number of arguments for \'client\' command'],
    [['CLIENT', 'FOO'], 'ERR unknown subcommand \'FOO\'. Try CLIENT HELP.'],
    [['SELECT', 'abc'], 'ERR value is not an integer or out of range'],
    [['HELLO', 'abc'], 'ERR Protocol version is not an integer or out of range'],
    [['HELLO', '1'], 'NOPROTO unsupported protocol version'],
    [['HELLO', '2', 'SETNAME', 'a', 'extra'], 'ERR Syntax error in HELLO option \'extra\'']
  ])
})

t.test('unknown command: the quoted arguments are capped at 128 characters in all, as Redis does', async t => {
  // networking.c processCommand: `for (i=1; i < argc && sdslen(args) < 128; i++) args = sdscatprintf(args, "'%.*s' ", 128-sdslen(args), argv[i])`:
  // the cap is on the whole list, and %.*s also ends an argument at its first NUL byte.
  await sameErrorsAsNode(t, [
    [['foo', 'x'.repeat(100), 'y'.repeat(100)], `ERR unknown command 'foo', with args beginning with: '${'x'.repeat(100)}' '${'y'.repeat(25)}' `],
    [['foo', 'a'.repeat(130), 'b'], `ERR unknown command 'foo', with args beginning with: '${'a'.repeat(128)}' `],
    [['foo', ...Array.from({ length: 25 }, (_, i) => `arg${i}`)], null],
    [['foo', 'a\u0000b'], 'ERR unknown command \'foo\', with args beginning with: \'a\' ']
  ])
})

t.test('PING with two arguments is an arity error, as on a node', async t => {
  await sameErrorsAsNode(t, [
    [['PING', 'a', 'b'], 'ERR wrong number of arguments for \'ping\' command']
  ])
})

t.test('a subcommand\'s arity error names it container|sub, as Redis 7.0 does', async t => {
  await sameErrorsAsNode(t, [
    [['CLIENT', 'SETNAME'], 'ERR wrong number of arguments for \'client|setname\' command'],
    [['CLIENT', 'GETNAME', 'x'], 'ERR wrong number of arguments for \'client|getname\' command'],
    [['COMMAND', 'COUNT', 'x'], 'ERR wrong number of arguments for \'command|count\' command'],
    [['CONFIG', 'GET'], 'ERR wrong number of arguments for \'config|get\' command']
  ])
})

t.test('a default ioredis 6 client (RESP3 negotiated) gets the node\'s RESP3 replies', async t => {
  const resp3 = await env.legacyClient({ protocol: 3 })
  const node = await env.legacyClient({ port: env.masters[0], protocol: 3 })
  t.match(await resp3.call('HELLO'), ['server', 'redis', 'version', '7.0.15', 'proto', 3], 'the session speaks RESP3')
  const k = `{${env.keyOn(env.masters[0], 'resp3:')}}`
  const requests: string[][] = [
    ['HSET', `${k}h`, 'a', '1', 'b', '2'], ['HGETALL', `${k}h`],
    ['ZADD', `${k}z`, '1.5', 'a', '2', 'b'], ['ZRANGE', `${k}z`, '0', '-1', 'WITHSCORES'], ['ZSCORE', `${k}z`, 'a'],
    ['SADD', `${k}s`, 'x'], ['SMEMBERS', `${k}s`], ['GET', `${k}missing`], ['HGETALL', `${k}missing`],
    ['SET', `${k}str`, 'v'], ['GET', `${k}str`], ['INCR', `${k}str`]
  ]
  for (const req of requests) {
    const viaProxy = await resp3.call(req[0], ...req.slice(1)).catch((err: Error) => `error: ${err.message}`)
    // Undo the write on the node side first, so both see the same data.
    if (req[0] === 'HSET' || req[0] === 'ZADD' || req[0] === 'SADD' || req[0] === 'SET') await node.call('DEL', req[1])
    const viaNode = await node.call(req[0], ...req.slice(1)).catch((err: Error) => `error: ${err.message}`)
    t.same(viaProxy, viaNode, `${req.join(' ')} -> ${JSON.stringify(viaNode)}`)
  }
  for (const suffix of ['h', 'z', 's', 'str']) written.add(`${k}${suffix}`)
})

t.test('PING, ECHO, SELECT, CLIENT SETNAME/GETNAME/ID, TIME answered like a node', async t => {
  t.equal(await client.call('PING'), 'PONG')
  t.equal(await client.call('PING', 'hello there'), 'hello there')
  t.equal(await client.call('ECHO', 'a\r\nb\u0000c'), 'a\r\nb\u0000c', 'ECHO is binary safe')
  t.equal(await client.call('SELECT', '0'), 'OK')
  t.equal(await errorOf(client.call('SELECT', '1')), 'ERR SELECT is not allowed in cluster mode')
  const node = await env.legacyClient({ port: env.masters[0], protocol: 2 })
  t.equal(await errorOf(node.call('SELECT', '1')), 'ERR SELECT is not allowed in cluster mode', 'a cluster node says the same')

  const other = await env.legacyClient()
  t.equal(await client.call('CLIENT', 'SETNAME', 'core-a'), 'OK')
  t.equal(await client.call('CLIENT', 'GETNAME'), 'core-a')
  t.equal(await other.call('CLIENT', 'GETNAME'), null, 'names are per connection')
  t.equal(await errorOf(other.call('CLIENT', 'SETNAME', 'a b')), 'ERR Client names cannot contain spaces, newlines or special characters.')
  const id1 = await client.call('CLIENT', 'ID') as number
  const id2 = await other.call('CLIENT', 'ID') as number
  t.ok(Number.isInteger(id1) && id1 > 0, `CLIENT ID is a positive integer (${id1})`)
  t.ok(Number.isInteger(id2) && id2 > 0 && id2 !== id1, `another connection has another id (${id2})`)
  t.equal(await client.call('CLIENT', 'ID'), id1, 'the id is stable')

  const before = Date.now()
  const time = await client.call('TIME') as string[]
  const after = Date.now()
  t.equal(time.length, 2, 'TIME is two values')
  t.ok(time.every(v => /^\d+$/.test(v)), `both are integers (${time.join(', ')})`)
  const micros = Number(time[1])
  t.ok(micros >= 0 && micros < 1_000_000, 'microseconds below one second')
  const ms = Number(time[0]) * 1000 + micros / 1000
  t.ok(ms >= before - 1000 && ms <= after + 1000, `TIME is now (${ms} vs ${before}..${after})`)
})

t.test('INFO has what clients check, and the keyspace summed over the masters', async t => {
  const info = await client.info()
  const nodeInfo = await env.direct.nodes('master')[0].info('server')
  const version = /redis_version:([^\r\n]+)/.exec(nodeInfo)?.[1]
  t.ok(version, 'the node reports a version')
  t.match(info, new RegExp(`\r\nredis_version:${version}\r\n`), 'redis_version is the cluster\'s')
  t.match(info, /\r\nloading:0\r\n/, 'loading:0')
  const clients = Number(/\r\nconnected_clients:(\d+)\r\n/.exec(info)?.[1])
  t.equal(clients, env.proxy.server.clientCount, `connected_clients is slotgate's client count (${clients})`)
  const extra = await env.legacyClient()
  t.match(await client.info('clients'), new RegExp(`connected_clients:${clients + 1}\r\n`), 'one more client is counted')
  extra.disconnect()

  let dbsize = 0
  for (const m of env.direct.nodes('master')) dbsize += await m.dbsize()
  t.ok(written.size >= 50, `the data subtests wrote keys (${written.size})`)
  t.equal(dbsize, written.size, 'the masters hold exactly the keys written')
  t.match(info, new RegExp(`\r\ndb0:keys=${written.size},`), `db0:keys=${written.size}`)
  t.match(await client.info('keyspace'), new RegExp(`^# Keyspace\r\ndb0:keys=${written.size},expires=3,`), 'INFO keyspace alone (3 keys with a TTL)')
})

t.test('HELLO 2, HELLO 3 and COMMAND', async t => {
  const id = await client.call('CLIENT', 'ID')
  const hello = await client.call('HELLO', '2') as unknown[]
  t.ok(Array.isArray(hello) && hello.length === 14, 'HELLO 2 is a flat array of 7 pairs')
  const fields = new Map<string, unknown>()
  for (let i = 0; i < hello.length; i += 2) fields.set(String(hello[i]), hello[i + 1])
  t.equal(fields.get('proto'), 2, 'proto 2')
  t.equal(fields.get('id'), id, 'id is the CLIENT ID')
  t.equal(fields.get('server'), 'redis')
  t.equal(fields.get('version'), '7.0.15', 'the cluster\'s version')

  // HELLO 3 on a raw socket: the reply is a RESP3 map, and the connection speaks RESP3 until HELLO 2.
  const r = await exchange(env.proxy.port, '*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n' +
    '*2\r\n$5\r\nHELLO\r\n$1\r\n2\r\n')
  const text = r.data.toString('latin1')
  t.match(text, /^%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n/, 'HELLO 3 answers with a map')
  t.match(text, /\$5\r\nproto\r\n:3\r\n/, 'proto 3')
  t.match(text, /\+PONG\r\n\$1\r\nx\r\n\*14\r\n/, 'then PONG, ECHO, and HELLO 2 as a flat array again')
  t.notOk(r.closedByServer, 'the connection stays open')
  t.equal(await errorOf(client.call('HELLO', '4')), 'NOPROTO unsupported protocol version', 'HELLO 4: NOPROTO')
  t.equal(await client.ping(), 'PONG', 'still RESP2 and usable after NOPROTO')

  const node = await env.legacyClient({ port: env.masters[0], protocol: 2 })
  const count = await client.call('COMMAND', 'COUNT') as number
  t.ok(count > 200, `COMMAND COUNT > 200 (${count})`)
  t.equal(count, await node.call('COMMAND', 'COUNT'), 'the node\'s own count')
  const info = await client.call('COMMAND', 'INFO', 'get') as unknown[][]
  t.same(info[0].slice(0, 6), ['get', 2, ['readonly', 'fast'], 1, 1, 1], 'COMMAND INFO get: name, arity, flags, key positions')
  t.same(info, await node.call('COMMAND', 'INFO', 'get'), 'COMMAND INFO get is the node\'s reply')
  const docs = await client.call('COMMAND', 'DOCS', 'get') as unknown[]
  t.equal(docs[0], 'get')
  const doc = docs[1] as unknown[]
  t.equal(doc[doc.indexOf('summary') + 1], 'Get the value of a key', 'COMMAND DOCS get has the summary')
  t.same(docs, await node.call('COMMAND', 'DOCS', 'get'), 'COMMAND DOCS get is the node\'s reply')
})

t.test('QUIT replies OK, then slotgate closes the connection and ignores what follows', async t => {
  const socket = net.connect(env.proxy.port, HOST)
  let received = ''
  socket.on('data', (d: Buffer) => { received += d.toString('latin1') })
  const closed = new Promise<void>(resolve => socket.on('close', () => { resolve() }))
  socket.on('error', () => { /* the close is what is checked */ })
  // Replies from three masters first, then QUIT: its OK must wait for them, and end the stream.
  const keys = env.masters.map(port => env.keyOn(port, 'quit:'))
  socket.write(keys.map(k => `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$1\r\nq\r\n*2\r\n$3\r\nGET\r\n$${k.length}\r\n${k}\r\n`).join('') +
    '*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$5\r\nquit:\r\n$1\r\nx\r\n')
  const timer = setTimeout(() => socket.destroy(), 3000)
  await closed
  clearTimeout(timer)
  t.equal(received, '+OK\r\n$1\r\nq\r\n'.repeat(3) + '+PONG\r\n+OK\r\n', 'three SET/GET replies, PONG, OK, and nothing for what follows QUIT')
  t.equal(await env.direct.exists('quit:'), 0, 'the SET sent after QUIT was not run')
  t.ok(socket.readableEnded, 'the server ended the connection (not our timeout)')

  const quitter = await env.legacyClient()
  const ended = new Promise<void>(resolve => quitter.once('end', () => { resolve() }))
  t.equal(await quitter.quit(), 'OK', 'ioredis quit() gets OK')
  await ended
  t.equal(quitter.status, 'end')
})
