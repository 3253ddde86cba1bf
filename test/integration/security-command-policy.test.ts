// Command policy (issue 7, point 6): every command of the default deny list is answered with
// the error naming its rule and reaches no node (INFO commandstats of every node before and
// after); case, inline form, RESP3 and MULTI change nothing; a custom list (container names,
// "config set" with a space); and with `denyCommands: []` CONFIG SET and CONFIG RESETSTAT
// reach every node, masters and replicas (CONFIG GET on each node).
import t from 'tap'
import { Redis } from 'ioredis'
import { ReplyStrings } from '../../src/resp/reply-strings.js'
import { DEFAULT_DENIED_COMMANDS } from '../../src/config/schema.js'
import type { Slotgate } from '../../src/main.js'
import { HOST, startCoreEnv } from '../helpers/core-env.js'
import { cmd, RawConn } from '../helpers/raw-conn.js'
import { startProxy } from '../helpers/start-proxy.js'

const fileStart = Date.now()
const env = await startCoreEnv({ cluster: { masters: 3, replicasPerMaster: 1 } })
t.teardown(env.stop)
t.teardown(() => { t.comment(`file runtime ${Date.now() - fileStart} ms`) })
const ports = env.cluster.nodes.map(n => n.port)
const someId = env.cluster.nodeId(env.masters[1])

const nodes = new Map<number, Redis>()
function node (port: number): Redis {
  let c = nodes.get(port)
  if (c === undefined) {
    c = new Redis({ host: HOST, port, protocol: 2, maxRetriesPerRequest: 1 })
    c.on('error', () => {})
    nodes.set(port, c)
  }
  return c
}
t.teardown(() => { for (const c of nodes.values()) c.disconnect() })

const proxies: Slotgate[] = []
t.teardown(async () => { for (const p of proxies) await p.close() })

async function open (port: number): Promise<RawConn> {
  const c = await RawConn.open(port)
  t.teardown(() => { c.destroy() })
  return c
}

/** `cmdstat_*` calls + rejected calls of every command, per node. */
async function allStats (): Promise<Map<number, Map<string, number>>> {
  const out = new Map<number, Map<string, number>>()
  for (const port of ports) {
    const m = new Map<string, number>()
    for (const line of String(await node(port).info('commandstats')).split('\r\n')) {
      const r = /^cmdstat_([^:]+):calls=(\d+),.*rejected_calls=(\d+)/.exec(line)
      if (r !== null) m.set(r[1], Number(r[2]) + Number(r[3]))
    }
    out.set(port, m)
  }
  return out
}

const denied = (display: string, rule: string): string => `-${ReplyStrings.denied(display, rule)}\r\n`

/** Each default-denied command as a client would send it, with the name shown and the rule expected. */
const DEFAULT_CASES: Array<{ args: string[], display: string, rule: string }> = [
  { args: ['CONFIG', 'SET', 'maxmemory', '1mb'], display: 'config set', rule: 'config|set' },
  { args: ['CONFIG', 'REWRITE'], display: 'config rewrite', rule: 'config|rewrite' },
  { args: ['CONFIG', 'RESETSTAT'], display: 'config resetstat', rule: 'config|resetstat' },
  { args: ['DEBUG', 'SLEEP', '0'], display: 'debug', rule: 'debug' },
  { args: ['DEBUG', 'OBJECT', 'cp:k'], display: 'debug', rule: 'debug' },
  { args: ['SHUTDOWN'], display: 'shutdown', rule: 'shutdown' },
  { args: ['SHUTDOWN', 'NOSAVE'], display: 'shutdown', rule: 'shutdown' },
  { args: ['MONITOR'], display: 'monitor', rule: 'monitor' },
  { args: ['SAVE'], display: 'save', rule: 'save' },
  { args: ['BGSAVE'], display: 'bgsave', rule: 'bgsave' },
  { args: ['BGREWRITEAOF'], display: 'bgrewriteaof', rule: 'bgrewriteaof' },
  { args: ['REPLICAOF', 'NO', 'ONE'], display: 'replicaof', rule: 'replicaof' },
  { args: ['SLAVEOF', 'NO', 'ONE'], display: 'slaveof', rule: 'slaveof' },
  { args: ['FAILOVER'], display: 'failover', rule: 'failover' },
  { args: ['SYNC'], display: 'sync', rule: 'sync' },
  { args: ['PSYNC', '?', '-1'], display: 'psync', rule: 'psync' },
  { args: ['MOVE', 'cp:k', '1'], display: 'move', rule: 'move' },
  { args: ['SWAPDB', '0', '1'], display: 'swapdb', rule: 'swapdb' },
  { args: ['ACL', 'SETUSER', 'eve', 'on', '>x', '+@all'], display: 'acl setuser', rule: 'acl|setuser' },
  { args: ['ACL', 'DELUSER', 'default'], display: 'acl deluser', rule: 'acl|deluser' },
  { args: ['ACL', 'LOAD'], display: 'acl load', rule: 'acl|load' },
  { args: ['ACL', 'SAVE'], display: 'acl save', rule: 'acl|save' },
  { args: ['MODULE', 'LOAD', '/nonexistent.so'], display: 'module load', rule: 'module|load' },
  { args: ['MODULE', 'LOADEX', '/nonexistent.so'], display: 'module loadex', rule: 'module|loadex' },
  { args: ['MODULE', 'UNLOAD', 'x'], display: 'module unload', rule: 'module|unload' },
  { args: ['CLUSTER', 'ADDSLOTS', '1'], display: 'cluster addslots', rule: 'cluster|addslots' },
  { args: ['CLUSTER', 'ADDSLOTSRANGE', '1', '2'], display: 'cluster addslotsrange', rule: 'cluster|addslotsrange' },
  { args: ['CLUSTER', 'DELSLOTS', '1'], display: 'cluster delslots', rule: 'cluster|delslots' },
  { args: ['CLUSTER', 'DELSLOTSRANGE', '1', '2'], display: 'cluster delslotsrange', rule: 'cluster|delslotsrange' },
  { args: ['CLUSTER', 'FAILOVER', 'TAKEOVER'], display: 'cluster failover', rule: 'cluster|failover' },
  { args: ['CLUSTER', 'FLUSHSLOTS'], display: 'cluster flushslots', rule: 'cluster|flushslots' },
  { args: ['CLUSTER', 'FORGET', someId], display: 'cluster forget', rule: 'cluster|forget' },
  { args: ['CLUSTER', 'MEET', '127.0.0.1', '1'], display: 'cluster meet', rule: 'cluster|meet' },
  { args: ['CLUSTER', 'REPLICATE', someId], display: 'cluster replicate', rule: 'cluster|replicate' },
  { args: ['CLUSTER', 'RESET', 'HARD'], display: 'cluster reset', rule: 'cluster|reset' },
  { args: ['CLUSTER', 'SAVECONFIG'], display: 'cluster saveconfig', rule: 'cluster|saveconfig' },
  { args: ['CLUSTER', 'SET-CONFIG-EPOCH', '99'], display: 'cluster set-config-epoch', rule: 'cluster|set-config-epoch' },
  { args: ['CLUSTER', 'SETSLOT', '1', 'STABLE'], display: 'cluster setslot', rule: 'cluster|setslot' },
  { args: ['CLUSTER', 'BUMPEPOCH'], display: 'cluster bumpepoch', rule: 'cluster|bumpepoch' },
  { args: ['CLIENT', 'PAUSE', '5000'], display: 'client pause', rule: 'client|pause' },
  { args: ['CLIENT', 'UNPAUSE'], display: 'client unpause', rule: 'client|unpause' }
]

t.test('the default deny list: each command answered with the error naming its rule, none reaches a node', async t => {
  t.same([...new Set(DEFAULT_CASES.map(c => c.rule))].sort(), [...DEFAULT_DENIED_COMMANDS].sort(), 'the cases cover every rule of the default list')
  await env.direct.set('cp:k', 'kept')
  const before = await allStats()
  const c = await open(env.proxy.port)
  c.write(DEFAULT_CASES.map(x => cmd(...x.args)).join(''))
  const replies = await c.read(DEFAULT_CASES.length)
  for (const [i, x] of DEFAULT_CASES.entries()) {
    t.equal(replies[i], denied(x.display, x.rule), `${x.args.join(' ')} → denied by rule '${x.rule}'`)
  }
  t.equal(await c.call('PING'), '+PONG\r\n', 'the connection stays usable')
  const after = await allStats()
  const reached: string[] = []
  const names = new Set(DEFAULT_CASES.map(x => x.rule))
  for (const port of ports) {
    for (const [name, n] of after.get(port) as Map<string, number>) {
      const top = name.split('|')[0]
      if ((names.has(name) || names.has(top)) && n !== (before.get(port) as Map<string, number>).get(name)) reached.push(`${port} ${name}`)
    }
  }
  t.same(reached, [], 'no node executed or rejected any of them (INFO commandstats unchanged)')
  for (const port of ports) t.equal(await node(port).ping(), 'PONG', `node ${port} alive (no SHUTDOWN got through)`)
  for (const port of ports) t.match(String(await node(port).cluster('INFO')), /cluster_state:ok/, `node ${port}: cluster_state:ok`)
  t.equal(await env.direct.get('cp:k'), 'kept', 'MOVE did nothing')
  t.equal(String((await node(env.masters[0]).config('GET', 'maxmemory'))[1]), '0', 'maxmemory unchanged')
  const began = performance.now()
  t.equal(await c.call('GET', 'cp:k'), '$4\r\nkept\r\n')
  t.ok(performance.now() - began < 1000, 'CLIENT PAUSE did not pause anything')
})

t.test('the deny list ignores case and applies to the inline form, RESP3 sessions and MULTI', async t => {
  const c = await open(env.proxy.port)
  t.equal(await c.call('config', 'Set', 'maxmemory', '1mb'), denied('config set', 'config|set'), 'lower/mixed case')
  c.write('CONFIG SET maxmemory 1mb\r\n')
  t.same(await c.read(1), [denied('config set', 'config|set')], 'inline form')
  c.write('shutdown nosave\r\n')
  t.same(await c.read(1), [denied('shutdown', 'shutdown')], 'inline, lower case')
  const r3 = await open(env.proxy.port)
  t.match(await r3.call('HELLO', '3'), /^%/)
  t.equal(await r3.call('DEBUG', 'SLEEP', '0'), denied('debug', 'debug'), 'RESP3 session: the same error')
  const m = await open(env.proxy.port)
  m.write(cmd('MULTI') + cmd('SET', 'cp:m', '1') + cmd('CONFIG', 'SET', 'maxmemory', '1mb') + cmd('EXEC'))
  t.same(await m.read(4), ['+OK\r\n', '+QUEUED\r\n', denied('config set', 'config|set'), '-EXECABORT Transaction discarded because of previous errors.\r\n'],
    'inside MULTI: the denial at queue time, then EXECABORT')
  t.equal(await env.direct.exists('cp:m'), 0, 'the aborted transaction wrote nothing')
  t.equal(String((await node(env.masters[0]).config('GET', 'maxmemory'))[1]), '0', 'maxmemory unchanged')
  // Introspection stays allowed.
  t.match(await c.call('CONFIG', 'GET', 'maxmemory'), /^\*2\r\n\$9\r\nmaxmemory\r\n\$1\r\n0\r\n$/, 'CONFIG GET is allowed')
})

t.test('a custom deny list: plain names, a container name, "sub command" with a space', async t => {
  const p = await startProxy(env.cluster.seeds(), { denyCommands: ['flushall', 'keys', 'cluster', 'script flush'] })
  proxies.push(p)
  const c = await open(p.port)
  t.equal(await c.call('FLUSHALL'), denied('flushall', 'flushall'))
  t.equal(await c.call('KEYS', '*'), denied('keys', 'keys'))
  t.equal(await c.call('CLUSTER', 'INFO'), denied('cluster info', 'cluster'), 'CLUSTER INFO denied by the container rule')
  t.equal(await c.call('CLUSTER', 'KEYSLOT', 'foo'), denied('cluster keyslot', 'cluster'), 'CLUSTER KEYSLOT too')
  t.equal(await c.call('SCRIPT', 'FLUSH'), denied('script flush', 'script|flush'), '"script flush" written with a space')
  t.match(await c.call('SCRIPT', 'LOAD', 'return 1'), /^\$40\r\n/, 'SCRIPT LOAD (another subcommand) allowed')
  t.match(await c.call('DBSIZE'), /^:\d+\r\n$/, 'commands off the list allowed')
  t.equal(await env.direct.get('cp:k'), 'kept', 'FLUSHALL did nothing')
})

t.test('denyCommands []: CONFIG SET and CONFIG RESETSTAT reach every node, masters and replicas', async t => {
  const p = await startProxy(env.cluster.seeds(), { denyCommands: [] })
  proxies.push(p)
  const c = await open(p.port)
  t.equal(await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '12345'), '+OK\r\n', 'CONFIG SET answered +OK')
  for (const port of ports) {
    const role = env.masters.includes(port) ? 'master' : 'replica'
    t.same(await node(port).config('GET', 'slowlog-log-slower-than'), ['slowlog-log-slower-than', '12345'], `${role} ${port}: CONFIG GET shows 12345`)
  }
  t.match(await c.call('CONFIG', 'SET', 'maxmemory-policy', 'no-such-policy'), /^-ERR /, 'an invalid CONFIG SET is an error')
  for (const port of ports) t.equal(String((await node(port).config('GET', 'maxmemory-policy'))[1]), 'noeviction', `node ${port}: maxmemory-policy unchanged`)

  for (const port of ports) await node(port).get('cp:probe').catch(() => null)
  const before = await allStats()
  t.ok(ports.every(port => (before.get(port) as Map<string, number>).has('get')), 'every node has a cmdstat_get before')
  t.equal(await c.call('CONFIG', 'RESETSTAT'), '+OK\r\n', 'CONFIG RESETSTAT answered +OK')
  const after = await allStats()
  t.same(ports.filter(port => (after.get(port) as Map<string, number>).has('get')), [], 'every node\'s stats were reset (no cmdstat_get left)')
  t.equal(await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000'), '+OK\r\n', 'back to the default')
  t.same(await node(ports[ports.length - 1]).config('GET', 'slowlog-log-slower-than'), ['slowlog-log-slower-than', '10000'])
})
