// The compatibility runner's clean-up between Redis test files (test/compat/targets.ts), on a
// real cluster and a real redis-server: what a file leaves behind (keys, functions, CONFIG SET,
// a script still running) is removed, and a node left unusable gets the cluster restarted.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { Redis } from 'ioredis'
import { DirectTarget, SlotgateTarget } from '../compat/targets.js'
import { ensureBuilt } from '../helpers/slotgate-cli.js'

ensureBuilt()
const dir = await mkdtemp(join(tmpdir(), 'slotgate-compat-'))
t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })

/** Sends one command and never reads the reply, as a test client that gave up would. */
function sendAndLeave (port: number, ...args: string[]): Socket {
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => undefined)
  socket.write(`*${args.length}\r\n${args.map(a => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`)
  return socket
}

async function call (port: number, ...args: string[]): Promise<unknown> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false })
  client.on('error', () => undefined)
  try {
    await client.connect()
    return await client.call(args[0], ...args.slice(1))
  } finally {
    client.disconnect()
  }
}

const LIB = "#!lua name=compatlib\nredis.register_function('one', function() return 1 end)"

t.test('through slotgate: a busy script is killed, data, functions and config are reset; an unkillable one restarts the cluster', async t => {
  const target = await SlotgateTarget.start(join(dir, 'gate'), () => undefined)
  t.teardown(async () => { await target.stop() })
  const sockets: Socket[] = []
  t.teardown(() => { for (const s of sockets) s.destroy() })

  for (let i = 0; i < 20; i++) await call(target.port, 'SET', `key${i}`, 'v')
  const before = await call(target.port, 'CONFIG', 'GET', 'hash-max-listpack-entries') as string[]
  t.not(before[1], '7')
  t.equal(await call(target.port, 'CONFIG', 'SET', 'hash-max-listpack-entries', '7'), 'OK')
  t.equal(await call(target.port, 'FUNCTION', 'LOAD', LIB), 'compatlib')
  t.equal(await call(target.port, 'DBSIZE'), 20)
  // A read-only endless script: SCRIPT KILL can end it.
  sockets.push(sendAndLeave(target.port, 'EVAL', 'while true do end', '0'))
  await new Promise(resolve => setTimeout(resolve, 300))

  const repairs = await target.reset()
  t.match(repairs.join('\n'), /BUSY 127\.0\.0\.1:\d+ answers again \(SCRIPT KILL: OK/)
  t.match(repairs.join('\n'), /config reset on 6 node\(s\): hash-max-listpack-entries/)
  t.equal(await call(target.port, 'DBSIZE'), 0)
  t.same(await call(target.port, 'FUNCTION', 'LIST'), [])
  t.same(await call(target.port, 'CONFIG', 'GET', 'hash-max-listpack-entries'), before)
  t.same(await target.reset(), [], 'nothing left to repair')

  // A script that wrote before looping is UNKILLABLE: only a restart helps.
  sockets.push(sendAndLeave(target.port, 'EVAL', "redis.call('set', KEYS[1], 'y') while true do end", '1', 'x'))
  await new Promise(resolve => setTimeout(resolve, 300))
  const restart = await target.reset()
  t.equal(restart.length, 1)
  t.match(restart[0], /^cluster and slotgate restarted: 127\.0\.0\.1:\d+ does not answer PING .*UNKILLABLE/)
  t.ok(existsSync(join(dir, 'gate', 'cluster-2')), 'a new cluster in its own dir')
  t.equal(await call(target.port, 'PING'), 'PONG')
  t.equal(await call(target.port, 'SET', 'x', 'z'), 'OK')
  t.equal(await call(target.port, 'GET', 'x'), 'z')
})

t.test('direct: the same clean-up on a plain redis-server', async t => {
  const target = await DirectTarget.start(join(dir, 'direct'), () => undefined)
  t.teardown(async () => { await target.stop() })
  await call(target.port, 'SET', 'a', '1')
  await call(target.port, 'CONFIG', 'SET', 'lua-time-limit', '10')
  const socket = sendAndLeave(target.port, 'EVAL', 'while true do end', '0')
  t.teardown(() => { socket.destroy() })
  await new Promise(resolve => setTimeout(resolve, 300))
  const repairs = await target.reset()
  t.match(repairs.join('\n'), /BUSY 127\.0\.0\.1:\d+ answers again \(SCRIPT KILL: OK/)
  t.match(repairs.join('\n'), /config reset on 1 node\(s\): busy-reply-threshold,lua-time-limit/)
  t.equal(await call(target.port, 'DBSIZE'), 0)
  t.same(await call(target.port, 'CONFIG', 'GET', 'lua-time-limit'), ['lua-time-limit', '5000'])
})
