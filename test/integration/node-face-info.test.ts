// INFO, ROLE, SLOWLOG, LATENCY, MEMORY and ACL as one node answers them, on a real 3-master
// cluster: what lives on the masters is merged over them (checked against each master's own
// answer, asked directly), what concerns clients is slotgate's own.
import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import t from 'tap'
import { HOST, startCoreEnv } from '../helpers/core-env.js'
import { startProxy } from '../helpers/start-proxy.js'

const env = await startCoreEnv()
t.teardown(env.stop)

/** A plain client straight at one master. */
function nodeClient (port: number): Redis {
  const r = new Redis({ host: HOST, port, maxRetriesPerRequest: 0 })
  r.on('error', () => { /* reported by the commands */ })
  t.teardown(() => { r.disconnect() })
  return r
}
const masters = env.masters.map(nodeClient)
const field = (info: string, name: string): string | undefined => new RegExp(`\\r\\n${name}:([^\\r]*)\\r\\n`).exec(`\r\n${info}`)?.[1]
const titles = (info: string): string[] => [...info.matchAll(/^# (\w+)\r$/gm)].map(m => m[1])

t.test('INFO: the sections of a Redis 7 node, by its argument rules', async t => {
  const c = await env.legacyClient()
  const defaults = ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Errorstats', 'Cluster', 'Keyspace']
  t.same(titles(await c.info()), defaults, 'no argument: the default sections')
  t.same(titles(await c.call('INFO', 'default') as string), defaults)
  const all = await c.call('INFO', 'all') as string
  t.same(titles(all), ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Commandstats',
    'Errorstats', 'Latencystats', 'Cluster', 'Keyspace'], 'all: commandstats and latencystats too')
  t.same(titles(await c.call('INFO', 'everything') as string), titles(all))
  t.same(titles(await c.call('INFO', 'commandSTATS') as string), ['Commandstats'], 'names in any case')
  t.same(titles(await c.call('INFO', 'keyspace', 'cpu', 'CPU') as string), ['CPU', 'Keyspace'], 'each once, in the node\'s order')
  t.equal(await c.call('INFO', 'sentinel'), '', 'an unknown section: nothing')
  t.equal(field(all, 'redis_version'), '7.0.15')
  t.equal(field(all, 'cluster_enabled'), '1')
  t.equal(field(all, 'redis_mode'), 'cluster')
  t.match(field(all, 'mem_allocator') ?? '', /^jemalloc/, 'text fields pass through')
  t.equal(field(all, 'role'), 'master')
})

t.test('INFO merges the masters\' sections: sums, recomputed human sizes, the keyspace', async t => {
  const c = await env.legacyClient()
  for (const port of env.masters) await c.set(env.keyOn(port, 'info:'), 'x'.repeat(100))
  const [merged, ...own] = await Promise.all([c.call('INFO', 'persistence', 'memory', 'keyspace', 'replication') as Promise<string>,
    ...masters.map(async m => await m.info('all'))])
  const sum = (name: string): number => own.reduce((a, i) => a + Number(field(i, name)), 0)
  t.equal(Number(field(merged, 'rdb_changes_since_last_save')), sum('rdb_changes_since_last_save'), 'changes summed')
  t.ok(Number(field(merged, 'used_memory')) > Math.max(...own.map(i => Number(field(i, 'used_memory')))), 'used_memory is more than one master\'s')
  t.match(field(merged, 'used_memory_human') ?? '', /^\d+\.\d\dM$/, 'human form recomputed')
  t.equal(field(merged, 'total_system_memory'), field(own[0], 'total_system_memory'), 'the host is not counted thrice')
  const perMaster = own.map(i => Number(/db0:keys=(\d+)/.exec(i)?.[1] ?? 0))
  t.equal(Number(/db0:keys=(\d+)/.exec(merged)?.[1]), perMaster.reduce((a, b) => a + b, 0), 'keyspace summed')
  t.equal(Number(field(merged, 'master_repl_offset')), sum('master_repl_offset'), 'replication offsets summed')
  t.equal(field(merged, 'slave0'), undefined, 'the masters\' replicas are not slotgate\'s')
})

t.test('INFO stats, commandstats, errorstats count slotgate\'s own clients', async t => {
  const c = await env.legacyClient()
  const before = Number(field(await c.info('stats'), 'total_commands_processed'))
  for (let i = 0; i < 20; i++) await c.set(`{stats}${i}`, i)
  await c.call('INCR', '{stats}s').catch(() => null)
  await c.call('SINTERSTORE', '{a}d', '{b}s').catch(() => null) // CROSSSLOT: rejected, as a cluster node rejects it
  await c.call('HSET', '{stats}0', 'f', 'v').catch(() => null) // WRONGTYPE: failed
  const stats = await c.info('stats')
  t.equal(Number(field(stats, 'total_commands_processed')), before + 1 + 20 + 1 + 1, 'INFO + 20 SET + INCR + HSET; the rejected one not')
  t.ok(Number(field(stats, 'total_net_input_bytes')) > 0)
  const cmd = await c.info('commandstats')
  t.match(field(cmd, 'cmdstat_set') ?? '', /^calls=\d+,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$/)
  t.match(field(cmd, 'cmdstat_sinterstore') ?? '', /^calls=0,usec=0,usec_per_call=0\.00,rejected_calls=1,failed_calls=0$/)
  t.match(field(cmd, 'cmdstat_hset') ?? '', /rejected_calls=0,failed_calls=1$/)
  const errors = await c.info('errorstats')
  t.match(field(errors, 'errorstat_WRONGTYPE') ?? '', /^count=\d+$/)
  t.match(field(errors, 'errorstat_CROSSSLOT') ?? '', /^count=\d+$/)
  t.match(await c.info('latencystats'), /\r\nlatency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r\n/)

  // Rates are sampled every 100 ms over 1.6 s, as Redis does.
  const end = Date.now() + 700
  while (Date.now() < end) await Promise.all(Array.from({ length: 50 }, async (_, i) => await c.get(`{stats}${i % 20}`)))
  t.ok(Number(field(await c.info('stats'), 'instantaneous_ops_per_sec')) > 0, 'instantaneous_ops_per_sec under load')
})

t.test('CONFIG RESETSTAT, where allowed, resets slotgate\'s counters with the nodes\'', async t => {
  const proxy = await startProxy(env.cluster.seeds(), { denyCommands: [] })
  t.teardown(async () => { await proxy.close() })
  const c = new Redis({ host: HOST, port: proxy.port, maxRetriesPerRequest: 0 })
  c.on('error', () => {})
  t.teardown(() => { c.disconnect() })
  await c.call('HSET', '{reset}h', 'f', 'v')
  await c.call('INCR', '{reset}h').catch(() => null)
  t.match(await c.info('errorstats'), /errorstat_WRONGTYPE:count=1/)
  t.equal(await c.call('CONFIG', 'RESETSTAT'), 'OK')
  t.equal(field(await c.info('commandstats'), 'cmdstat_hset'), undefined, 'commandstats emptied')
  t.notMatch(await c.info('errorstats'), /errorstat_WRONGTYPE/, 'errorstats emptied')
  const nodeStats = await masters[0].info('stats')
  t.ok(Number(field(nodeStats, 'total_commands_processed')) < 50, 'the nodes\' counters too')
})

t.test('INFO clients: slotgate\'s clients, blocked ones counted', async t => {
  const c = await env.legacyClient()
  const blocked = await env.legacyClient()
  const before = Number(field(await c.info('clients'), 'connected_clients'))
  const pop = blocked.blpop('{info}empty', 0)
  let count = '0'
  for (let i = 0; i < 50 && count !== '1'; i++) {
    count = field(await c.info('clients'), 'blocked_clients') ?? ''
    if (count !== '1') await new Promise(resolve => setTimeout(resolve, 20))
  }
  t.equal(count, '1', 'blocked_clients: the client waiting in BLPOP')
  t.equal(field(await c.info('clients'), 'clients_in_timeout_table'), '0', 'BLPOP 0 has no timeout')
  t.ok(Number(field(await c.info('clients'), 'connected_clients')) >= before)
  await c.rpush('{info}empty', 'x')
  t.same(await pop, ['{info}empty', 'x'])
  t.equal(field(await c.info('clients'), 'blocked_clients'), '0')
})

t.test('ROLE: one master whose offset grows with writes anywhere', async t => {
  const c = await env.legacyClient()
  const [role, offset, replicas] = await c.call('ROLE') as [string, number, unknown[]]
  t.equal(role, 'master')
  t.same(replicas, [])
  for (const port of env.masters) await c.set(env.keyOn(port, 'role:'), 'v')
  const [, after] = await c.call('ROLE') as [string, number]
  t.ok(after > offset, `${after} > ${offset}`)
})

t.test('SLOWLOG GET: every master\'s entries, newest first, cut to the count', async t => {
  const c = await env.legacyClient()
  for (const m of masters) { await m.config('SET', 'slowlog-log-slower-than', '0'); await m.slowlog('RESET') }
  t.teardown(async () => { for (const m of masters) await m.config('SET', 'slowlog-log-slower-than', '10000') })
  const keys = env.masters.map(port => env.keyOn(port, 'slow:'))
  for (const k of keys) {
    await c.set(k, '1')
    await new Promise(resolve => setTimeout(resolve, 1100)) // one second apart: an order by time
  }
  // Everything is logged now (replication ACKs, slotgate's own INFO ...): look at our SETs.
  const all = await c.call('SLOWLOG', 'GET', '-1') as Array<[number, number, number, string[]]>
  const sets = all.filter(e => e[3][0] === 'set' && keys.includes(e[3][1]))
  t.same(sets.map(e => e[3][1]), [...keys].reverse(), 'the three SETs of three masters, newest first')
  t.ok(all.every((e, i) => i === 0 || all[i - 1][1] >= e[1]), 'the whole list by time, newest first')
  const three = await c.call('SLOWLOG', 'GET', '3') as Array<[number, number]>
  t.equal(three.length, 3, 'cut to the count')
  // More is logged meanwhile (slotgate's own traffic): the three are at least as new as before.
  t.ok(three.every((e, i) => e[1] >= all[2][1] && (i === 0 || three[i - 1][1] >= e[1])), 'the newest three, newest first')
  t.ok(Number(await c.call('SLOWLOG', 'LEN')) >= all.length - 10)
})

t.test('LATENCY LATEST/HISTORY/DOCTOR merged from the masters', async t => {
  const c = await env.legacyClient()
  for (const m of masters) await m.config('SET', 'latency-monitor-threshold', '1')
  t.teardown(async () => { for (const m of masters) { await m.config('SET', 'latency-monitor-threshold', '0'); await m.call('LATENCY', 'RESET') } })
  // Spikes on two masters, made straight on them: a script that spins for the given ms.
  const spin = 'local s = redis.call("TIME") local t0 = s[1] * 1e6 + s[2] ' +
    'while true do local n = redis.call("TIME") if n[1] * 1e6 + n[2] - t0 > tonumber(ARGV[1]) * 1000 then break end end'
  await masters[0].eval(spin, 0, '20')
  await masters[1].eval(spin, 0, '60')
  const latest = await c.call('LATENCY', 'LATEST') as Array<[string, number, number, number]>
  const command = latest.find(r => r[0] === 'command')
  t.ok(command !== undefined, 'one row for the event')
  t.equal(latest.filter(r => r[0] === 'command').length, 1, 'not one per master')
  t.ok((command?.[3] ?? 0) >= 60, 'the largest maximum of the masters')
  const history = await c.call('LATENCY', 'HISTORY', 'command') as Array<[number, number]>
  t.ok(history.length >= 1 && history.some(([, ms]) => ms >= 60), 'samples of both masters')
  t.match(await c.call('LATENCY', 'DOCTOR') as string, /command/, 'a report naming the event')
})

t.test('MEMORY STATS sums the masters; MEMORY DOCTOR answers once', async t => {
  const c = await env.legacyClient()
  const stats = await c.call('MEMORY', 'STATS') as unknown[]
  const map = new Map<string, unknown>()
  for (let i = 0; i < stats.length; i += 2) map.set(String(stats[i]), stats[i + 1])
  t.equal(map.get('keys.count'), await c.dbsize(), 'keys.count is the whole keyspace')
  t.ok(typeof map.get('total.allocated') === 'number')
  t.match(String(map.get('peak.percentage')), /^\d+(\.\d+)?$/, 'a ratio, recomputed')
  t.match(await c.call('MEMORY', 'DOCTOR') as string, /^Hi Sam/)
})

t.test('ACL about slotgate\'s own users (users file), and AUTH as a cluster user without one', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'slotgate-acl-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const usersFile = join(dir, 'users.json')
  await writeFile(usersFile, JSON.stringify([{ username: 'app', password: 'app-pw', commands: ['+@read', '+@connection', '+acl|whoami'], keys: ['~app:*'] }]))
  const proxy = await startProxy(env.cluster.seeds(), { usersFile })
  t.teardown(async () => { await proxy.close() })
  const app = new Redis({ host: HOST, port: proxy.port, username: 'app', password: 'app-pw', maxRetriesPerRequest: 0 })
  app.on('error', () => {})
  t.teardown(() => { app.disconnect() })
  t.equal(await app.call('ACL', 'WHOAMI'), 'app')
  const sha = createHash('sha256').update('app-pw').digest('hex')
  t.match(await app.call('ACL', 'LIST').catch((e: Error) => e.message) as string, /^NOPERM/, 'the user\'s own rules apply to ACL')

  const open = await startProxy(env.cluster.seeds(), { usersFile, requirepass: 'root-pw' })
  t.teardown(async () => { await open.close() })
  const root = new Redis({ host: HOST, port: open.port, password: 'root-pw', maxRetriesPerRequest: 0 })
  root.on('error', () => {})
  t.teardown(() => { root.disconnect() })
  t.same(await root.call('ACL', 'USERS'), ['default', 'app'])
  const rootSha = createHash('sha256').update('root-pw').digest('hex')
  t.same(await root.call('ACL', 'LIST'), [`user default on #${rootSha} ~* &* +@all`, `user app on #${sha} ~app:* &* -@all +@read +@connection +acl|whoami`])
  t.same(await root.call('ACL', 'GETUSER', 'app'), ['flags', ['on'], 'passwords', [sha], 'commands', '-@all +@read +@connection +acl|whoami',
    'keys', '~app:*', 'channels', '&*', 'selectors', []])
  t.equal(await root.call('ACL', 'GETUSER', 'nobody'), null)
  t.equal(await root.call('ACL', 'WHOAMI'), 'default')

  // Without users of its own, AUTH takes on a cluster ACL user, whose rules slotgate enforces.
  const direct = env.cluster.seeds().map(a => nodeClient(Number(a.split(':')[1])))
  for (const n of direct) await n.call('ACL', 'SETUSER', 'reader', 'on', '>r-pw', '+@read', '+@connection', '+acl|whoami', '~pub:*')
  t.teardown(async () => { for (const n of direct) await n.call('ACL', 'DELUSER', 'reader') })
  const c = await env.legacyClient()
  t.equal(await c.call('AUTH', 'reader', 'wrong').catch((e: Error) => e.message), 'WRONGPASS invalid username-password pair or user is disabled.')
  t.equal(await c.call('AUTH', 'reader', 'r-pw'), 'OK')
  t.equal(await c.call('ACL', 'WHOAMI'), 'reader')
  t.equal(await c.get('pub:1'), null, 'a read on its keys')
  t.match(await c.set('pub:1', 'x').catch((e: Error) => e.message) as string, /^NOPERM .*'set'/, 'no write')
  t.match(await c.get('secret').catch((e: Error) => e.message) as string, /^NOPERM .*keys/, 'no other keys')
  t.equal(await c.call('AUTH', 'default', 'anything'), 'OK', 'back to the default user')
  t.equal(await c.call('ACL', 'WHOAMI'), 'default')
})

t.test('COMMAND GETKEYS answers for any command, as the node extracts keys', async t => {
  const c = await env.legacyClient()
  t.same(await c.call('COMMAND', 'GETKEYS', 'MSET', 'a', '1', 'b', '2'), ['a', 'b'])
  t.same(await c.call('COMMAND', 'GETKEYS', 'EVAL', 'return 1', '2', 'k1', 'k2', 'arg'), ['k1', 'k2'])
  t.same(await c.call('COMMAND', 'GETKEYS', 'LMPOP', '2', 'l1', 'l2', 'LEFT'), ['l1', 'l2'])
  t.match(await c.call('COMMAND', 'GETKEYS', 'PING', 'x').catch((e: Error) => e.message) as string, /^ERR The command has no key arguments/)
  t.equal(await c.call('COMMAND', 'GETKEYS', 'GET').catch((e: Error) => e.message), 'ERR wrong number of arguments for \'command|getkeys\' command', 'as a node')
})
