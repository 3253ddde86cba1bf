import t from 'tap'
import { connect } from 'node:net'
import { splitInline } from '../../src/resp/split-inline.js'
import { hasRedisServer, startStandaloneRedis } from '../helpers/standalone-redis.js'

// [inline line (latin1, no line end), args, or null for "unbalanced quotes"]. The rules are
// sds.c's sdssplitargs, which Redis' processInlineBuffer uses; the live test below checks
// every row against redis-server.
const CASES: ReadonlyArray<readonly [string, string[] | null]> = [
  ['SET k v', ['SET', 'k', 'v']],
  ['', []],
  ['   ', []],
  [' \t\x0b\x0c', []],
  ['  a  b\tc  ', ['a', 'b', 'c']],
  ['a\rb', ['a', 'b']],
  ['caf\xc3\xa9 \xff\x01', ['caf\xc3\xa9', '\xff\x01']],
  // double quotes and their escapes
  ['"hello world"', ['hello world']],
  ['""', ['']],
  ['"" ""', ['', '']],
  ['"a\\nb\\rc\\td\\be\\af"', ['a\nb\rc\td\be\x07f']],
  ['"back\\\\slash"', ['back\\slash']],
  ['"say \\"hi\\""', ['say "hi"']],
  ['"\\x41\\x7a\\xFF\\x00\\x0d"', ['Az\xff\x00\r']],
  ['"\\xZZ"', ['xZZ']],
  ['"\\x4"', ['x4']],
  ['"\\x"', ['x']],
  ['"\\q\\\'"', ['q\'']],
  ['"a" "b"', ['a', 'b']],
  ['"a"\t"b"', ['a', 'b']],
  ['"a"\x0bb', ['a', 'b']],
  ['foo"bar baz"', ['foobar baz']],
  ['"it\'s"', ['it\'s']],
  // single quotes: only \' is an escape
  ['\'single quoted\'', ['single quoted']],
  ['\'it\\\'s\'', ['it\'s']],
  ['\'no \\n escapes \\x41\'', ['no \\n escapes \\x41']],
  ['\'\'', ['']],
  ['\'say "hi"\'', ['say "hi"']],
  ['x\'y z\'', ['xy z']],
  // only space, \t, \n, \r end an unquoted word; \v and \f are part of it
  ['a\x0bb', ['a\x0bb']],
  ['a\x0cb c', ['a\x0cb', 'c']],
  // unbalanced
  ['"abc', null],
  ['\'abc', null],
  ['SET k "abc', null],
  ['"abc\\"', null],
  ['"abc\\', null],
  ['"a"b', null],
  ['\'a\'b', null],
  ['a"b c"d', null],
  ['"a""b"', null]
]

const show = (s: string): string => JSON.stringify(s)

for (const [line, expected] of CASES) {
  t.test(`splitInline(${show(line)})`, async t => {
    const out = splitInline(Buffer.from(line, 'latin1'))
    t.same(out === null ? null : out.map(a => a.toString('latin1')), expected)
    if (out !== null) t.ok(out.every(a => Buffer.isBuffer(a)), 'args are Buffers')
  })
}

t.test('a long line of many args', async t => {
  const words = Array.from({ length: 1000 }, (_, i) => `w${i}`)
  const out = splitInline(Buffer.from(words.join(' ')))
  t.same(out?.map(a => a.toString()), words)
})

/** Sends `wire` on a fresh connection and returns what the server sends until it closes. */
function exchange (port: number, wire: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const timer = setTimeout(() => { socket.destroy(); resolve(Buffer.concat(chunks).toString('latin1') + '<no close>') }, 3000)
    socket.on('data', c => chunks.push(c))
    socket.on('error', reject)
    socket.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(chunks).toString('latin1')) })
    socket.write(wire)
  })
}

/** Live checks need Debian's redis-server; without it they are reported as skipped. */
const LIVE = { skip: hasRedisServer() ? false : 'redis-server is not installed' }

// `COMMAND GETKEYS DEL <line>` makes Redis return every argument it split from the line.
t.test('live redis-server splits every line the same way', LIVE, async t => {
  const server = await startStandaloneRedis()
  t.teardown(() => server.stop())
  for (const [line, expected] of CASES) {
    let wire: string
    let reply: string
    if (expected === null) {
      wire = `${line}\r\nQUIT\r\n`
      reply = '-ERR Protocol error: unbalanced quotes in request\r\n'
    } else if (expected.length === 0) {
      wire = `${line}\r\nPING\r\nQUIT\r\n`
      reply = '+PONG\r\n+OK\r\n'
    } else {
      wire = `COMMAND GETKEYS DEL ${line}\r\nQUIT\r\n`
      reply = `*${expected.length}\r\n${expected.map(a => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('')}+OK\r\n`
    }
    t.equal(await exchange(server.port, Buffer.from(wire, 'latin1')), reply, show(line))
  }
})
