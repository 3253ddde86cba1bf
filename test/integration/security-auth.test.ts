// Client and backend authentication (issue 7, points 2 and 3).
// - requirepass: NOAUTH before AUTH for every command but the no_auth ones, WRONGPASS,
//   AUTH <pw>, AUTH default <pw>, HELLO 3 AUTH ... SETNAME, RESET logging out; reply texts
//   compared byte for byte with a real redis-server 7.0.15 set up the same way;
// - a users file: a read-only user refused writes, a key-pattern user refused other keys,
//   NOPERM texts compared with the same users made with ACL SETUSER on the real server;
// - backend auth: the cluster's nodes get requirepass/masterauth (and an ACL user), and
//   slotgate with clusterPassword (clusterUsername) works through every kind of link, while
//   one without it fails and says why.
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { startSlotgate, type Slotgate } from '../../src/main.js'
import { schemaDefaults } from '../../src/config/schema.js'
import { createLogger } from '../../src/log.js'
import { errorOf, HOST, startCoreEnv } from '../helpers/core-env.js'
import { cmd, eventually, RawConn } from '../helpers/raw-conn.js'
import { startProxy } from '../helpers/start-proxy.js'
import { startStandaloneRedis } from '../helpers/standalone-redis.js'

const run = promisify(execFile)
const fileStart = Date.now()
const PASS = 'client-secret'
const USERS = [
  { username: 'reader', password: 'reader-pw', commands: ['+@read'] },
  { username: 'app', password: 'app-pw', commands: ['+@all'], keys: ['~app:*'] },
  { username: 'nowrite', password: 'nowrite-pw', commands: ['+@all', '-@write'] }
]
// The same users on a real node, in ACL syntax.
const ACL_USERS = [
  ['reader', 'on', '>reader-pw', '~*', '&*', '+@read'],
  ['app', 'on', '>app-pw', '~app:*', '&*', '+@all'],
  ['nowrite', 'on', '>nowrite-pw', '~*', '&*', '+@all', '-@write']
]

const dir = await mkdtemp(join(tmpdir(), 'slotgate-auth-'))
t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
const usersFile = join(dir, 'users.json')
await writeFile(usersFile, JSON.stringify(USERS))

const env = await startCoreEnv({ proxy: { requirepass: PASS } })
t.teardown(env.stop)
const usersProxy = await startProxy(env.cluster.seeds(), { usersFile })
t.teardown(async () => { await usersProxy.close() })
const redis = await startStandaloneRedis()
t.teardown(async () => { await redis.stop() })
t.teardown(() => { t.comment(`file runtime ${Date.now() - fileStart} ms`) })
{
  const admin = await RawConn.open(redis.port)
  const setup = [await admin.call('CONFIG', 'SET', 'requirepass', PASS), await admin.call('AUTH', PASS)]
  for (const u of ACL_USERS) setup.push(await admin.call('ACL', 'SETUSER', ...u))
  admin.destroy()
  if (setup.some(r => r !== '+OK\r\n')) throw new Error(`could not set up the reference redis-server: ${JSON.stringify(setup)}`)
}

/** Opens a raw connection (closed at the end of the file). */
async function open (port: number): Promise<RawConn> {
  const c = await RawConn.open(port)
  t.teardown(() => { c.destroy() })
  return c
}

/** Sends `requests` (each an argv) pipelined on a fresh connection and returns every reply frame. */
async function exchangeAll (port: number, requests: string[][], replies = requests.length): Promise<string[]> {
  const c = await open(port)
  c.write(requests.map(r => cmd(...r)).join(''))
  const frames = await c.read(replies)
  c.destroy()
  return frames
}

/** The same requests to slotgate and to the real server; per request, both replies. */
async function compare (proxyPort: number, requests: string[][]): Promise<{ proxy: string[], redis: string[] }> {
  return { proxy: await exchangeAll(proxyPort, requests), redis: await exchangeAll(redis.port, requests) }
}

const NOAUTH = '-NOAUTH Authentication required.\r\n'
const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.\r\n'

t.test('requirepass: before AUTH every ordinary command gets NOAUTH, as redis-server 7.0.15 answers', async t => {
  const requests = [
    ['GET', 'auth:k'], ['SET', 'auth:pre', 'v'], ['PING'], ['ECHO', 'x'], ['SELECT', '0'], ['CLIENT', 'SETNAME', 'x'],
    ['CLIENT', 'ID'], ['INFO'], ['MULTI'], ['SUBSCRIBE', 'ch'], ['READONLY'], ['COMMAND', 'COUNT'],
    ['DBSIZE'], ['KEYS', '*'], ['MGET', 'a', 'b'], ['DEL', 'a', 'b'], ['EVAL', 'return 1', '0'], ['SCAN', '0'],
    ['FLUSHALL'], ['WATCH', 'k'], ['BLPOP', 'k', '1'], ['PUBLISH', 'ch', 'm'], ['CLIENT', 'LIST'], ['CONFIG', 'GET', 'maxmemory'],
    ['TIME'], ['ROLE'],
    // Checked before authentication by a node too: unknown command, wrong arity.
    ['NOSUCHCMD', 'a'], ['GET']
  ]
  const { proxy, redis } = await compare(env.proxy.port, requests)
  t.same(proxy, redis, `${requests.length} replies identical to redis-server's`)
  t.equal(proxy.filter(r => r === NOAUTH).length, requests.length - 2, 'all but the unknown command and the arity error are NOAUTH')
  t.equal(await env.direct.get('auth:pre'), null, 'the SET sent before AUTH never reached the cluster')
  t.equal(await env.direct.exists('auth:k'), 0)
})

t.test('requirepass: RESET before AUTH is answered like redis-server (RESET has the no_auth flag)', async t => {
  const { proxy, redis } = await compare(env.proxy.port, [['RESET'], ['GET', 'k']])
  t.same(redis, ['+RESET\r\n', NOAUTH], 'reference: redis-server 7.0.15')
  t.same(proxy, redis, 'slotgate answers RESET, then NOAUTH')
})

t.test('requirepass: HELLO before AUTH gets redis-server 7.0.15\'s exact NOAUTH text', async t => {
  const requests = [['HELLO'], ['HELLO', '2'], ['HELLO', '3'], ['HELLO', '3', 'SETNAME', 'x']]
  const { proxy, redis } = await compare(env.proxy.port, requests)
  t.match(redis[0], /^-NOAUTH HELLO must be called with the client already authenticated/, 'reference: redis-server')
  t.same(proxy, redis, 'same text for each of the four')
})

t.test('requirepass: a command slotgate refuses (deny policy, not supported), sent before AUTH, gets NOAUTH', async t => {
  // A node checks authentication before anything but the command's existence, arity and
  // its protected commands (DEBUG, MODULE: not compared here), so an unauthenticated client
  // learns nothing about the deny list or slotgate's gaps.
  const requests = [['CONFIG', 'SET', 'maxmemory', '0'], ['SHUTDOWN', 'NOSAVE'], ['MONITOR'], ['REPLICAOF', 'NO', 'ONE'], ['CLUSTER', 'INFO']]
  const { proxy, redis } = await compare(env.proxy.port, requests)
  t.same(redis, requests.map(() => NOAUTH), 'reference: redis-server answers NOAUTH to each')
  t.same(proxy, redis, 'slotgate: NOAUTH, not its deny-policy or not-supported error')
})

t.test('requirepass: QUIT before AUTH', async t => {
  const c = await open(env.proxy.port)
  t.equal(await c.call('QUIT'), '+OK\r\n', 'QUIT answered +OK')
  t.ok(await c.waitClosed(2000), 'and the connection closed')
})

t.test('requirepass: wrong passwords', async t => {
  const requests = [['AUTH', 'wrong'], ['AUTH', 'default', 'wrong'], ['AUTH', 'nosuchuser', PASS], ['GET', 'k'], ['HELLO', '3', 'AUTH', 'default', 'wrong'], ['GET', 'k']]
  const { proxy, redis } = await compare(env.proxy.port, requests)
  t.same(redis, [WRONGPASS, WRONGPASS, WRONGPASS, NOAUTH, WRONGPASS, NOAUTH], 'reference: redis-server')
  t.same(proxy, redis, 'slotgate: WRONGPASS for each, still not authenticated')
})

t.test('requirepass: AUTH with too many arguments is a syntax error, never a login', async t => {
  const requests = [['AUTH', 'a', 'b', 'c'], ['AUTH', 'x', 'y', PASS], ['GET', 'k']]
  const { proxy, redis } = await compare(env.proxy.port, requests)
  t.same(redis, ['-ERR syntax error\r\n', '-ERR syntax error\r\n', NOAUTH], 'reference: redis-server')
  t.same(proxy, redis, 'slotgate answers the same, and AUTH x y <password> did not log in')
})

t.test('requirepass: AUTH <password> and AUTH default <password>', async t => {
  await env.direct.set('auth:k', 'value')
  for (const auth of [['AUTH', PASS], ['AUTH', 'default', PASS]]) {
    const c = await open(env.proxy.port)
    t.equal(await c.call('GET', 'auth:k'), NOAUTH)
    t.equal(await c.call(...auth), '+OK\r\n', `${auth.slice(0, -1).join(' ')} <password>: +OK`)
    t.equal(await c.call('GET', 'auth:k'), '$5\r\nvalue\r\n', 'then commands run')
    // A failed AUTH on an authenticated connection keeps it logged in, as on a node.
    t.equal(await c.call('AUTH', 'wrong'), WRONGPASS)
    t.equal(await c.call('GET', 'auth:k'), '$5\r\nvalue\r\n', 'still authenticated after a failed AUTH')
    c.destroy()
  }
})

t.test('requirepass: HELLO 3 AUTH default <pw> SETNAME x authenticates, switches to RESP3 and names the connection', async t => {
  const c = await open(env.proxy.port)
  const hello = await c.call('HELLO', '3', 'AUTH', 'default', PASS, 'SETNAME', 'x')
  t.match(hello, /^%7\r\n/, 'a RESP3 map of 7 fields')
  t.match(hello, /\$5\r\nproto\r\n:3\r\n/, 'proto 3')
  t.equal(await c.call('CLIENT', 'GETNAME'), '$1\r\nx\r\n', 'named x')
  t.equal(await c.call('GET', 'auth:nokey'), '_\r\n', 'authenticated, and nulls are RESP3 nulls')
  // A failed HELLO AUTH changes nothing: protocol and login stay as they were.
  const d = await open(env.proxy.port)
  t.equal(await d.call('HELLO', '3', 'AUTH', 'default', 'wrong'), WRONGPASS)
  t.equal(await d.call('GET', 'auth:nokey'), NOAUTH)
  t.equal(await d.call('AUTH', PASS), '+OK\r\n')
  t.equal(await d.call('GET', 'auth:nokey'), '$-1\r\n', 'still RESP2 after the failed HELLO 3')
})

t.test('requirepass: RESET logs the connection out', async t => {
  const c = await open(env.proxy.port)
  t.equal(await c.call('AUTH', PASS), '+OK\r\n')
  t.equal(await c.call('GET', 'auth:k'), '$5\r\nvalue\r\n')
  t.equal(await c.call('RESET'), '+RESET\r\n')
  t.equal(await c.call('GET', 'auth:k'), NOAUTH, 'NOAUTH after RESET')
  t.equal(await c.call('AUTH', PASS), '+OK\r\n')
  t.equal(await c.call('GET', 'auth:k'), '$5\r\nvalue\r\n', 'and AUTH works again')
})

t.test('requirepass: client libraries and redis-cli', async t => {
  const r3 = new Redis({ host: HOST, port: env.proxy.port, password: PASS, lazyConnect: true, maxRetriesPerRequest: 0 })
  const r2 = new Redis({ host: HOST, port: env.proxy.port, password: PASS, protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0 })
  const bad = new Redis({ host: HOST, port: env.proxy.port, password: 'nope', protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  const badErrors: string[] = []
  for (const c of [r3, r2]) c.on('error', () => {})
  bad.on('error', (err: Error) => { badErrors.push(err.message) })
  t.teardown(() => { r3.disconnect(); r2.disconnect(); bad.disconnect() })
  await r3.connect()
  await r2.connect()
  t.equal(await r3.set('auth:lib3', 'a'), 'OK', 'ioredis (RESP3, HELLO 3 AUTH) with a password: SET')
  t.equal(await r3.get('auth:lib3'), 'a')
  t.equal(await r2.set('auth:lib2', 'b'), 'OK', 'ioredis (RESP2, AUTH) with a password: SET')
  t.equal(await r2.get('auth:lib2'), 'b')
  await bad.connect().catch(() => {})
  t.ok(await eventually(() => badErrors.some(e => e.startsWith('WRONGPASS')), 2000), `ioredis with a wrong password reports WRONGPASS (${JSON.stringify(badErrors)})`)
  const nr = createClient({ url: `redis://:${PASS}@${HOST}:${env.proxy.port}` })
  nr.on('error', () => {})
  await nr.connect()
  t.teardown(async () => { await nr.close().catch(() => {}) })
  t.equal(await nr.set('auth:nr', 'c'), 'OK', 'node-redis with a password: SET')
  t.equal(await nr.get('auth:nr'), 'c')
  const cli = await run('redis-cli', ['-h', HOST, '-p', String(env.proxy.port), '-a', PASS, '--no-auth-warning', 'GET', 'auth:nr'])
  t.equal(cli.stdout.trim(), 'c', 'redis-cli -a <password> GET')
  const noauth = await run('redis-cli', ['-h', HOST, '-p', String(env.proxy.port), 'GET', 'auth:nr'])
  t.equal(noauth.stdout.trim(), 'NOAUTH Authentication required.', 'redis-cli without -a: NOAUTH')
})

t.test('users file: a read-only user (+@read) reads, and is refused writes with NOPERM as on a node', async t => {
  await env.direct.set('auth:r', 'rv')
  const c = await open(usersProxy.port)
  t.equal(await c.call('GET', 'auth:r'), NOAUTH, 'NOAUTH before AUTH (a users file requires login)')
  t.equal(await c.call('AUTH', PASS), WRONGPASS, 'no default user without requirepass')
  t.equal(await c.call('AUTH', 'reader', 'wrong'), WRONGPASS)
  t.equal(await c.call('AUTH', 'reader', 'reader-pw'), '+OK\r\n')
  t.equal(await c.call('GET', 'auth:r'), '$2\r\nrv\r\n', 'GET allowed')
  t.match(await c.call('MGET', 'auth:r', 'auth:k', 'x'), /^\*3\r\n\$2\r\nrv\r\n/, 'cross-slot MGET allowed')
  t.equal(await c.call('EXISTS', 'auth:r'), ':1\r\n')
  const refused = [['SET', 'auth:r', 'changed'], ['DEL', 'auth:r'], ['INCR', 'auth:n'], ['MSET', 'auth:r', 'x', 'auth:k', 'y'],
    ['FLUSHALL'], ['EVAL', 'return 1', '0'], ['PING'], ['MULTI']]
  const login = [['AUTH', 'reader', 'reader-pw']]
  const { proxy, redis } = await compare(usersProxy.port, [...login, ...refused])
  t.equal(redis.filter(r => r.startsWith('-NOPERM')).length, refused.length, 'reference: every one refused with NOPERM by redis-server')
  t.same(proxy, redis, `the ${refused.length} refusals are redis-server's texts`)
  t.equal(await env.direct.get('auth:r'), 'rv', 'the refused SET/DEL/MSET changed nothing')
  t.equal(await env.direct.exists('auth:n'), 0, 'the refused INCR created nothing')
})

t.test('users file: NOPERM for a subcommand names it as redis-server does (container|sub)', async t => {
  const { proxy, redis } = await compare(usersProxy.port, [['AUTH', 'reader', 'reader-pw'], ['CONFIG', 'GET', 'maxmemory'], ['CLIENT', 'SETNAME', 'x']])
  t.same(redis.slice(1), [
    '-NOPERM this user has no permissions to run the \'config|get\' command\r\n',
    '-NOPERM this user has no permissions to run the \'client|setname\' command\r\n'
  ], 'reference: redis-server 7.0.15')
  t.same(proxy, redis, 'slotgate: the same texts')
})

t.test('users file: a user limited to ~app:* is refused other keys', async t => {
  const c = await open(usersProxy.port)
  t.equal(await c.call('AUTH', 'app', 'app-pw'), '+OK\r\n')
  t.equal(await c.call('SET', 'app:1', 'a'), '+OK\r\n', 'SET app:1 allowed')
  t.equal(await c.call('GET', 'app:1'), '$1\r\na\r\n')
  const refused = [['SET', 'other', 'x'], ['GET', 'other'], ['MGET', 'app:1', 'other'], ['MSET', 'app:2', 'a', 'other', 'b'],
    ['DEL', 'app:1', 'other'], ['EVAL', 'return 1', '1', 'other'], ['LPUSH', 'other', 'x']]
  const { proxy, redis } = await compare(usersProxy.port, [['AUTH', 'app', 'app-pw'], ...refused])
  t.same(redis.slice(1), refused.map(() => '-NOPERM this user has no permissions to access one of the keys used as arguments\r\n'), 'reference: redis-server')
  t.same(proxy, redis, 'slotgate: the same NOPERM for each')
  t.equal(await env.direct.exists('other'), 0, 'no refused write reached the cluster')
  t.equal(await env.direct.exists('app:2'), 0, 'the refused MSET wrote none of its keys')
  t.equal(await env.direct.get('app:1'), 'a', 'app:1 kept (the refused DEL and RENAME did nothing)')
})

t.test('users file: a cross-slot command on a key the user may not touch gets NOPERM, as on a cluster node', async t => {
  // A cluster node checks ACLs before the slots of the keys (processCommand: ACL, then the
  // cluster redirection), so RENAME app:1 other is NOPERM there, not CROSSSLOT. Reference:
  // a node of this very cluster, given the same user.
  const master = env.masters[0]
  const admin = await open(master)
  t.equal(await admin.call('ACL', 'SETUSER', ...ACL_USERS[1]), '+OK\r\n')
  const requests = [['AUTH', 'app', 'app-pw'], ['RENAME', 'app:1', 'other'], ['SMOVE', 'app:1', 'other', 'm']]
  const node = await exchangeAll(master, requests)
  const proxy = await exchangeAll(usersProxy.port, requests)
  t.same(node.slice(1), ['-NOPERM this user has no permissions to access one of the keys used as arguments\r\n',
    '-NOPERM this user has no permissions to access one of the keys used as arguments\r\n'], 'reference: a cluster node')
  t.same(proxy, node, 'slotgate: NOPERM, not CROSSSLOT')
})

t.test('users file: a refused command inside MULTI aborts EXEC, as on a node', async t => {
  const requests = [['AUTH', 'nowrite', 'nowrite-pw'], ['MULTI'], ['GET', 'auth:r'], ['SET', 'auth:r', 'x'], ['EXEC'], ['GET', 'auth:r']]
  const proxy = await exchangeAll(usersProxy.port, requests)
  const ref = await exchangeAll(redis.port, requests)
  t.same(ref.slice(0, 5), ['+OK\r\n', '+OK\r\n', '+QUEUED\r\n', '-NOPERM this user has no permissions to run the \'set\' command\r\n',
    '-EXECABORT Transaction discarded because of previous errors.\r\n'], 'reference: redis-server')
  t.same(proxy.slice(0, 5), ref.slice(0, 5), 'slotgate: NOPERM at queue time, then EXECABORT')
  t.equal(await env.direct.get('auth:r'), 'rv', 'nothing written')
})

t.test('users file: RESET logs the user out; ioredis with username and password', async t => {
  const c = await open(usersProxy.port)
  t.equal(await c.call('AUTH', 'nowrite', 'nowrite-pw'), '+OK\r\n')
  t.equal(await c.call('GET', 'auth:r'), '$2\r\nrv\r\n')
  t.equal(await c.call('RESET'), '+RESET\r\n')
  t.equal(await c.call('GET', 'auth:r'), NOAUTH, 'NOAUTH after RESET')
  const io = new Redis({ host: HOST, port: usersProxy.port, username: 'app', password: 'app-pw', lazyConnect: true, maxRetriesPerRequest: 0 })
  io.on('error', () => {})
  t.teardown(() => { io.disconnect() })
  await io.connect()
  t.equal(await io.set('app:io', '1'), 'OK', 'ioredis as user app: SET app:io')
  t.match(await errorOf(io.set('other', '1')), /^NOPERM/, 'SET other: NOPERM')
})

// ---- Backend authentication. Changes the cluster for good, so it comes last. ----

/** Authenticated direct connections to every node. */
const nodes = new Map<number, Redis>()
function node (port: number): Redis {
  let c = nodes.get(port)
  if (c === undefined) {
    c = new Redis({ host: HOST, port, protocol: 2, password: 'backend-pw', maxRetriesPerRequest: 1 })
    c.on('error', () => {})
    nodes.set(port, c)
  }
  return c
}
t.teardown(() => { for (const c of nodes.values()) c.disconnect() })

/** Starts slotgate without waiting for it to be ready, its log lines captured. */
async function startUnready (overrides: Record<string, unknown>): Promise<{ proxy: Slotgate, log: string[] }> {
  const log: string[] = []
  const logger = createLogger({ logLevel: 'debug' }, { write: (s: string) => { log.push(s) } })
  const proxy = await startSlotgate({ ...schemaDefaults(), seeds: env.cluster.seeds(), port: 0, bind: HOST, metricsEnabled: false, ...overrides }, logger)
  t.teardown(async () => { await proxy.close() })
  return { proxy, log }
}

t.test('backend auth: a cluster with requirepass/masterauth works through slotgate with clusterPassword', async t => {
  // Set on the running nodes (the harness itself talks to nodes without a password): the
  // replicas' replication links stay up, new ones authenticate with masterauth.
  const ports = env.cluster.nodes.map(n => n.port)
  for (const port of ports) {
    const plain = new Redis({ host: HOST, port, protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0 })
    await plain.connect()
    await plain.config('SET', 'masterauth', 'backend-pw')
    await plain.config('SET', 'requirepass', 'backend-pw')
    plain.disconnect()
  }
  const probe = new Redis({ host: HOST, port: ports[0], protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0 })
  probe.on('error', () => {})
  await probe.connect().catch(() => {})
  t.match(await errorOf(probe.get('x')), /NOAUTH/, 'the nodes now require a password')
  probe.disconnect()

  const p = await startProxy(env.cluster.seeds(), { clusterPassword: 'backend-pw', readPolicy: 'prefer-replica' })
  t.teardown(async () => { await p.close() })
  const r2 = new Redis({ host: HOST, port: p.port, protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0 })
  const r3 = new Redis({ host: HOST, port: p.port, lazyConnect: true, maxRetriesPerRequest: 0 })
  const sub = new Redis({ host: HOST, port: p.port, protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0 })
  for (const c of [r2, r3, sub]) { c.on('error', () => {}); await c.connect() }
  t.teardown(() => { r2.disconnect(); r3.disconnect(); sub.disconnect() })

  const masters = env.masters
  const keys = masters.map(m => env.keyOn(m, 'bk:'))
  for (const [i, k] of keys.entries()) t.equal(await r2.set(k, `v${i}`), 'OK', `RESP2 SET ${k} (master ${masters[i]})`)
  t.same(await r3.mget(...keys), keys.map((_, i) => `v${i}`), 'RESP3 client (HELLO 3 AUTH on the links): cross-slot MGET')
  t.equal(await r3.dbsize() >= 3, true, 'DBSIZE (broadcast to every master)')
  t.same(await r2.multi().set(keys[0], 'tx').get(keys[0]).exec(), [[null, 'OK'], [null, 'tx']], 'MULTI/EXEC on a dedicated link')
  const blocked = r3.blpop('bk:list', 5)
  await new Promise(resolve => setTimeout(resolve, 200))
  await r2.rpush('bk:list', 'item')
  t.same(await blocked, ['bk:list', 'item'], 'BLPOP on a dedicated link')
  const got = new Promise<string>(resolve => sub.on('message', (_ch: string, m: string) => { resolve(m) }))
  await sub.subscribe('bk:ch')
  await r2.publish('bk:ch', 'hello')
  t.equal(await got, 'hello', 'SUBSCRIBE on a dedicated link')
  t.equal(await r3.eval('return ARGV[1]', 0, 'ev'), 'ev', 'EVAL on any master')

  // Reads went to the replicas (prefer-replica): replica links did AUTH + READONLY.
  for (const port of ports) await node(port).config('RESETSTAT')
  for (let i = 0; i < 5; i++) for (const k of keys.slice(1)) await r2.get(k)
  let onReplicas = 0
  for (const port of ports.filter(p => !masters.includes(p))) {
    const m = /cmdstat_get:calls=(\d+)/.exec(String(await node(port).info('commandstats')))
    onReplicas += m === null ? 0 : Number(m[1])
  }
  t.equal(onReplicas, 10, 'the 10 reads ran on authenticated READONLY replica links')
})

t.test('backend auth: clusterUsername + clusterPassword authenticate as that ACL user', async t => {
  const ports = env.cluster.nodes.map(n => n.port)
  for (const port of ports) await node(port).call('ACL', 'SETUSER', 'sg', 'on', '>sg-pw', '~*', '&*', '+@all')
  const p = await startProxy(env.cluster.seeds(), { clusterUsername: 'sg', clusterPassword: 'sg-pw' })
  t.teardown(async () => { await p.close() })
  const c = new Redis({ host: HOST, port: p.port, lazyConnect: true, maxRetriesPerRequest: 0 })
  c.on('error', () => {})
  await c.connect()
  t.teardown(() => { c.disconnect() })
  const keys = env.masters.map(m => env.keyOn(m, 'sg:'))
  for (const k of keys) t.equal(await c.set(k, 'x'), 'OK', `SET ${k}`)
  t.same(await c.mget(...keys), keys.map(() => 'x'))
  for (const m of env.masters) {
    const list = String(await node(m).client('LIST'))
    t.ok(/ user=sg /.test(list), `master ${m} has connections authenticated as user sg`)
  }
})

t.test('backend auth: without clusterPassword (or with a wrong one) slotgate fails, and says why', async t => {
  const none = await startUnready({ failoverDeadlineMs: 1000 })
  const wrong = await startUnready({ failoverDeadlineMs: 1000, clusterPassword: 'not-it' })
  for (const [label, { proxy, log }, reason] of [['no password', none, 'NOAUTH'], ['a wrong password', wrong, 'WRONGPASS']] as const) {
    const c = await open(proxy.port)
    const began = performance.now()
    const reply = await c.call('GET', 'bk:x')
    const ms = performance.now() - began
    t.comment(`${label}: GET answered ${JSON.stringify(reply)} after ${Math.round(ms)} ms`)
    t.match(reply, /^-/, `${label}: the client gets an error reply`)
    t.ok(ms < 5000, `${label}: within 5 s (${Math.round(ms)} ms)`)
    t.ok(await eventually(() => log.some(l => l.includes(reason)), 3000), `${label}: the log says ${reason}`)
  }
})
