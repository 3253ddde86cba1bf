// metricsPerCommand and metricsPerNode: with them off, the series that carry a `command` or
// `node` label are summed into one without it (values unchanged in total), and the other
// labels stay. Fed through the same objects the hot path feeds, read through the registry's
// text exposition as Prometheus reads it.
import t from 'tap'
import { DispatchStats } from '../../src/cluster/dispatch-stats.js'
import { Topology } from '../../src/cluster/topology.js'
import { SlotgateMetrics, type LinkSample, type MetricsOptions } from '../../src/metrics/metrics.js'
import { Scrape } from '../helpers/metrics-scrape.js'

const NODES = ['10.0.0.1:7000', '10.0.0.2:7000']
const topology = new Topology()
topology.apply({
  source: NODES[0],
  maxEpoch: 1,
  coveredSlots: 16384,
  nodes: NODES.map((address, i) => ({ id: `n${i}`, address, role: 'master', masterId: null, failed: false, suspected: false, unusable: false, configEpoch: 1, connected: true, slots: [[i * 8192, i * 8192 + 8191]] }))
})

async function scrapeWith (options: MetricsOptions): Promise<Scrape> {
  const m = new SlotgateMetrics(options)
  const links: LinkSample[] = [{ node: NODES[0], role: 'master', state: 'up' }, { node: NODES[1], role: 'master', state: 'up' }, { node: NODES[1], role: 'master', state: 'connecting' }]
  m.register({
    server: { clientCount: 0, accepted: 0, rejected: 0 },
    dispatcher: { stats: new DispatchStats(), waitingCount: 0 },
    topology,
    links: () => links,
    notReadyReason: () => null,
    draining: () => false,
    backendInFlight: () => 7,
    clientPending: () => 3,
    clientPendingBytes: () => 300,
    scripts: { bytes: 1234, maxBytes: 4096 },
    dedicated: { count: 4, bounds: { max: 10 }, refused: { total: 1, perClient: 2 } },
    blocking: { active: 2, idleCount: 1 }
  }, 'test')
  const ok = Buffer.from('+OK\r\n')
  const err = Buffer.from('-ERR x\r\n')
  for (const [command, reply, n] of [['get', ok, 3], ['set', ok, 2], ['set', err, 1]] as const) {
    for (let i = 0; i < n; i++) m.commands.commandDone({ command, reply, startedAt: 0 }, 1)
  }
  m.backends.backendReply(NODES[0], 0, 1, ok)
  m.backends.backendReply(NODES[0], 0, 1, err)
  m.backends.backendReply(NODES[1], 0, 2, err)
  m.nodes.linkTimedOut(NODES[0])
  m.nodes.connectFailed(NODES[1])
  m.nodes.connectFailed(NODES[1])
  m.nodes.linkLost(NODES[1])
  m.nodes.linkTimedOut('10.9.9.9:7000') // not in the cluster: forgotten at scrape time
  return new Scrape(await m.registry.metrics())
}

t.test('per command and per node (the default): one series per name', async t => {
  const s = await scrapeWith({ perCommand: true, perNode: true })
  t.equal(s.sum('slotgate_commands_total', { command: 'set', result: 'error' }), 1)
  t.equal(s.sum('slotgate_commands_total', { command: 'get', result: 'ok' }), 3)
  t.equal(s.samples('slotgate_command_duration_seconds_count').length, 2, 'a histogram per command')
  t.same(s.samples('slotgate_backend_error_replies_total').map(x => [x.labels.node, x.value]), [[NODES[0], 1], [NODES[1], 1]])
  t.same(s.samples('slotgate_backend_timeouts_total').map(x => [x.labels.node, x.value]), [[NODES[0], 1], [NODES[1], 0]], 'the departed node is gone')
  t.equal(s.sum('slotgate_backend_connect_failures_total', { node: NODES[1] }), 2)
  t.equal(s.sum('slotgate_backend_links_lost_total', { node: NODES[1] }), 1)
  t.equal(s.sum('slotgate_backend_links', { node: NODES[1], state: 'connecting' }), 1)
  t.equal(s.samples('slotgate_backend_request_duration_seconds_count').length, 2)
})

t.test('both off: the same totals without the command and node labels', async t => {
  const s = await scrapeWith({ perCommand: false, perNode: false })
  t.same(s.samples('slotgate_commands_total').map(x => [x.labels, x.value]), [[{ result: 'ok' }, 5], [{ result: 'error' }, 1], [{ result: 'redirected' }, 0], [{ result: 'retried' }, 0]])
  t.same(s.samples('slotgate_command_duration_seconds_count').map(x => [x.labels, x.value]), [[{}, 6]], 'one histogram for all commands')
  t.same(s.samples('slotgate_backend_error_replies_total').map(x => [x.labels, x.value]), [[{}, 2]])
  t.same(s.samples('slotgate_backend_timeouts_total').map(x => x.value), [1])
  t.same(s.samples('slotgate_backend_connect_failures_total').map(x => x.value), [2])
  t.same(s.samples('slotgate_backend_links').map(x => [x.labels, x.value]), [[{ role: 'master', state: 'up' }, 2], [{ role: 'master', state: 'connecting' }, 1]])
  t.same(s.samples('slotgate_backend_request_duration_seconds_count').map(x => [x.labels, x.value]), [[{}, 3]])
  for (const name of ['slotgate_commands_total', 'slotgate_backend_links', 'slotgate_backend_error_replies_total']) {
    t.notOk(s.samples(name).some(x => 'command' in x.labels || 'node' in x.labels), `${name}: no command or node label`)
  }
})

t.test('capacity gauges read their sources', async t => {
  const s = await scrapeWith({ perCommand: true, perNode: true })
  t.equal(s.sum('slotgate_backend_requests_in_flight'), 7)
  t.equal(s.sum('slotgate_client_requests_pending'), 3)
  t.equal(s.sum('slotgate_client_pending_request_bytes'), 300)
  t.equal(s.sum('slotgate_script_cache_bytes'), 1234)
  t.equal(s.sum('slotgate_script_cache_limit_bytes'), 4096)
  t.equal(s.sum('slotgate_dedicated_connections'), 4)
  t.equal(s.sum('slotgate_dedicated_connections_limit'), 10)
  t.same(s.samples('slotgate_dedicated_connections_refused_total').map(x => [x.labels.limit, x.value]), [['total', 1], ['per_client', 2]])
  t.same(s.samples('slotgate_blocking_connections').map(x => [x.labels.state, x.value]), [['active', 2], ['idle', 1]])
})
