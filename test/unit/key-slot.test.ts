import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { keySlot, SLOT_COUNT } from '../../src/cluster/key-slot.js'
import { hasRedisServer } from '../helpers/standalone-redis.js'
import { seededRandom as rng } from '../helpers/seeded-random.js'

const b = (s: string): Buffer => Buffer.from(s, 'latin1')

// [key (latin1), slot] — every value is what redis-server 7.0.15's CLUSTER KEYSLOT answered.
// Hash-tag rule (cluster spec, "Hash tags"): hash only what lies between the first `{` and
// the first `}` after it, if that is not empty; otherwise the whole key.
const VECTORS: ReadonlyArray<readonly [string, number]> = [
  ['somekey', 11058],
  ['foo{hash_tag}', 2515],
  ['foo{}{bar}', 8363], // empty first tag: the whole key (cluster-key-slot 1.1.1 says 4015)
  ['foo{{bar}}zap', 4015], // tag is `{bar`
  ['foo{bar}{zap}', 5061], // tag is `bar`
  ['{user1000}.following', 3443],
  ['{user1000}.followers', 3443],
  ['', 0],
  ['123456789', 12739], // CRC16-XMODEM check value 0x31C3
  ['{', 4092],
  ['}', 12090],
  ['{}', 15257],
  ['}{', 12793],
  ['{a', 10276],
  ['a}', 5921],
  ['a', 15495],
  ['{a}', 15495],
  ['}{a}', 15495],
  ['b', 3300],
  ['a{b}c', 3300],
  ['{}a', 10875],
  ['{{}}', 4092], // tag is `{`
  ['{}}', 14790],
  ['{{a}', 10276], // tag is `{a`
  ['\x00', 0],
  ['\xff\xfe', 3374],
  ['{\x00}x', 0],
  ['k\x00ey', 7340],
  ['\r\n', 5910],
  ['{\r\n}', 5910],
  ['x'.repeat(1000), 3195]
]

for (const [key, slot] of VECTORS) {
  t.test(`keySlot(${JSON.stringify(key.length > 20 ? `${key.slice(0, 8)}...(${key.length} bytes)` : key)}) = ${slot}`, async t => {
    t.equal(keySlot(b(key)), slot)
  })
}

t.test('accepts a Uint8Array view at an offset, not just a Buffer', async t => {
  const backing = b('xxfoo{hash_tag}yy')
  t.equal(keySlot(new Uint8Array(backing.buffer, backing.byteOffset + 2, 13)), 2515)
  t.equal(keySlot(backing.subarray(2, 15)), 2515)
})

/** ~200 keys: the vectors, typical key shapes, and random binary keys rich in braces. */
function liveKeys (): Buffer[] {
  const keys = VECTORS.map(([k]) => b(k))
  for (let i = 0; i < 20; i++) keys.push(b(`user:${i * 7919}`), b(`{order}:${i}:items`))
  const rand = rng(20240611)
  for (let i = 0; i < 130; i++) {
    const len = Math.floor(rand() * 48)
    const key = Buffer.alloc(len)
    for (let j = 0; j < len; j++) {
      const r = rand()
      key[j] = r < 0.12 ? 0x7b : r < 0.24 ? 0x7d : Math.floor(rand() * 256)
    }
    keys.push(key)
  }
  return keys
}

function portFree (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const srv = createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
}

/**
 * A cluster-enabled redis-server in a temp dir (CLUSTER KEYSLOT needs cluster mode, not
 * slots). Its bus port is port + 10000, so the port must be at most 55535 and both free.
 */
async function startClusterNode (): Promise<{ port: number, stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'slotgate-keyslot-'))
  for (let attempt = 0; attempt < 10; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 30000)
    if (!(await portFree(port)) || !(await portFree(port + 10000))) continue
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
      '--cluster-config-file', join(dir, 'nodes.conf'), '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
    const ready = await new Promise<boolean>(resolve => {
      let out = ''
      const timer = setTimeout(() => resolve(false), 10_000)
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString()
        if (out.includes('Ready to accept connections')) { clearTimeout(timer); resolve(true) }
      })
      child.once('exit', () => { clearTimeout(timer); resolve(false) })
    })
    if (!ready) {
      if (child.exitCode === null) child.kill('SIGKILL')
      await exited
      continue
    }
    const pid = child.pid as number
    return {
      port,
      async stop () {
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGTERM')
        await exited
        rmSync(dir, { recursive: true, force: true })
      }
    }
  }
  rmSync(dir, { recursive: true, force: true })
  throw new Error('could not start a cluster-enabled redis-server')
}

/** Live checks need Debian's redis-server; without it they are reported as skipped. */
const LIVE = { skip: hasRedisServer() ? false : 'redis-server is not installed' }

t.test('agrees with a live node\'s CLUSTER KEYSLOT on ~200 keys, binary ones included', LIVE, async t => {
  const node = await startClusterNode()
  const redis = new Redis(node.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 })
  t.teardown(async () => {
    redis.disconnect()
    await node.stop()
  })
  await redis.connect()
  const keys = liveKeys()
  t.ok(keys.length >= 200, `${keys.length} keys`)
  const results = await redis.pipeline(keys.map(k => ['cluster', 'keyslot', k])).exec()
  const expected = (results ?? []).map(([err, slot]) => err === null ? slot : String(err))
  const actual = keys.map(k => keySlot(k))
  const mismatches = keys
    .map((k, i) => ({ key: k.toString('hex'), redis: expected[i], ours: actual[i] }))
    .filter(m => m.redis !== m.ours)
  t.same(mismatches, [], 'no key hashes differently')
  t.equal(expected.length, keys.length)
  t.ok(actual.every(s => s >= 0 && s < SLOT_COUNT))
  // The static vectors above must be what this server says too.
  t.same(expected.slice(0, VECTORS.length), VECTORS.map(([, s]) => s), 'the static table matches the live server')
})
