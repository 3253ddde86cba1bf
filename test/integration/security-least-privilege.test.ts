// slotgate in front of a cluster whose nodes know it only as the least-privilege ACL user of
// docs/security.md (issue 13, point 4): everything a client does through slotgate works,
// no script can reach what the deny list refuses, and slotgate does not warn about its user.
// A restricted client user may not run scripts unless its entry allows it.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { startSlotgate, type Slotgate } from '../../src/main.js'
import { schemaDefaults } from '../../src/config/schema.js'
import { backendAccess } from '../../src/metrics/backend-access.js'
import { LocalCluster } from '../harness/local-cluster.js'
import { nodeCommand } from '../harness/node-command.js'
import { cmd, RawConn } from '../helpers/raw-conn.js'

/** The recipe of docs/security.md, word for word. */
const LEAST_PRIVILEGE = ['ACL', 'SETUSER', 'slotgate', 'on', '>slotgate-secret', 'resetkeys', '~*', 'resetchannels', '&*',
  'nocommands', '+@all', '-@admin', '-@dangerous', '+info', '+client|unblock']

const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000 })
t.teardown(async () => { await cluster.stop() })
for (const n of cluster.nodes) await nodeCommand('127.0.0.1', n.port, ...LEAST_PRIVILEGE)

const dir = await mkdtemp(join(tmpdir(), 'slotgate-lp-'))
const usersFile = join(dir, 'users.json')
await writeFile(usersFile, JSON.stringify([
  { username: 'app', password: 'app-pw', commands: ['+@all', '-@dangerous'], keys: ['~app:*'] },
  { username: 'trusted', password: 'trusted-pw', commands: ['+@all', '-@dangerous'], keys: ['~app:*'], allowScripts: true },
  { username: 'admin', password: 'admin-pw' }
]))

/** Starts slotgate with a log captured in `lines`. */
async function start (overrides: Record<string, unknown>, lines: string[]): Promise<Slotgate> {
  const sink = new Writable({ write (chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done() } })
  const proxy = await startSlotgate({ ...schemaDefaults(), seeds: cluster.seeds(), port: 0, bind: '127.0.0.1', metricsEnabled: false, failoverDeadlineMs: 6000, ...overrides }, pino({ level: 'info' }, sink))
  await proxy.ready
  t.teardown(async () => { await proxy.close() })
  return proxy
}

const conns: RawConn[] = []
t.teardown(() => { for (const c of conns) c.destroy() })
async function raw (port: number): Promise<RawConn> {
  const c = await RawConn.open(port)
  conns.push(c)
  return c
}
const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`

const logs: string[] = []
const proxy = await start({ clusterUsername: 'slotgate', clusterPassword: 'slotgate-secret', usersFile }, logs)

t.test('with the least-privilege backend user, slotgate does not warn: none of its denied commands is within the user\'s reach', async t => {
  t.equal(backendAccess.deniedCommandsAllowed, 0)
  t.notOk(logs.some(l => l.includes('backend_user_too_powerful')), 'no warning')
})

t.test('everything a client does through slotgate works with that user', async t => {
  const c = await raw(proxy.port)
  t.equal(await c.call('AUTH', 'admin', 'admin-pw'), '+OK\r\n')
  c.write(cmd('SET', 'app:a', '1') + cmd('MSET', 'app:b', '2', 'app:c', '3') + cmd('MGET', 'app:a', 'app:b', 'app:c') +
    cmd('MULTI') + cmd('INCR', 'app:a') + cmd('INCR', 'app:b') + cmd('EXEC') + cmd('DBSIZE') + cmd('EVAL', 'return redis.call("GET", KEYS[1])', '1', 'app:a'))
  const r = await c.read(9)
  t.same(r.slice(0, 7), ['+OK\r\n', '+OK\r\n', `*3\r\n${bulk('1')}${bulk('2')}${bulk('3')}`, '+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '*2\r\n:2\r\n:3\r\n'],
    'plain and split commands, a transaction across slots')
  t.equal(r[7], ':3\r\n', 'DBSIZE summed over the masters')
  t.equal(r[8], bulk('2'), 'a keyed script')
  t.equal(await c.call('WAIT', '1', '2000'), ':1\r\n', 'WAIT reads the masters\' replication offsets (INFO)')
  t.match(await c.call('INFO', 'keyspace'), /db0:keys=3/)
  // A cross-slot blocking pop ends its losing waits with CLIENT UNBLOCK, which the user may run.
  c.write(cmd('BLPOP', 'app:q1', 'app:q2', 'app:q3', '0'))
  await new Promise(resolve => setTimeout(resolve, 200))
  const p = await raw(proxy.port)
  await p.call('AUTH', 'admin', 'admin-pw')
  t.equal(await p.call('RPUSH', 'app:q2', 'job'), ':1\r\n')
  t.same(await c.read(1, 5000), [`*2\r\n${bulk('app:q2')}${bulk('job')}`])
  const sub = await raw(proxy.port)
  await sub.call('AUTH', 'admin', 'admin-pw')
  sub.write(cmd('SUBSCRIBE', 'news'))
  t.same(await sub.read(1), [`*3\r\n${bulk('subscribe')}${bulk('news')}:1\r\n`])
  t.equal(await p.call('PUBLISH', 'news', 'hi'), ':1\r\n', 'PUBLISH counts the subscriber')
})

t.test('no script reaches what the user may not run: FLUSHALL from Lua is refused by the node', async t => {
  const c = await raw(proxy.port)
  await c.call('AUTH', 'admin', 'admin-pw')
  // Redis 7.0 words an ACL refusal inside a script as an ERR.
  const refused = /^-ERR The user executing the script can't run this command or subcommand/
  t.match(await c.call('EVAL', 'return redis.call("FLUSHALL")', '0'), refused, 'the node refuses the backend user')
  t.match(await c.call('EVAL', 'return redis.call("CLUSTER", "SETSLOT", "1", "STABLE")', '0'), refused, 'nor a cluster-changing command')
  t.equal(await c.call('GET', 'app:a'), bulk('2'), 'the data is still there')
})

t.test('a restricted client user may not run scripts, unless its entry allows them', async t => {
  const app = await raw(proxy.port)
  t.equal(await app.call('AUTH', 'app', 'app-pw'), '+OK\r\n')
  t.equal(await app.call('GET', 'app:a'), bulk('2'), 'its own keys')
  t.match(await app.call('EVAL', 'return redis.call("GET", "secret:key")', '0'), /^-NOPERM slotgate: user 'app' may not run scripts/)
  t.match(await app.call('EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '1', 'app:a'), /^-NOPERM slotgate: user 'app' may not run scripts/)
  t.match(await app.call('FCALL', 'f', '1', 'app:a'), /^-NOPERM slotgate: user 'app' may not run scripts/)
  app.write(cmd('MULTI') + cmd('EVAL', 'return 1', '0') + cmd('EXEC'))
  const tx = await app.read(3)
  t.match(tx[1], /^-NOPERM slotgate/, 'inside MULTI too')
  t.equal(tx[2], '-EXECABORT Transaction discarded because of previous errors.\r\n')
  const trusted = await raw(proxy.port)
  t.equal(await trusted.call('AUTH', 'trusted', 'trusted-pw'), '+OK\r\n')
  t.equal(await trusted.call('EVAL', 'return redis.call("GET", KEYS[1])', '1', 'app:a'), bulk('2'), '"allowScripts": true: the operator opted in')
})

t.test('with an all-powerful backend user, slotgate warns at start', async t => {
  const lines: string[] = []
  await start({}, lines)
  t.ok(backendAccess.deniedCommandsAllowed > 0, `the default user may run ${backendAccess.deniedCommandsAllowed} denied commands`)
  t.ok(lines.some(l => l.includes('"event":"backend_user_too_powerful"')), 'a warning with a stable event name')
})

t.test('a shard subscription the node refuses leaves no phantom channel (issue 14): the client gets the node\'s error, counts stay right', async t => {
  // A cluster user limited to some channels: the node itself refuses the others with NOPERM.
  for (const n of cluster.nodes) {
    await nodeCommand('127.0.0.1', n.port, 'ACL', 'SETUSER', 'channels', 'on', '>channels-secret', '~*', 'resetchannels', '&allowed:*', '+@all')
  }
  const limited = await start({ clusterUsername: 'channels', clusterPassword: 'channels-secret' }, [])
  const c = await raw(limited.port)
  c.write(cmd('SSUBSCRIBE', 'forbidden:ch'))
  const [refused] = await c.read(1)
  t.match(refused, /^-NOPERM /, `the node's refusal reaches the client: ${JSON.stringify(refused)}`)
  c.write(cmd('SSUBSCRIBE', 'allowed:ch'))
  t.same(await c.read(1), [`*3\r\n${bulk('ssubscribe')}${bulk('allowed:ch')}:1\r\n`], 'one shard channel held: the refused one was not kept')
  c.write(cmd('SUNSUBSCRIBE'))
  t.same(await c.read(1), [`*3\r\n${bulk('sunsubscribe')}${bulk('allowed:ch')}:0\r\n`], 'SUNSUBSCRIBE drops the one it holds, and only it')
  t.equal(await c.call('PING'), '+PONG\r\n', 'out of subscribed mode')
})
