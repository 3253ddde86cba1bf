// The event log's pure parts: the rate limiter (one line per key per interval, the count held
// back told on the next line, a bounded key table), the event lines' stable fields, the
// redaction of the effective configuration, and the topology events (a held-back change is
// logged later, diffed against the last line, never lost).
import t from 'tap'
import { Topology } from '../../src/cluster/topology.js'
import type { ClusterNodeInfo } from '../../src/cluster/cluster-view.js'
import { createLogger } from '../../src/log.js'
import { loadConfig } from '../../src/config/load-config.js'
import { EventLog } from '../../src/server/event-log.js'
import { TopologyEvents } from '../../src/server/topology-events.js'
import { RateLimiter } from '../../src/util/rate-limiter.js'

type Line = Record<string, any>

/** A logger whose lines are kept, parsed. */
function capture (): { logger: ReturnType<typeof createLogger>, lines: Line[] } {
  const lines: Line[] = []
  return { lines, logger: createLogger({ logLevel: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s) as Line) } }) }
}

t.test('rate limiter: one per key per interval, the held-back count on the next', async t => {
  const r = new RateLimiter(1000)
  t.equal(r.admit('a', 0), 0, 'first admitted')
  t.equal(r.admit('a', 10), null)
  t.equal(r.admit('a', 999), null)
  t.equal(r.admit('b', 500), 0, 'another key has its own window')
  t.equal(r.admit('a', 1000), 2, 'next admitted line says 2 were held back')
  t.equal(r.admit('a', 1500), null)
  t.equal(r.admit('a', 2600), 1)
  t.equal(r.admit('a', 4000), 0)
})

t.test('rate limiter: a bounded key table; quiet keys forgotten, then an overflow key', async t => {
  const r = new RateLimiter(1000, 3)
  for (const k of ['a', 'b', 'c']) t.equal(r.admit(k, 0), 0)
  t.equal(r.admit('a', 1), null, 'a holds one back')
  t.equal(r.admit('d', 10), 0, 'table full of fresh windows: d goes to the overflow key')
  t.equal(r.admit('e', 20), null, 'e too, within the overflow window')
  t.equal(r.size, 4, 'the overflow key is the one past the cap')
  t.equal(r.admit('f', 2000), 0, 'b and c are quiet and old: forgotten, so f gets a window of its own')
  t.equal(r.size, 3, 'a (holding one back), the overflow key (holding e), f')
  t.equal(r.admit('g', 2001), 1, 'full again: g goes to the overflow window, whose line tells of e')
})

t.test('link events: rate limited per node, with suppressed counts', async t => {
  const { logger, lines } = capture()
  let now = 0
  const log = new EventLog(logger, 1000, () => now)
  log.linkLost('10.0.0.1:7000', 'connection closed by node', 5000.4, 100)
  log.linkLost('10.0.0.1:7000', 'connection closed by node', 1, 100)
  log.linkBackoff('10.0.0.1:7000', 'connect ECONNREFUSED', 1, 200)
  log.linkBackoff('10.0.0.1:7000', 'connect ECONNREFUSED', 2, 400)
  log.linkBackoff('10.0.0.2:7000', 'connect ECONNREFUSED', 1, 100)
  now = 1200
  log.linkBackoff('10.0.0.1:7000', 'connect ECONNREFUSED', 3, 800)
  log.linkReconnected('10.0.0.1:7000', 3, 1500.6)
  t.same(lines.map(l => [l.event, l.node, l.suppressed]), [
    ['link_lost', '10.0.0.1:7000', 0],
    ['link_backoff', '10.0.0.1:7000', 0],
    ['link_backoff', '10.0.0.2:7000', 0],
    ['link_backoff', '10.0.0.1:7000', 1],
    ['link_reconnected', '10.0.0.1:7000', 0]
  ])
  t.match(lines[0], { level: 'warn', reason: 'connection closed by node', upForMs: 5000, retryInMs: 100, msg: 'link to node lost' })
  t.match(lines[3], { failures: 3, retryInMs: 800 })
  t.match(lines[4], { level: 'info', failures: 3, downForMs: 1501 })
})

t.test('client events: user escaped and cut, no password field; denied by name and reason; output limit', async t => {
  const { logger, lines } = capture()
  let now = 0
  const log = new EventLog(logger, 1000, () => now)
  log.authFailed('admin', '10.1.2.3:5000')
  log.authFailed('admin', '10.1.2.3:5001')
  log.authFailed('x\n'.repeat(40), '10.9.9.9:1')
  now = 1000
  log.authFailed('root', '10.1.2.3:5002')
  log.commandDenied('flushall', 'acl', '10.1.2.3:5000')
  log.commandDenied('flushall', 'acl', '10.1.2.3:5000')
  log.commandDenied('debug', 'policy', '10.1.2.3:5000')
  log.outputLimitDisconnect('normal', '10.1.2.3:5000', 1234567)
  t.same(lines.map(l => l.event), ['auth_failed', 'auth_failed', 'auth_failed', 'command_denied', 'command_denied', 'output_limit_disconnect'])
  t.match(lines[0], { level: 'warn', user: 'admin', client: '10.1.2.3:5000', suppressed: 0 })
  t.equal(lines[1].user, 'x\\x0a'.repeat(32) + '...', 'control characters escaped, 64 characters kept')
  t.match(lines[2], { user: 'root', client: '10.1.2.3:5002', suppressed: 1 }, 'the same host: one line a second')
  t.match(lines[3], { command: 'flushall', reason: 'acl' })
  t.match(lines[4], { command: 'debug', reason: 'policy' })
  t.match(lines[5], { limit: 'normal', backlogBytes: 1234567 })
  for (const l of lines) t.notOk('password' in l || 'args' in l, `${l.event as string}: no password nor arguments`)
})

t.test('config_effective: the whole configuration, secrets redacted', async t => {
  const { logger, lines } = capture()
  const { config } = loadConfig(['--seeds', '127.0.0.1:7000', '--port', '7777'], { SLOTGATE_REQUIREPASS: 'hunter2', SLOTGATE_CLUSTER_PASSWORD: 'n0de' })
  new EventLog(logger).configEffective(config, '9.9.9')
  t.equal(lines.length, 1)
  t.match(lines[0], { event: 'config_effective', version: '9.9.9', config: { port: 7777, seeds: ['127.0.0.1:7000'], requirepass: '[Redacted]', clusterPassword: '[Redacted]' } })
  t.same(Object.keys(lines[0].config).sort(), Object.keys(config).sort(), 'every option')
  t.notOk(JSON.stringify(lines).includes('hunter2') || JSON.stringify(lines).includes('n0de'))
})

function master (id: string, address: string, slots: [number, number][]): ClusterNodeInfo {
  return { id, address, role: 'master', masterId: null, failed: false, suspected: false, unusable: false, configEpoch: 1, connected: true, slots }
}

t.test('topology events: the first view, a held-back change logged by the timer, diffed against the last line', async t => {
  const { logger, lines } = capture()
  let now = 0
  const topo = new Topology()
  const events = new TopologyEvents(topo, new EventLog(logger, 1000, () => now), 200, () => now)
  t.teardown(() => { events.stop() })
  const apply = (nodes: ClusterNodeInfo[], epoch: number): void => {
    topo.apply({ source: nodes[0].address, nodes, maxEpoch: epoch, coveredSlots: 16384 })
  }
  apply([master('A', 'a:1', [[0, 8191]]), master('B', 'b:1', [[8192, 16383]])], 1)
  events.refreshed('startup')
  t.equal(lines.length, 1)
  t.match(lines[0], { event: 'topology_changed', trigger: 'startup', epochBefore: -1, epoch: 1, mastersAdded: ['a:1', 'b:1'], mastersRemoved: [], slotsMoved: 16384, coveredSlots: 16384 })

  now = 50
  apply([master('A', 'a:1', [[0, 8000]]), master('B', 'b:1', [[8001, 16383]])], 2)
  events.refreshed('moved')
  now = 100
  apply([master('A', 'a:1', [[0, 7000]]), master('B', 'b:1', [[7001, 16383]])], 3)
  events.refreshed('periodic')
  t.equal(lines.length, 1, 'within the interval: held back')
  now = 200
  await new Promise(resolve => setTimeout(resolve, 250))
  t.equal(lines.length, 2, 'the timer logged it')
  t.match(lines[1], { event: 'topology_changed', trigger: 'moved', epochBefore: 1, epoch: 3, slotsMoved: 1191 })
  t.same(lines[1].moves, [{ from: 'a:1', to: 'b:1', slots: 1191, ranges: '7001-8191' }], 'both changes in one line')

  now = 1000
  events.refreshed('periodic')
  t.equal(lines.length, 2, 'a refresh without a change logs nothing')
})
