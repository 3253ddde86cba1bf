// The events and metrics operators look for (issue 18), against a real 3-master/3-replica
// cluster, with slotgate's log captured line by line: the effective configuration and the
// first slot map at start; failed AUTH (rate limited per host, counted each time, no
// password); commands denied before AUTH, by the command policy and by a user's ACL rules
// (by name, never with arguments); a slow reader cut off at its output limit; requests in
// flight and dedicated/blocking connections against their limit; error replies per node; a
// frozen master (timeouts, link lost, link back); a killed master (link lost, reconnects
// refused, failover detected and resolved with its duration, the topology change), each seen
// both as a log event and as a metric.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { keySlot } from '../../src/cluster/key-slot.js'
import { schemaDefaults, type SlotgateConfig } from '../../src/config/schema.js'
import { createLogger } from '../../src/log.js'
import { startSlotgate } from '../../src/main.js'
import { LocalCluster } from '../harness/local-cluster.js'
import { eventually, scrape, type Scrape } from '../helpers/metrics-scrape.js'
import { cmd, RawConn } from '../helpers/raw-conn.js'

type Line = Record<string, any>
const HOST = '127.0.0.1'
const PASSWORD = 'sekret-client-pw'

const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000, extraConfig: ['cluster-require-full-coverage no'] })
t.teardown(async () => { await cluster.stop() })
const dir = mkdtempSync(join(tmpdir(), 'slotgate-observe-'))
t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
const usersFile = join(dir, 'users.json')
writeFileSync(usersFile, JSON.stringify([{ username: 'limited', password: 'limited-pw', commands: ['+@all', '-set'] }]))

const lines: Line[] = []
const logger = createLogger({ logLevel: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s) as Line) } })
const config: SlotgateConfig = {
  ...schemaDefaults(),
  seeds: cluster.seeds(),
  port: 0,
  bind: HOST,
  metricsEnabled: true,
  metricsPort: 0,
  requirepass: PASSWORD,
  usersFile,
  // A refresh a second: the failure flag of a killed master is seen while it has slots.
  topologyRefreshIntervalMs: 1000,
  commandTimeoutMs: 400,
  clientOutputLimitBytes: 256 * 1024,
  maxDedicatedLinks: 1
}
const proxy = await startSlotgate(config, logger)
t.teardown(async () => { await proxy.close() })
await proxy.ready
const httpPort = proxy.httpPort as number

const events = (name: string): Line[] => lines.filter(l => l.event === name)
const delta = (before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}): number => after.sum(name, labels) - before.sum(name, labels)

/** A raw connection, authenticated as `user` unless null. */
async function client (t: Tap, user: [string, string] | null = ['default', PASSWORD]): Promise<RawConn> {
  const c = await RawConn.open(proxy.port)
  t.teardown(() => { c.destroy() })
  if (user !== null) t.equal(await c.call('AUTH', ...user), '+OK\r\n', `AUTH as ${user[0]}`)
  return c
}
type Tap = Parameters<Parameters<typeof t.test>[0]>[0]

/** The first key `${prefix}N` whose slot the master at `address` serves. */
function keyOn (address: string, prefix: string): string {
  for (let i = 0; ; i++) if (proxy.topology.masterFor(keySlot(Buffer.from(`${prefix}${i}`))) === address) return `${prefix}${i}`
}

const masters = proxy.topology.masters().slice().sort()

t.test('at start: the effective configuration (redacted) and the first slot map', async t => {
  const [cfg, ...more] = events('config_effective')
  t.equal(more.length, 0, 'logged once')
  t.match(cfg, { level: 'info', config: { requirepass: '[Redacted]', usersFile, commandTimeoutMs: 400, maxDedicatedLinks: 1, seeds: cluster.seeds() } })
  t.equal(typeof cfg.version, 'string')
  const [first] = events('topology_changed')
  t.match(first, { trigger: 'startup', epochBefore: -1, mastersRemoved: [], slotsMoved: 16384, coveredSlots: 16384 })
  t.same(first.mastersAdded, masters, 'every master came in')
  t.same(first.moves.map((m: Line) => m.from), [null, null, null], 'from no master')
})

t.test('auth_failed: one line a second per host with the count held back; every failure counted; no password', async t => {
  const before = await scrape(httpPort)
  const c = await client(t, null)
  t.match(await c.call('AUTH', 'wrong-pw-1'), /^-WRONGPASS/)
  t.match(await c.call('AUTH', 'limited', 'nope-pw-2'), /^-WRONGPASS/)
  t.match(await c.call('HELLO', '3', 'AUTH', 'default', 'bad-pw-3'), /^-WRONGPASS/)
  await sleep(1100)
  t.match(await c.call('AUTH', 'nobody', 'x-pw-4'), /^-WRONGPASS/)
  const after = await scrape(httpPort)
  t.equal(delta(before, after, 'slotgate_auth_failures_total'), 4, 'each failure counted')
  const logged = events('auth_failed')
  t.same(logged.map(l => [l.user, l.suppressed, l.level]), [['default', 0, 'warn'], ['nobody', 2, 'warn']], 'the second line tells of the two held back')
  t.equal(logged[0].client, c.localAddress, 'the client\'s address')
  const text = JSON.stringify(lines)
  for (const pw of ['wrong-pw-1', 'nope-pw-2', 'bad-pw-3', 'x-pw-4', PASSWORD, 'limited-pw']) t.notOk(text.includes(pw), `${pw} never logged`)
})

t.test('command_denied: before AUTH, by the command policy, by a user\'s rules; by name only', async t => {
  const before = await scrape(httpPort)
  const anon = await client(t, null)
  t.match(await anon.call('GET', 'secret-arg-1'), /^-NOAUTH/)
  const admin = await client(t)
  t.match(await admin.call('DEBUG', 'SLEEP', 'secret-arg-2'), /^-ERR slotgate: 'DEBUG' is denied by the proxy's command policy/)
  const limited = await client(t, ['limited', 'limited-pw'])
  t.match(await limited.call('SET', 'secret-arg-3', 'v'), /^-NOPERM/)
  t.equal(await limited.call('EXISTS', 'obs:nothing'), ':0\r\n', 'what the user may run still runs')
  const after = await scrape(httpPort)
  t.equal(delta(before, after, 'slotgate_commands_denied_total', { command: 'get', reason: 'noauth' }), 1)
  t.equal(delta(before, after, 'slotgate_commands_denied_total', { command: 'debug', reason: 'policy' }), 1)
  t.equal(delta(before, after, 'slotgate_commands_denied_total', { command: 'set', reason: 'acl' }), 1)
  t.equal(delta(before, after, 'slotgate_commands_denied_total'), 3, 'nothing else')
  t.same(events('command_denied').map(l => [l.command, l.reason, l.client]), [
    ['get', 'noauth', anon.localAddress], ['debug', 'policy', admin.localAddress], ['set', 'acl', limited.localAddress]
  ])
  t.notOk(JSON.stringify(lines).includes('secret-arg'), 'no argument logged')
})

t.test('output_limit_disconnect: a client that stops reading is cut off, counted and logged', async t => {
  const admin = await client(t)
  t.equal(await admin.call('SET', 'obs:big', 'a'.repeat(1024 * 1024)), '+OK\r\n')
  const before = await scrape(httpPort)
  const slow = net.connect(proxy.port, HOST)
  t.teardown(() => { slow.destroy() })
  await new Promise(resolve => slow.once('connect', resolve))
  const slowAddress = `${slow.localAddress ?? ''}:${slow.localPort ?? 0}`
  slow.pause()
  let closed = false
  slow.on('close', () => { closed = true })
  slow.on('error', () => { closed = true })
  slow.write(cmd('AUTH', PASSWORD) + cmd('GET', 'obs:big').repeat(32))
  // Reading nothing, it cannot see its connection end either: the log says first.
  await eventually('slotgate to cut the slow reader off', 10_000, async () => events('output_limit_disconnect').length > 0)
  slow.resume()
  await eventually('the slow reader to see its connection end', 10_000, async () => closed)
  const after = await scrape(httpPort)
  t.equal(delta(before, after, 'slotgate_client_output_limit_disconnects_total', { class: 'normal' }), 1)
  t.equal(delta(before, after, 'slotgate_client_output_limit_disconnects_total', { class: 'pubsub' }), 0)
  const [line] = events('output_limit_disconnect')
  t.match(line, { level: 'warn', limit: 'normal', client: slowAddress })
  t.ok(line.backlogBytes > 256 * 1024, `backlog ${line.backlogBytes as number} bytes, over the limit`)
  t.equal(await admin.call('PING'), '+PONG\r\n', 'other clients are served')
})

t.test('capacity: requests in flight and pending, dedicated and blocking connections against their limit', async t => {
  const blocked = await client(t)
  const before = await scrape(httpPort)
  blocked.write(cmd('BLPOP', 'obs:list', '0'))
  let during = before
  await eventually('the BLPOP to hold a blocking connection', 5000, async () => (during = await scrape(httpPort)).sum('slotgate_blocking_connections', { state: 'active' }) === 1)
  t.equal(during.sum('slotgate_dedicated_connections'), 1)
  t.equal(during.sum('slotgate_dedicated_connections_limit'), 1)
  t.ok(during.sum('slotgate_backend_requests_in_flight') >= 1, `the BLPOP is in flight (${during.sum('slotgate_backend_requests_in_flight')})`)
  t.ok(during.sum('slotgate_client_requests_pending') >= 1, 'and unanswered for its client')
  const refusedClient = await client(t)
  t.match(await refusedClient.call('BLPOP', 'obs:other', '0'), /^-/, 'a second blocked client finds the limit reached')
  const refused = await scrape(httpPort)
  t.equal(delta(before, refused, 'slotgate_dedicated_connections_refused_total', { limit: 'total' }), 1)
  const admin = await client(t)
  t.equal(await admin.call('LPUSH', 'obs:list', 'v'), ':1\r\n')
  t.same(await blocked.read(1), ['*2\r\n$8\r\nobs:list\r\n$1\r\nv\r\n'])
  let after = refused
  await eventually('the connection back to idle and nothing pending', 5000, async () => {
    after = await scrape(httpPort)
    return after.sum('slotgate_blocking_connections', { state: 'active' }) === 0 && after.sum('slotgate_client_requests_pending') === 0
  })
  t.equal(after.sum('slotgate_blocking_connections', { state: 'idle' }), 1, 'kept for the next blocked client')
})

t.test('error replies are counted per node', async t => {
  const admin = await client(t)
  const key = keyOn(masters[1], 'obs:str')
  t.equal(await admin.call('SET', key, 'v'), '+OK\r\n')
  const before = await scrape(httpPort)
  t.match(await admin.call('LPUSH', key, 'x'), /^-WRONGTYPE/)
  const after = await scrape(httpPort)
  t.equal(delta(before, after, 'slotgate_backend_error_replies_total', { node: masters[1] }), 1)
  t.equal(delta(before, after, 'slotgate_backend_error_replies_total'), 1, 'on that node only')
})

t.test('a frozen master: its link times out (link_lost), and a new one comes up (link_reconnected)', async t => {
  const frozen = masters[2]
  const port = Number(frozen.split(':')[1])
  const admin = await client(t)
  const key = keyOn(frozen, 'obs:frozen')
  const before = await scrape(httpPort)
  await cluster.pause(port)
  t.teardown(async () => { await cluster.resume(port) })
  admin.write(cmd('GET', key))
  // A read the node did not answer in time is not sent again to a node that may be frozen.
  t.match((await admin.read(1, 5000))[0], /^-ERR slotgate: connection to .* lost after the command was sent \(no reply from the node within 400 ms\)/)
  await cluster.resume(port)
  t.equal(await admin.call('GET', key), '$-1\r\n', 'once the node is back, a new link serves it')
  const after = await scrape(httpPort)
  t.ok(delta(before, after, 'slotgate_backend_timeouts_total', { node: frozen }) >= 1, 'timeouts counted for that node')
  t.ok(delta(before, after, 'slotgate_backend_links_lost_total', { node: frozen }) >= 1, 'the lost link too')
  t.match(events('link_lost').find(l => l.node === frozen), { level: 'warn', reason: /no reply from the node within 400 ms/, retryInMs: 100 })
  t.match(events('link_reconnected').find(l => l.node === frozen), { level: 'info', failures: Number })
})

t.test('a killed master: link lost, reconnects refused, failover detected and resolved, the topology change', async t => {
  const victim = proxy.topology.masterFor(0) as string
  const port = Number(victim.split(':')[1])
  let slots = 0
  for (let s = 0; s < 16384; s++) if (proxy.topology.masterFor(s) === victim) slots++
  const admin = await client(t)
  const key = keyOn(victim, 'obs:victim')
  const before = await scrape(httpPort)
  const began = Date.now()
  await cluster.kill(port)
  // Commands for the victim's slots keep slotgate trying it until the failover.
  let stop = false
  const load = (async () => { while (!stop) { admin.write(cmd('GET', key)); await admin.read(1, 20_000); await sleep(50) } })()
  t.teardown(() => { stop = true })
  await eventually('failover_resolved for the victim', 30_000, async () => events('failover_resolved').some(l => l.master === victim))
  const newMaster = `${HOST}:${await cluster.waitForFailover(port)}`
  stop = true
  await load
  const took = Date.now() - began
  const detected = events('failover_detected').find(l => l.master === victim)
  const resolved = events('failover_resolved').find(l => l.master === victim) as Line
  t.match(detected, { level: 'warn', slots }, 'detected while the victim still had its slots')
  t.ok(lines.indexOf(detected as Line) < lines.indexOf(resolved), 'before the resolution')
  t.match(resolved, { level: 'info', newMaster, how: 'promoted' })
  t.ok(typeof resolved.durationMs === 'number' && resolved.durationMs > 0 && resolved.durationMs < took, `took ${resolved.durationMs as number} ms (${took} ms since the kill)`)
  // topology_changed lines come at most one a second: this one may follow the failover's.
  await eventually('the topology change', 5000, async () => events('topology_changed').some(l => l.mastersRemoved.includes(victim)))
  const change = events('topology_changed').find(l => l.mastersRemoved.includes(victim)) as Line
  t.same(change.mastersAdded, [newMaster])
  t.same(change.moves.map((m: Line) => [m.from, m.to, m.slots]), [[victim, newMaster, slots]])
  t.ok(change.epoch > change.epochBefore, `epoch ${change.epochBefore as number} -> ${change.epoch as number}`)
  t.match(events('link_lost').find(l => l.node === victim), { level: 'warn' })
  t.match(events('link_backoff').find(l => l.node === victim), { level: 'warn', reason: /ECONNREFUSED/, failures: Number })
  const after = await scrape(httpPort)
  t.ok(delta(before, after, 'slotgate_backend_links_lost_total', { node: victim }) >= 1, 'link lost counted')
  t.ok(delta(before, after, 'slotgate_backend_connect_failures_total', { node: victim }) >= 1, 'connect failures counted')
  t.equal(delta(before, after, 'slotgate_failovers_total'), 1)
})
