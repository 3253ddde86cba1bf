// redis-cli 7 (Debian's 7.0.15) against slotgate without -c, as an operator would use it:
// one-shot commands, INFO, DBSIZE, commands piped on stdin, --pipe mass insertion. Output is
// compared with the same redis-cli against a real standalone redis-server.
import { spawn } from 'node:child_process'
import t from 'tap'
import { slotOf, startCoreEnv } from '../helpers/core-env.js'
import { startStandaloneRedis } from '../helpers/standalone-redis.js'

const env = await startCoreEnv()
t.teardown(env.stop)
const redis = await startStandaloneRedis()
t.teardown(async () => { await redis.stop() })

interface CliResult { stdout: string, stderr: string, code: number | null }

/** Runs `redis-cli -p port ...args` with `input` on stdin (none: an empty stdin). */
async function cli (port: number, args: string[], input = ''): Promise<CliResult> {
  return await new Promise((resolve, reject) => {
    const child = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => { child.kill('SIGKILL') }, 20_000)
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString('latin1') })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('latin1') })
    child.on('error', reject)
    // A one-shot redis-cli may exit without reading its stdin: that EPIPE is no failure.
    child.stdin.on('error', () => { /* see above */ })
    child.on('close', code => { clearTimeout(timer); resolve({ stdout, stderr, code }) })
    child.stdin.end(input)
  })
}

t.test('one-shot commands print what they print against redis-server', async t => {
  const key = env.keyOn(env.masters[2], 'cli:')
  t.same(await cli(env.proxy.port, ['SET', key, 'hello world']), { stdout: 'OK\n', stderr: '', code: 0 }, 'SET')
  t.same(await cli(env.proxy.port, ['GET', key]), { stdout: 'hello world\n', stderr: '', code: 0 }, 'GET')
  t.equal(await env.direct.get(key), 'hello world', 'the value is in the cluster')
  t.same(await cli(env.proxy.port, ['PING']), { stdout: 'PONG\n', stderr: '', code: 0 }, 'PING')
  const cases: string[][] = [
    ['GET', 'cli:missing'],
    ['--no-raw', 'GET', 'cli:missing'],
    ['RPUSH', '{cli}l', 'x', 'y z'],
    ['--no-raw', 'LRANGE', '{cli}l', '0', '-1'],
    ['--no-raw', 'INCR', '{cli}n'],
    ['foo', 'bar'],
    ['GET'],
    ['--no-raw', 'SET', '{cli}l', 'v', 'XX', 'GET'],
    ['ECHO', 'a\nb']
  ]
  for (const args of cases) {
    const [viaProxy, viaRedis] = await Promise.all([cli(env.proxy.port, args), cli(redis.port, args)])
    t.same(viaProxy, viaRedis, `redis-cli ${args.join(' ')}: ${JSON.stringify(viaRedis.stdout)}`)
  }
})

t.test('INFO server', async t => {
  const r = await cli(env.proxy.port, ['INFO', 'server'])
  t.equal(r.code, 0)
  t.match(r.stdout, /^# Server\r\n/, 'starts with the Server section')
  t.match(r.stdout, /\r\nredis_version:7\.0\.15\r\n/, 'redis_version is the cluster\'s')
  t.notMatch(r.stdout, /# Keyspace/, 'only the section asked for')
  const all = await cli(env.proxy.port, ['INFO'])
  t.match(all.stdout, /# Keyspace\r\n/, 'plain INFO has the keyspace section too')
})

t.test('commands piped through stdin, one per line', async t => {
  const keys = env.masters.map(port => env.keyOn(port, 'stdin:'))
  t.same([...new Set(keys.map(k => env.ownerAtStart(slotOf(k))))].length, 3, 'keys on all three masters')
  const script = [
    ...keys.map((k, i) => `SET ${k} ${i}`),
    ...keys.map(k => `INCR ${k}`),
    ...keys.map(k => `GET ${k}`),
    'ECHO "two words"',
    'HSET {stdin}h f v',
    'HGETALL {stdin}h',
    'GET stdin:missing',
    'PING'
  ].join('\n') + '\n'
  const [viaProxy, viaRedis] = await Promise.all([cli(env.proxy.port, [], script), cli(redis.port, [], script)])
  const expected = 'OK\nOK\nOK\n1\n2\n3\n1\n2\n3\ntwo words\n1\nf\nv\n\nPONG\n'
  t.same(viaRedis, { stdout: expected, stderr: '', code: 0 }, 'redis-server\'s output (the script is right)')
  t.same(viaProxy, { stdout: expected, stderr: '', code: 0 }, 'slotgate\'s output is the same')
  t.same(await Promise.all(keys.map(async k => await env.direct.get(k))), ['1', '2', '3'], 'the cluster holds the values')
})

t.test('--pipe mass insertion of 3,000 commands over every master', async t => {
  const n = 3000
  let proto = ''
  for (let i = 0; i < n; i++) {
    const k = `mass:${i}`
    const v = `value-${i}`
    proto += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`
  }
  const r = await cli(env.proxy.port, ['--pipe'], proto)
  t.equal(r.code, 0, 'exit code 0')
  t.match(r.stdout, /All data transferred\. Waiting for the last reply\.\.\.\nLast reply received from server\.\nerrors: 0, replies: 3000\n$/, 'errors: 0, replies: 3000')
  const keys = Array.from({ length: n }, (_, i) => `mass:${i}`)
  t.same([...new Set(keys.map(k => env.ownerAtStart(slotOf(k))))].sort((a, b) => a - b), env.masters, 'keys on every master')
  const values = await Promise.all(keys.map(async k => await env.direct.get(k)))
  t.same(values, keys.map((_, i) => `value-${i}`), 'every value is in the cluster')
})

t.test('redis-cli 7 connects; COMMAND DOCS (its startup help query) answers like the node', async t => {
  const docs = await cli(env.proxy.port, ['COMMAND', 'DOCS', 'get'])
  const nodeDocs = await cli(env.masters[0], ['COMMAND', 'DOCS', 'get'])
  t.equal(docs.code, 0)
  t.match(docs.stdout, /^get\nsummary\nGet the value of a key\n/, 'get, then its summary')
  t.equal(docs.stdout, nodeDocs.stdout, 'same as a node\'s reply')
  const all = await cli(env.proxy.port, ['COMMAND', 'DOCS'])
  const nodeAll = await cli(env.masters[0], ['COMMAND', 'DOCS'])
  t.ok(all.stdout.length > 100_000, `COMMAND DOCS for every command (${all.stdout.length} bytes)`)
  // Redis lists commands in its dict's order, which differs between processes: compare as sorted lines.
  const lines = (s: string): string[] => s.split('\n').sort()
  t.same(lines(all.stdout), lines(nodeAll.stdout), 'the whole COMMAND DOCS reply has the node\'s content')
  // The REPL, even on a non-tty stdin, first sends COMMAND DOCS (seen on the wire with
  // Debian's redis-cli 7.0.15), then the line.
  t.same(await cli(env.proxy.port, [], 'PING\n'), { stdout: 'PONG\n', stderr: '', code: 0 }, 'interactive mode works')
})

t.test('DBSIZE is the sum over the masters', async t => {
  let sum = 0
  for (const m of env.direct.nodes('master')) sum += await m.dbsize()
  t.ok(sum >= 3000, `the earlier subtests wrote keys (${sum})`)
  t.same(await cli(env.proxy.port, ['DBSIZE']), { stdout: `${sum}\n`, stderr: '', code: 0 }, `DBSIZE prints ${sum}`)
})
