// The redis-cli tools people point at Redis, pointed at slotgate in front of a real 3-master
// cluster (Debian's redis-cli 7.0.15, no -c): --scan --pattern, --bigkeys, --memkeys, --pipe
// (mass insert of 100,000 commands), --latency, --stat and -r. Their output is read for the
// figures they take from the keyspace, INFO and the commands they run.
import { spawn } from 'node:child_process'
import t from 'tap'
import { HOST, slotOf, startCoreEnv } from '../helpers/core-env.js'

const env = await startCoreEnv()
t.teardown(env.stop)

interface Run { out: string, err: string, code: number | null }

/**
 * Runs redis-cli against slotgate; `stopWhen` ends a tool that runs until interrupted
 * (--stat) once its output satisfies it. stdout is line-buffered through stdbuf: redis-cli
 * does not flush on its own when writing to a pipe.
 */
async function cli (args: string[], input?: string, stopWhen?: (out: string) => boolean): Promise<Run> {
  return await new Promise((resolve, reject) => {
    const child = spawn('stdbuf', ['-oL', 'redis-cli', '-h', HOST, '-p', String(env.proxy.port), ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    const timer = setTimeout(() => { child.kill('SIGKILL') }, 60_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1')
      if (stopWhen?.(out) === true) child.kill('SIGTERM')
    })
    child.stderr.on('data', (d: Buffer) => { err += d.toString('latin1') })
    child.on('error', reject)
    child.stdin.on('error', () => { /* a tool may exit without reading stdin */ })
    child.on('close', code => { clearTimeout(timer); resolve({ out, err, code }) })
    child.stdin.end(input ?? '')
  })
}

t.test('--pipe: a mass insert of 100,000 commands over every master', async t => {
  const lines: string[] = []
  for (let i = 0; i < 100_000; i++) {
    const key = `pipe:${i}`
    const value = `v${i}`
    lines.push(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n`)
  }
  const run = await cli(['--pipe'], lines.join(''))
  t.equal(run.code, 0, run.err)
  t.match(run.out, /errors: 0, replies: 100000/)
  t.equal(await env.direct.get('pipe:99999'), 'v99999')
  t.ok(new Set(['pipe:1', 'pipe:2', 'pipe:3', 'pipe:4'].map(k => env.ownerAtStart(slotOf(k)))).size > 1, 'keys over several masters')
  const c = await env.legacyClient()
  t.equal(await c.dbsize(), 100_000)
})

t.test('--scan --pattern walks every master', async t => {
  const c = await env.legacyClient()
  const keys = env.masters.flatMap(port => [0, 1, 2].map(i => env.keyOn(port, `scan-me:${i}:`)))
  for (const k of keys) await c.set(k, '1')
  const run = await cli(['--scan', '--pattern', 'scan-me:*'])
  t.equal(run.code, 0, run.err)
  t.same(run.out.trim().split('\n').sort(), [...keys].sort(), 'each key once, from the three masters')
  const some = await cli(['--scan', '--pattern', 'pipe:1234*'])
  t.same(some.out.trim().split('\n').sort(), ['pipe:1234', ...Array.from({ length: 10 }, (_, i) => `pipe:1234${i}`)].sort(),
    'a pattern over 100,000 keys')
})

t.test('--bigkeys and --memkeys find the biggest keys wherever they live', async t => {
  const c = await env.legacyClient()
  const big = env.keyOn(env.masters[2], 'big:')
  await c.set(big, 'x'.repeat(50_000))
  const list = env.keyOn(env.masters[1], 'biglist:')
  await c.rpush(list, ...Array.from({ length: 300 }, (_, i) => String(i)))
  const bigkeys = await cli(['--bigkeys'])
  t.equal(bigkeys.code, 0, bigkeys.err)
  t.match(bigkeys.out, new RegExp(`Biggest string found '"${big}"' has 50000 bytes`))
  t.match(bigkeys.out, new RegExp(`Biggest   list found '"${list}"' has 300 items`))
  t.match(bigkeys.out, /Sampled 1000\d\d keys in the keyspace!/, 'every key of the cluster sampled')
  const memkeys = await cli(['--memkeys'])
  t.equal(memkeys.code, 0, memkeys.err)
  t.match(memkeys.out, new RegExp(`Biggest string found '"${big}"' has \\d{5,} bytes`), 'MEMORY USAGE reached the key\'s master')
})

t.test('--latency (raw, one sample window) measures PING round trips', async t => {
  const run = await cli(['--latency', '--raw', '-i', '0.3'])
  t.equal(run.code, 0, run.err)
  const [min, max, avg, count] = run.out.trim().split(' ').map(Number)
  t.ok(count >= 3 && min <= avg && avg <= max, run.out)
})

t.test('--stat reads keys, memory, clients and requests from INFO', async t => {
  const run = await cli(['--stat', '-i', '0.2'], undefined, out => out.trim().split('\n').length >= 5)
  const rows = run.out.trim().split('\n').slice(2)
  t.ok(rows.length >= 3, run.out)
  const [keys, mem, clients, blocked, requests] = rows[0].trim().split(/\s+/)
  t.match(keys, /^1000\d\d$/, 'keys: the keyspace summed over the masters')
  t.match(mem, /^\d+(\.\d+)?[KMG]$/, 'used memory')
  t.ok(Number(clients) >= 1)
  t.equal(blocked, '0')
  t.match(requests, /^\d+$/, 'total_commands_processed')
  t.match(rows[1], /\(\+\d+\)/, 'requests since the previous row')
})

t.test('-r repeats a command', async t => {
  const run = await cli(['-r', '5', 'INCR', '{rep}n'])
  t.equal(run.out, '1\n2\n3\n4\n5\n')
  t.equal(await env.direct.get('{rep}n'), '5')
})
