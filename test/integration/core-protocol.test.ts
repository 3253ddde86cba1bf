// The client side of the wire: protocol errors answered exactly as redis-server 7.0.15
// answers them (checked against a real standalone redis-server, byte for byte) and the
// connection closed, without disturbing other clients; Redis' inline form; requests split
// into single bytes; and replies before an error leaving before it.
import t from 'tap'
import { ReplyStrings } from '../../src/resp/reply-strings.js'
import { exchange, show } from '../helpers/core-raw.js'
import { slotOf, startCoreEnv } from '../helpers/core-env.js'
import { startProxy } from '../helpers/start-proxy.js'
import { startStandaloneRedis } from '../helpers/standalone-redis.js'

const env = await startCoreEnv()
t.teardown(env.stop)
const redis = await startStandaloneRedis()
t.teardown(async () => { await redis.stop() })

const protocolError = (detail: string): string => `-${ReplyStrings.protocolError(detail)}\r\n`
const big = (n: number, c = '1'): string => c.repeat(n)

/** A request with a valid prefix of commands on keys of every master, to put before garbage. */
function validPrefix (name: string): { bytes: string, replies: string } {
  const keys = env.masters.map(port => env.keyOn(port, `proto:${name}:`))
  let bytes = ''
  let replies = ''
  for (const [i, k] of keys.entries()) {
    bytes += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$2\r\nv${i}\r\n`
    replies += '+OK\r\n'
  }
  for (const [i, k] of keys.entries()) {
    bytes += `*2\r\n$3\r\nGET\r\n$${k.length}\r\n${k}\r\n`
    replies += `$2\r\nv${i}\r\n`
  }
  return { bytes, replies }
}

/**
 * Bytes and the exact reply redis-server 7.0.15 gives them (written out here, and checked
 * against the real server below), and whether it then closes the connection.
 */
const GARBAGE: Array<{ name: string, bytes: string, reply: string, closes: boolean }> = [
  { name: 'non-numeric multibulk count', bytes: '*abc\r\n', reply: protocolError('invalid multibulk length'), closes: true },
  { name: 'empty multibulk count', bytes: '*\r\n', reply: protocolError('invalid multibulk length'), closes: true },
  { name: 'multibulk count with a leading zero', bytes: '*01\r\n$4\r\nPING\r\n', reply: protocolError('invalid multibulk length'), closes: true },
  { name: 'multibulk count with a plus sign', bytes: '*+1\r\n$4\r\nPING\r\n', reply: protocolError('invalid multibulk length'), closes: true },
  { name: 'multibulk count above INT_MAX', bytes: '*3000000000\r\n', reply: protocolError('invalid multibulk length'), closes: true },
  { name: 'an integer inside a multibulk', bytes: '*1\r\n:5\r\n', reply: protocolError('expected \'$\', got \':\''), closes: true },
  { name: 'an array inside a multibulk', bytes: '*1\r\n*1\r\n', reply: protocolError('expected \'$\', got \'*\''), closes: true },
  { name: 'an inline word inside a multibulk', bytes: '*2\r\n$3\r\nGET\r\nkey\r\n', reply: protocolError('expected \'$\', got \'k\''), closes: true },
  { name: '$-5 inside a multibulk', bytes: '*2\r\n$3\r\nGET\r\n$-5\r\n', reply: protocolError('invalid bulk length'), closes: true },
  { name: '$-1 inside a multibulk', bytes: '*1\r\n$-1\r\n', reply: protocolError('invalid bulk length'), closes: true },
  { name: 'non-numeric bulk length', bytes: '*2\r\n$3\r\nGET\r\n$abc\r\n', reply: protocolError('invalid bulk length'), closes: true },
  { name: 'bulk length with a leading zero', bytes: '*1\r\n$04\r\nPING\r\n', reply: protocolError('invalid bulk length'), closes: true },
  { name: 'bulk length beyond proto-max-bulk-len (512 MiB)', bytes: '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870913\r\n', reply: protocolError('invalid bulk length'), closes: true },
  { name: 'bulk length of 600 MB', bytes: '*2\r\n$3\r\nGET\r\n$600000000\r\n', reply: protocolError('invalid bulk length'), closes: true },
  { name: 'unbalanced double quote in inline', bytes: 'SET k "a b\r\n', reply: protocolError('unbalanced quotes in request'), closes: true },
  { name: 'unbalanced single quote in inline', bytes: 'ECHO \'x y\r\n', reply: protocolError('unbalanced quotes in request'), closes: true },
  { name: 'closing quote not followed by a space', bytes: 'SET k "a"b\r\n', reply: protocolError('unbalanced quotes in request'), closes: true },
  { name: 'inline line over 64 KiB without a newline', bytes: big(70 * 1024, 'a'), reply: protocolError('too big inline request'), closes: true },
  { name: 'multibulk count over 64 KiB without CR', bytes: `*${big(70 * 1024)}`, reply: protocolError('too big mbulk count string'), closes: true },
  { name: 'bulk length over 64 KiB without CR', bytes: `*1\r\n$${big(70 * 1024)}`, reply: protocolError('too big bulk count string'), closes: true },
  // Not errors, but easy to get wrong: Redis ignores *0 and *-N, blank inline lines, and takes
  // any two bytes after a bulk as its CR LF.
  { name: '*0, *-1 and blank lines are ignored', bytes: 'PING\r\n*0\r\n*-1\r\n\r\n\r\n*1\r\n$4\r\nPING\r\n', reply: '+PONG\r\n+PONG\r\n', closes: false },
  { name: 'two bytes after a bulk stand for CR LF', bytes: '*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n', reply: '+PONG\r\n+PONG\r\n', closes: false },
  { name: 'inline with LF only', bytes: 'PING\nECHO hi\n', reply: '+PONG\r\n$2\r\nhi\r\n', closes: false },
  { name: 'inline escapes in double quotes', bytes: 'ECHO "\\x41\\r\\n\\t\\"q\\\\"\r\n', reply: '$7\r\nA\r\n\t"q\\\r\n', closes: false },
  // sdssplitargs: leading blanks are isspace(), but a bare word ends only at ' ', \t, \n, \r.
  { name: 'inline \\v and \\f inside a bare word', bytes: 'ECHO a\vb\fc\r\n', reply: '$5\r\na\vb\fc\r\n', closes: false },
  { name: 'inline \\v before a word', bytes: 'ECHO \v x\r\n', reply: '$1\r\nx\r\n', closes: false },
  { name: 'inline empty quotes', bytes: 'ECHO ""\r\n', reply: '$0\r\n\r\n', closes: false },
  { name: 'inline quotes inside a word', bytes: 'ECHO x"y"\r\n', reply: '$2\r\nxy\r\n', closes: false },
  { name: 'inline backslashes in single quotes', bytes: 'ECHO \'a\\\\\'b\'\r\n', reply: '$4\r\na\\\'b\r\n', closes: false }
]

/**
 * Another client pipelines batches of 1,000 commands over every master for as long as the
 * garbage is being sent; every reply is checked in order.
 */
function bystander (): { stop: () => Promise<{ batches: number, problems: string[] }> } {
  const problems: string[] = []
  let batches = 0
  let running = true
  const done = (async () => {
    const client = await env.legacyClient()
    client.on('close', () => { problems.push('the bystander\'s connection closed') })
    while (running || batches === 0) {
      const p = client.pipeline()
      const expected: unknown[] = []
      for (let i = 0; i < 500; i++) {
        const key = `bystander:${batches}:${i}`
        p.set(key, `${i}`)
        expected.push('OK')
        p.incr(key)
        expected.push(i + 1)
      }
      const results = await p.exec() as Array<[Error | null, unknown]>
      const got = results.map(r => r[0]?.message ?? r[1])
      if (JSON.stringify(got) !== JSON.stringify(expected)) problems.push(`batch ${batches}: ${JSON.stringify(got).slice(0, 200)}`)
      batches++
    }
    return { batches, problems }
  })()
  return {
    async stop () {
      running = false
      return await done
    }
  }
}

t.test('protocol garbage: exactly Redis\' error, the connection closed, others undisturbed', async t => {
  const keys = Array.from({ length: 500 }, (_, i) => `bystander:0:${i}`)
  t.same([...new Set(keys.map(k => env.ownerAtStart(slotOf(k))))].sort((a, b) => a - b), env.masters, 'the bystander\'s keys are on every master')
  const other = bystander()
  const results = await Promise.all(GARBAGE.map(async c => {
    const [viaProxy, viaRedis] = await Promise.all([exchange(env.proxy.port, c.bytes), exchange(redis.port, c.bytes)])
    return { c, viaProxy, viaRedis }
  }))
  for (const { c, viaProxy, viaRedis } of results) {
    t.equal(show(viaRedis.data), show(c.reply), `${c.name}: redis-server 7.0.15 replies ${show(c.reply)} (the case is written right)`)
    t.equal(show(viaProxy.data), show(c.reply), `${c.name}: slotgate replies the same`)
    t.equal(viaRedis.closedByServer, c.closes, `${c.name}: redis-server ${c.closes ? 'closes' : 'keeps'} the connection`)
    t.equal(viaProxy.closedByServer, c.closes, `${c.name}: slotgate ${c.closes ? 'closes' : 'keeps'} the connection`)
  }
  const { batches, problems } = await other.stop()
  t.same(problems, [], 'the bystander got every reply right, in order')
  t.ok(batches >= 1, `the bystander pipelined ${batches} batches of 1,000 commands meanwhile`)
})

t.test('replies to valid requests sent before the garbage arrive before the error', async t => {
  for (const garbage of ['*abc\r\n', '*1\r\n:5\r\n', 'SET k "a\r\n']) {
    const prefix = validPrefix(`before${garbage.length}`)
    const bytes = `${prefix.bytes}*1\r\n$4\r\nPING\r\n${garbage}*1\r\n$4\r\nPING\r\n`
    const detail = garbage.startsWith('*abc') ? 'invalid multibulk length' : garbage.startsWith('*1') ? 'expected \'$\', got \':\'' : 'unbalanced quotes in request'
    const expected = `${prefix.replies}+PONG\r\n${protocolError(detail)}`
    const [viaProxy, viaRedis] = await Promise.all([exchange(env.proxy.port, bytes), exchange(redis.port, bytes)])
    t.equal(show(viaRedis.data), show(expected), `${show(garbage)}: redis-server's replies`)
    t.equal(show(viaProxy.data), show(expected), `${show(garbage)}: slotgate's replies, from three masters, then the error, and nothing after`)
    t.ok(viaProxy.closedByServer, `${show(garbage)}: slotgate closed the connection`)
  }
})

t.test('inline commands on a raw socket', async t => {
  const key = env.keyOn(env.masters[1], 'inline:')
  const r = await exchange(env.proxy.port, `PING\r\nSET ${key} "a b"\r\nGET ${key}\r\nECHO 'x y'\r\nECHO "it's"\r\nPING "hello world"\r\n`)
  t.equal(show(r.data), show('+PONG\r\n+OK\r\n$3\r\na b\r\n$3\r\nx y\r\n$4\r\nit\'s\r\n$11\r\nhello world\r\n'), 'PONG, OK, "a b", "x y", "it\'s", "hello world"')
  t.notOk(r.closedByServer, 'the connection stays open')
  t.equal(await env.direct.get(key), 'a b', 'the inline SET stored "a b" in the cluster')
  const unknown = await exchange(env.proxy.port, 'FOO bar\r\n')
  t.equal(show(unknown.data), show('-ERR unknown command \'FOO\', with args beginning with: \'bar\' \r\n'), 'an unknown inline command gets Redis\' error')
})

t.test('requests written one byte at a time are answered right', async t => {
  const key = env.keyOn(env.masters[2], 'bytewise:')
  const value = 'hello\r\nworld'
  const bytes = `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n` +
    `*2\r\n$3\r\nGET\r\n$${key.length}\r\n${key}\r\nPING\r\nECHO "a b"\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n`
  const r = await exchange(env.proxy.port, bytes, { byteByByte: true })
  t.equal(show(r.data), show(`+OK\r\n$${value.length}\r\n${value}\r\n+PONG\r\n$3\r\na b\r\n$0\r\n\r\n`), 'OK, the value, PONG, "a b", empty')
  t.notOk(r.closedByServer, 'the connection stays open')
  t.equal(await env.direct.get(key), value, 'the value landed in the cluster')
})

t.test('configured limits: maxBulkBytes and maxMultibulkLength', async t => {
  const limited = await startProxy(env.cluster.seeds(), { maxBulkBytes: 1000, maxMultibulkLength: 10 })
  t.teardown(async () => { await limited.close() })
  const key = env.keyOn(env.masters[0], 'limits:')
  const setOf = (n: number): string => `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${n}\r\n${'v'.repeat(n)}\r\n`
  const ok = await exchange(limited.port, setOf(900))
  t.equal(show(ok.data), show('+OK\r\n'), 'a 900-byte value under a 1000-byte limit is stored')
  const tooBig = await exchange(limited.port, `${setOf(10)}${setOf(1001)}`)
  t.equal(show(tooBig.data), show(`+OK\r\n${protocolError('invalid bulk length')}`), 'a 1001-byte argument: invalid bulk length, after the reply before it')
  t.ok(tooBig.closedByServer, 'and the connection is closed')
  t.equal(await env.direct.strlen(key), 10, 'the oversized SET never reached the cluster')

  const args = (n: number): string => `*${n}\r\n$4\r\nSADD\r\n$${key.length + 1}\r\n${key}s\r\n` + Array.from({ length: n - 2 }, (_, i) => `$1\r\n${i}\r\n`).join('')
  const ten = await exchange(limited.port, args(10))
  t.equal(show(ten.data), show(':8\r\n'), '10 arguments with maxMultibulkLength 10: run')
  const eleven = await exchange(limited.port, args(11))
  t.equal(show(eleven.data), show(protocolError('invalid multibulk length')), '11 arguments: invalid multibulk length')
  t.ok(eleven.closedByServer, 'and the connection is closed')
})

t.test('maxRequestBytes bounds the whole request, as its documentation says ("all its arguments")', async t => {
  const limited = await startProxy(env.cluster.seeds(), { maxRequestBytes: 1000 })
  t.teardown(async () => { await limited.close() })
  const [a, b] = ['{limits}a', '{limits}b']
  // Two 600-byte values: each under the limit, together over it.
  const mset = `*5\r\n$4\r\nMSET\r\n$${a.length}\r\n${a}\r\n$600\r\n${'a'.repeat(600)}\r\n$${b.length}\r\n${b}\r\n$600\r\n${'b'.repeat(600)}\r\n`
  const r = await exchange(limited.port, mset)
  t.match(r.data.toString('latin1'), /^-ERR Protocol error: /, `a 1,200-byte request over a 1,000-byte maxRequestBytes is a protocol error (got ${show(r.data)})`)
  t.ok(r.closedByServer, 'and the connection is closed')
  t.equal(await env.direct.exists(a, b), 0, 'nothing was written')
})
