// Pipelining through slotgate: replies must come back in request order whatever node
// answers first (RESP's only ordering rule), for one big pipeline, for several clients at
// once, and for values of any size and any bytes.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { Redis } from 'ioredis'
import { HOST, slotOf, startCoreEnv, type Tap } from '../helpers/core-env.js'
import { seededRandom as prng } from '../helpers/seeded-random.js'

const env = await startCoreEnv()
t.teardown(env.stop)

type Value = { type: 'string', v: string } | { type: 'hash', m: Map<string, string> } | { type: 'list', l: string[] }
type Reply = [string | null, unknown] // [error message or null, value]

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value'
const NOT_INTEGER = 'ERR value is not an integer or out of range'

/**
 * Applies one command to the model and returns the reply Redis gives for it. Only the
 * commands the generator makes are modelled.
 */
function apply (db: Map<string, Value>, cmd: string[]): Reply {
  const [name, key] = cmd
  const cur = key === undefined ? undefined : db.get(key)
  switch (name) {
    case 'SET':
      db.set(key, { type: 'string', v: cmd[2] })
      return [null, 'OK']
    case 'GET':
      if (cur === undefined) return [null, null]
      return cur.type === 'string' ? [null, cur.v] : [WRONGTYPE, undefined]
    case 'INCR': {
      if (cur === undefined) { db.set(key, { type: 'string', v: '1' }); return [null, 1] }
      if (cur.type !== 'string') return [WRONGTYPE, undefined]
      if (!/^-?\d+$/.test(cur.v)) return [NOT_INTEGER, undefined]
      cur.v = String(Number(cur.v) + 1)
      return [null, Number(cur.v)]
    }
    case 'APPEND': {
      if (cur === undefined) { db.set(key, { type: 'string', v: cmd[2] }); return [null, cmd[2].length] }
      if (cur.type !== 'string') return [WRONGTYPE, undefined]
      cur.v += cmd[2]
      return [null, cur.v.length]
    }
    case 'HSET': {
      if (cur !== undefined && cur.type !== 'hash') return [WRONGTYPE, undefined]
      const h = cur ?? { type: 'hash', m: new Map<string, string>() }
      db.set(key, h)
      const added = h.m.has(cmd[2]) ? 0 : 1
      h.m.set(cmd[2], cmd[3])
      return [null, added]
    }
    case 'HGET':
      if (cur === undefined) return [null, null]
      return cur.type === 'hash' ? [null, cur.m.get(cmd[2]) ?? null] : [WRONGTYPE, undefined]
    case 'LPUSH': {
      if (cur !== undefined && cur.type !== 'list') return [WRONGTYPE, undefined]
      const l = cur ?? { type: 'list', l: [] }
      db.set(key, l)
      l.l.unshift(cmd[2])
      return [null, l.l.length]
    }
    case 'LRANGE':
      if (cur === undefined) return [null, []]
      return cur.type === 'list' ? [null, [...cur.l]] : [WRONGTYPE, undefined]
    case 'DEL':
      return [null, db.delete(key) ? 1 : 0]
    case 'EXISTS':
      return [null, cur === undefined ? 0 : 1]
    case 'PING':
      return [null, 'PONG']
    case 'ECHO':
      return [null, cmd[1]]
    default:
      throw new Error(`not modelled: ${name}`)
  }
}

/**
 * `count` mixed commands over `keys`. Keys are given a type by position (string, hash, list)
 * and commands mostly match it; about 3% go to a key of another type on purpose, so
 * WRONGTYPE errors (and INCR on non-integers) appear among the replies too.
 */
function generate (rand: () => number, keys: string[], count: number): string[][] {
  const cmds: string[][] = []
  const pick = (family: number): string => {
    if (rand() < 0.03) family = Math.floor(rand() * 3)
    const i = Math.floor(rand() * Math.floor(keys.length / 3)) * 3 + family
    return keys[Math.min(i, keys.length - 1)]
  }
  for (let i = 0; i < count; i++) {
    const r = rand()
    const v = `v${i}-${Math.floor(rand() * 1e6)}`
    if (r < 0.18) cmds.push(['SET', pick(0), rand() < 0.3 ? String(i) : v])
    else if (r < 0.36) cmds.push(['GET', pick(0)])
    else if (r < 0.46) cmds.push(['INCR', pick(0)])
    else if (r < 0.50) cmds.push(['APPEND', pick(0), 'x'])
    else if (r < 0.62) cmds.push(['HSET', pick(1), `f${Math.floor(rand() * 4)}`, v])
    else if (r < 0.72) cmds.push(['HGET', pick(1), `f${Math.floor(rand() * 4)}`])
    else if (r < 0.82) cmds.push(['LPUSH', pick(2), v])
    else if (r < 0.90) cmds.push(['LRANGE', pick(2), '0', '-1'])
    else if (r < 0.95) cmds.push(['DEL', pick(Math.floor(rand() * 3))])
    else if (r < 0.97) cmds.push(['EXISTS', pick(Math.floor(rand() * 3))])
    // Answered by slotgate itself at once, between replies that come from the nodes later.
    else if (r < 0.985) cmds.push(['PING'])
    else cmds.push(['ECHO', v])
  }
  return cmds
}

/** Runs `cmds` as one pipeline and checks every reply, in order, against the model. */
async function pipelineAndCheck (t: Tap, client: Redis, db: Map<string, Value>, cmds: string[][], label: string): Promise<void> {
  const expected = cmds.map(c => apply(db, c))
  const results = await client.pipeline(cmds.map(c => [c[0].toLowerCase(), ...c.slice(1)])).exec() as Array<[Error | null, unknown]>
  t.equal(results.length, cmds.length, `${label}: one reply per command`)
  let mismatches = 0
  let firstMismatch = ''
  for (let i = 0; i < cmds.length; i++) {
    const [err, value] = results[i]
    const got: Reply = [err === null ? null : err.message, err === null ? value : undefined]
    if (JSON.stringify(got) !== JSON.stringify(expected[i])) {
      if (mismatches++ === 0) firstMismatch = `#${i} ${cmds[i].join(' ')}: got ${JSON.stringify(got)}, expected ${JSON.stringify(expected[i])}`
    }
  }
  t.equal(mismatches, 0, `${label}: every reply as the model says, in order${firstMismatch === '' ? '' : ` (first: ${firstMismatch})`}`)
  const errors = expected.filter(e => e[0] !== null).length
  t.ok(errors > 0 && errors < cmds.length / 5, `${label}: the mix includes some Redis errors, passed through in place (${errors})`)
}

/** Reads every modelled key straight from the cluster and compares. */
async function checkCluster (t: Tap, db: Map<string, Value>, keys: string[], label: string): Promise<void> {
  let wrong = 0
  let first = ''
  await Promise.all(keys.map(async k => {
    const want = db.get(k)
    const type = await env.direct.type(k)
    let got: unknown = type
    let expected: unknown = 'none'
    if (want?.type === 'string') {
      got = await env.direct.get(k)
      expected = want.v
    } else if (want?.type === 'hash') {
      got = await env.direct.hgetall(k)
      expected = Object.fromEntries(want.m)
    } else if (want?.type === 'list') {
      got = await env.direct.lrange(k, 0, -1)
      expected = want.l
    }
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      if (wrong++ === 0) first = `${k}: ${JSON.stringify(got)} vs ${JSON.stringify(expected)}`
    }
  }))
  t.equal(wrong, 0, `${label}: the cluster holds what the model says for all ${keys.length} keys${first === '' ? '' : ` (first: ${first})`}`)
}

t.test('10,000 mixed commands in one pipeline: every reply in order, as modelled', async t => {
  const keys = Array.from({ length: 2000 }, (_, i) => `pipe:${i}`)
  const slots = new Set(keys.map(k => slotOf(k)))
  t.ok(slots.size > 1800, `keys over many slots (${slots.size})`)
  t.same([...new Set(keys.map(k => env.ownerAtStart(slotOf(k))))].sort((a, b) => a - b), env.masters, 'keys on all three masters')

  const client = await env.legacyClient()
  const db = new Map<string, Value>()
  const cmds = generate(prng(1), keys, 10_000)
  const names = new Set(cmds.map(c => c[0]))
  t.equal(names.size, 12, 'all twelve command kinds are in the mix')
  const began = Date.now()
  await pipelineAndCheck(t, client, db, cmds, '10k pipeline')
  t.comment(`10,000 commands in ${Date.now() - began} ms`)
  await checkCluster(t, db, keys, '10k pipeline')
})

t.test('several clients pipelining at once each get their own replies in their own order', async t => {
  const CLIENTS = 5
  const PER_CLIENT = 2000
  const clients = await Promise.all(Array.from({ length: CLIENTS }, async () => await env.legacyClient()))
  const dbs = clients.map(() => new Map<string, Value>())
  const keySets = clients.map((_, c) => Array.from({ length: 300 }, (_, i) => `conc${c}:${i}`))
  const streams = clients.map((_, c) => generate(prng(100 + c), keySets[c], PER_CLIENT))
  // One shared counter, INCRed by everyone inside their pipelines: each client sees its own
  // replies increase, and together they are exactly 1..total, each once.
  const incrAt = new Set<number>(Array.from({ length: 200 }, (_, i) => i * 10 + 3))
  const pipelines = clients.map(async (client, c) => {
    const expected = streams[c].map(cmd => apply(dbs[c], cmd))
    const p = client.pipeline()
    streams[c].forEach((cmd, i) => {
      if (incrAt.has(i)) p.incr('conc:shared')
      p.call(cmd[0], ...cmd.slice(1))
    })
    const results = await p.exec() as Array<[Error | null, unknown]>
    const shared: number[] = []
    let mismatches = 0
    let first = ''
    let j = 0
    streams[c].forEach((cmd, i) => {
      if (incrAt.has(i)) shared.push(results[j++][1] as number)
      const [err, value] = results[j++]
      const got: Reply = [err === null ? null : err.message, err === null ? value : undefined]
      if (JSON.stringify(got) !== JSON.stringify(expected[i]) && mismatches++ === 0) first = `#${i} ${cmd.join(' ')}: ${JSON.stringify(got)} vs ${JSON.stringify(expected[i])}`
    })
    t.equal(results.length, PER_CLIENT + incrAt.size, `client ${c}: one reply per command`)
    t.equal(mismatches, 0, `client ${c}: its replies, in its order${first === '' ? '' : ` (first: ${first})`}`)
    t.ok(shared.every((v, i) => i === 0 || v > shared[i - 1]), `client ${c}: its shared INCR replies increase`)
    return shared
  })
  const all = (await Promise.all(pipelines)).flat().sort((a, b) => a - b)
  const total = CLIENTS * incrAt.size
  t.same(all, Array.from({ length: total }, (_, i) => i + 1), `the shared counter's replies are 1..${total}, each once`)
  t.equal(await env.direct.get('conc:shared'), String(total), 'the cluster counted every INCR once')
  for (let c = 0; c < CLIENTS; c++) await checkCluster(t, dbs[c], keySets[c], `client ${c}`)
})

t.test('local, asynchronous local (INFO), rejected and cluster replies interleaved in one pipeline keep their order', async t => {
  const client = await env.legacyClient()
  const [a, b, c] = env.masters.map(port => env.keyOn(port, 'mixed:'))
  const id = await client.call('CLIENT', 'ID')
  const results = await client.pipeline()
    .set(a, 'A')
    .info('keyspace')
    .get(a)
    .ping()
    .call('nosuchcommand', 'x')
    .set(b, 'B')
    .call('CLIENT', 'ID')
    .get(b)
    .echo('e')
    .info('server')
    .incr(c)
    .call('SUNIONSTORE', 'x', 'y', 'z')
    .get(c)
    .exec() as Array<[Error | null, unknown]>
  const got = results.map(([err, v]) => err !== null ? `error: ${err.message}` : v)
  t.equal(got.length, 13, 'thirteen replies')
  t.same(got.slice(2, 9), ['A', 'PONG', 'error: ERR unknown command \'nosuchcommand\', with args beginning with: \'x\' ', 'OK', id, 'B', 'e'], 'replies #2..#8 in order')
  t.same([got[0], got[5], got[10], got[11], got[12]], ['OK', 'OK', 1, 'error: CROSSSLOT Keys in request don\'t hash to the same slot', '1'], 'replies #0, #5, #10..#12 in order')
  t.match(got[1], /^# Keyspace\r\ndb0:keys=\d+,/, '#1 is INFO keyspace (it waits for the masters, the next replies wait for it)')
  t.match(got[9], /^# Server\r\nredis_version:/, '#9 is INFO server')
})

t.test('binary-safe values: empty, 1 MiB and 64 MiB random bytes, CR LF and NUL inside', async t => {
  const client = await env.legacyClient()
  const values: Array<[string, Buffer]> = [
    ['bin:empty', Buffer.alloc(0)],
    ['bin:crlf', Buffer.from('a\r\nb\r\n\r\n$5\r\n*1\r\n\u0000c\u0000', 'latin1')],
    ['bin:1mib', randomBytes(1024 * 1024)],
    ['bin:64mib', randomBytes(64 * 1024 * 1024)]
  ]
  t.same([...new Set(values.map(([k]) => env.ownerAtStart(slotOf(k))))].length > 1, true, 'the values live on more than one master')
  for (const [key, value] of values) {
    t.equal(await client.set(key, value), 'OK', `SET ${key} (${value.length} bytes)`)
    const back = await client.getBuffer(key)
    t.ok(back !== null && back.equals(value), `GET ${key} returns the same ${value.length} bytes`)
    const stored = await env.direct.getBuffer(key)
    t.ok(stored !== null && stored.equals(value), `${key} holds the same bytes in the cluster`)
    t.equal(await client.strlen(key), value.length, `STRLEN ${key}`)
  }

  // Big replies interleaved with small ones in one pipeline: still in order.
  const big = values[3][1]
  const results = await client.pipeline()
    .getBuffer('bin:64mib').getBuffer('bin:empty').getBuffer('bin:1mib').getBuffer('bin:crlf').getBuffer('bin:64mib').getBuffer('bin:none')
    .exec() as Array<[Error | null, Buffer | null]>
  t.same(results.map(r => r[0]), [null, null, null, null, null, null], 'no errors')
  t.ok(results[0][1]?.equals(big), '#0: the 64 MiB value')
  t.same(results[1][1], Buffer.alloc(0), '#1: the empty value')
  t.ok(results[2][1]?.equals(values[2][1]), '#2: the 1 MiB value')
  t.ok(results[3][1]?.equals(values[1][1]), '#3: the CR LF NUL value')
  t.ok(results[4][1]?.equals(big), '#4: the 64 MiB value again')
  t.equal(results[5][1], null, '#5: a missing key')
})

t.test('binary keys, the empty key and hash-tag edge cases land on the node of their slot', async t => {
  const client = await env.legacyClient()
  const keys = [
    Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x80, 0x20]),
    Buffer.from([0xc3, 0x28, 0x7b, 0x00, 0x7d, 0xfe]), // hash tag {\0}, invalid UTF-8 before it
    Buffer.from('\r\n*1\r\n$4\r\nPING\r\n', 'latin1'),
    Buffer.from([0xfe, 0xff]),
    Buffer.alloc(0),
    // The cluster spec's hash-tag rules: the first { and the first } after it, an empty tag hashes the whole key.
    Buffer.from('foo{}{bar}'),
    Buffer.from('foo{{bar}}zap'),
    Buffer.from('foo{bar}{zap}')
  ]
  t.same(keys.slice(4).map(k => slotOf(k)), [0, 8363, slotOf('{bar'), slotOf('bar')], 'slots: "" is 0, foo{}{bar} is 8363 (CLUSTER KEYSLOT), then {bar and bar')
  for (const [i, key] of keys.entries()) {
    const value = Buffer.concat([Buffer.from(`value ${i} `), key])
    t.equal(await client.set(key, value), 'OK', `SET binary key #${i}`)
    t.same(await client.getBuffer(key), value, `GET binary key #${i} through slotgate`)
    const owner = env.ownerAtStart(slotOf(key))
    // Straight to the owner with a plain client: a MOVED here would mean the wrong slot.
    const node = new Redis({ host: HOST, port: owner, protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0 })
    await node.connect()
    try {
      t.same(await node.getBuffer(key), value, `binary key #${i} is on ${owner}, the owner of slot ${slotOf(key)}`)
    } finally {
      node.disconnect()
    }
  }
  t.equal(slotOf(keys[1]), slotOf(Buffer.from([0x00])), 'the {\\0} hash tag decides #1\'s slot')
})
