/**
 * Every slotgate metric, defined here and nowhere else (docs/operations.md lists them).
 * The hot path only bumps plain numbers (CommandStats, BackendStats, TrafficCounters,
 * DispatchStats, the server's counters); each metric below reads them in its `collect`,
 * at scrape time. Names follow Prometheus' rules: `slotgate_` prefix, base units (seconds,
 * bytes) in the name, `_total` on counters.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import { BackendStats } from './backend-stats.js'
import { BucketedHistogram } from './bucketed-histogram.js'
import { registerCapacityMetrics, type CapacitySources } from './capacity-metrics.js'
import { registerFaultMetrics } from './fault-metrics.js'
import { sumBuckets } from './latency-buckets.js'
import { MetricKit } from './metric-kit.js'
import { NodeStats } from './node-stats.js'
import { COMMAND_RESULTS, CommandStats } from './command-stats.js'
import { FailoverCounter } from './failover-counter.js'
import { traffic } from './traffic.js'
import { internalErrors } from './internal-errors.js'
import { crossSlotTransactions } from './transaction-stats.js'
import { popStats } from './pop-stats.js'
import { backendAccess } from './backend-access.js'

/** One backend link, as the `slotgate_backend_links` gauge counts it. */
export interface LinkSample {
  node: string
  role: 'master' | 'replica'
  /** `backoff`: no link, the node failed recently and is waiting out its reconnect delay. */
  state: 'up' | 'connecting' | 'backoff'
}

/**
 * The dispatcher's counters, as the metrics read them (declared here: metrics depend on
 * nothing of the cluster layer, which fills these plain fields).
 */
export interface DispatchCounters {
  readonly moved: number
  readonly ask: number
  readonly tryAgain: number
  readonly clusterDown: number
  readonly loading: number
  readonly demoted: number
  readonly masterDown: number
  readonly retriedReads: number
  readonly rerouted: number
  readonly unknownOutcome: number
  readonly waited: number
  readonly deadlineExceeded: number
}

/** What the metrics read at scrape time. */
export interface MetricSources extends CapacitySources {
  readonly server: { readonly clientCount: number, readonly accepted: number, readonly rejected: number }
  readonly dispatcher: { readonly stats: DispatchCounters, readonly waitingCount: number }
  readonly topology: {
    coveredSlots (): number
    masters (): readonly string[]
    nodes (): readonly string[]
  }
  links (): Iterable<LinkSample>
  /** Null when ready, else why not (see readiness.ts). */
  notReadyReason (): string | null
  draining (): boolean
}

type RefreshOutcome = 'updated' | 'unchanged' | 'failed'

/** Which labels large fleets may drop (config metricsPerCommand, metricsPerNode). */
export interface MetricsOptions {
  /** Keep the `command` label; false: one series for all commands. */
  perCommand: boolean
  /** Keep the `node` label; false: one series for all nodes. */
  perNode: boolean
}

/**
 * slotgate's metrics: the hot-path stats objects, the counters of rare events, and the
 * prom-client registry that exports them all (plus Node's default process metrics).
 */
export class SlotgateMetrics {
  readonly registry = new Registry()
  /** Fed by sessions (CommandObserver). */
  readonly commands = new CommandStats()
  /** Failures per node: fed by the link pool (LinkPoolObserver) and the dispatcher's replies. */
  readonly nodes = new NodeStats()
  /** Fed by the dispatcher (BackendObserver). */
  readonly backends = new BackendStats(this.nodes)
  readonly failovers = new FailoverCounter()
  /** Client protocol errors (each closes its connection). */
  protocolErrors = 0
  /** True when clients beyond loopback need no credential (set by main.ts; see server/exposure.ts). */
  unauthenticatedListener: () => boolean = () => false
  private readonly refreshes = new Map<string, { trigger: string, outcome: RefreshOutcome, count: number }>()
  private readonly reloads = new Map<string, { file: string, outcome: string, count: number }>()

  constructor (private readonly options: MetricsOptions = { perCommand: true, perNode: true }) {}

  /** Records a reload of watched files (`tls`, `users`; `reloaded` or `failed`). */
  fileReloadDone (file: string, outcome: 'reloaded' | 'failed'): void {
    const key = `${file} ${outcome}`
    const entry = this.reloads.get(key)
    if (entry === undefined) this.reloads.set(key, { file, outcome, count: 1 })
    else entry.count++
  }

  /** Records a topology refresh (RefreshObserver). */
  refreshDone (trigger: string, outcome: RefreshOutcome): void {
    const key = `${trigger} ${outcome}`
    const entry = this.refreshes.get(key)
    if (entry === undefined) this.refreshes.set(key, { trigger, outcome, count: 1 })
    else entry.count++
  }

  /** Registers every metric, reading `sources` at scrape time. Call once. */
  register (sources: MetricSources, version: string): void {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry })
    const kit = new MetricKit(registers, new Set([...this.options.perCommand ? [] : ['command'], ...this.options.perNode ? [] : ['node']]))
    // Workers' values are summed by default (AggregatorRegistry); gauges say otherwise.
    const counter = kit.counter.bind(kit)
    const gauge = kit.gauge.bind(kit)
    const { stats } = sources.dispatcher

    new Gauge({ name: 'slotgate_build_info', help: 'Always 1; the version label says which slotgate runs.', labelNames: ['version'], registers, aggregator: 'max', collect () { this.set({ version }, 1) } })

    gauge('slotgate_ready', '1 when /readyz would answer 200, else 0.', 'min', () => sources.notReadyReason() === null ? 1 : 0)
    gauge('slotgate_draining', '1 while shutting down (after SIGTERM/SIGINT).', 'max', () => sources.draining() ? 1 : 0)

    gauge('slotgate_client_connections', 'Client connections open now.', 'sum', () => sources.server.clientCount)
    gauge('slotgate_unauthenticated_listener', '1 when the client port listens beyond loopback and clients need no password (requirepass, usersFile) nor certificate (tlsClientAuth), else 0.', 'max', () => this.unauthenticatedListener() ? 1 : 0)
    const reloads = this.reloads
    new Counter({
      name: 'slotgate_file_reloads_total',
      help: 'Reloads of changed files, by file group (tls: tlsCertFile/tlsKeyFile/tlsCaFile; users: usersFile/requirepassPath) and outcome (reloaded; failed: the previous ones stay in force).',
      labelNames: ['file', 'outcome'],
      registers,
      collect () { this.reset(); for (const r of reloads.values()) this.inc({ file: r.file, outcome: r.outcome }, r.count) }
    })
    counter('slotgate_client_connections_accepted_total', 'Client connections accepted.', () => sources.server.accepted)
    counter('slotgate_client_connections_rejected_total', 'Client connections refused because maxClients was reached.', () => sources.server.rejected)
    new Counter({
      name: 'slotgate_internal_errors_total',
      help: 'Client commands failed alone by a slotgate bug caught at their fault boundary (SLOTGATE_ERR_INTERNAL), by stage (plan, merge).',
      labelNames: ['stage'],
      registers,
      collect () { this.reset(); for (const [stage, n] of Object.entries(internalErrors.counts)) this.inc({ stage }, n) }
    })
    new Counter({
      name: 'slotgate_cross_slot_transactions_total',
      help: 'Transactions whose keys span slots: run as one MULTI/EXEC per slot (outcome split) or refused with CROSSSLOT (outcome refused: crossSlotTransactions refuse, or after WATCH).',
      labelNames: ['outcome'],
      registers,
      collect () { this.reset(); this.inc({ outcome: 'split' }, crossSlotTransactions.split); this.inc({ outcome: 'refused' }, crossSlotTransactions.refused) }
    })
    new Counter({
      name: 'slotgate_cross_slot_pop_elements_total',
      help: 'Elements of cross-slot blocking pops that did not go to the client: returned (a losing wait took one; put back at the head of its key), recovered (found in a staging list after a wait\'s link dropped; put back), lost_with_link (a sorted-set element a wait popped before its link dropped).',
      labelNames: ['outcome'],
      registers,
      collect () {
        this.reset()
        this.inc({ outcome: 'returned' }, popStats.returned)
        this.inc({ outcome: 'recovered' }, popStats.recovered)
        this.inc({ outcome: 'lost_with_link' }, popStats.lostWithLink)
      }
    })
    gauge('slotgate_backend_user_denied_commands_allowed', 'Commands of the deny list that the cluster user slotgate logs in as may run (probed at start; 0 for the least-privilege user of docs/security.md; -1: not probed).', 'max', () => backendAccess.deniedCommandsAllowed)
    counter('slotgate_client_protocol_errors_total', 'Client requests that broke RESP (each closes its connection).', () => this.protocolErrors)
    counter('slotgate_client_received_bytes_total', 'Bytes read from clients.', () => traffic.clientReceivedBytes)
    counter('slotgate_client_sent_bytes_total', 'Bytes written to clients.', () => traffic.clientSentBytes)

    const commands = this.commands
    kit.labelledCounter('slotgate_commands_total', 'Client commands answered, by command (the command table\'s name; "unknown" for unknown ones) and result (ok, error, redirected, retried).', ['command', 'result'],
      function * () { for (const stat of commands.all()) for (let r = 0; r < COMMAND_RESULTS.length; r++) yield [{ command: stat.name, result: COMMAND_RESULTS[r] }, stat.results[r]] })
    const perCommand = kit.keeps('command')
    new BucketedHistogram({
      name: 'slotgate_command_duration_seconds',
      help: `Time from reading a client command to writing its reply${perCommand ? ', by command' : ''}.`,
      labelNames: perCommand ? ['command'] : [],
      registers,
      source: () => perCommand
        ? [...commands.all()].map(s => ({ labels: { command: s.name }, buckets: s.latency }))
        : [{ labels: {}, buckets: sumBuckets([...commands.all()].map(s => s.latency)) }]
    })

    new Counter({
      name: 'slotgate_redirects_total',
      help: 'MOVED and ASK redirects followed, by type.',
      labelNames: ['type'],
      registers,
      collect () { this.reset(); this.inc({ type: 'moved' }, stats.moved); this.inc({ type: 'ask' }, stats.ask) }
    })
    new Counter({
      name: 'slotgate_retries_total',
      help: 'Requests sent again, by cause: tryagain, clusterdown, loading, readonly (a write that reached a demoted master), masterdown (after a backoff), link_lost (a read in flight on a link that broke).',
      labelNames: ['cause'],
      registers,
      collect () {
        this.reset()
        this.inc({ cause: 'tryagain' }, stats.tryAgain)
        this.inc({ cause: 'clusterdown' }, stats.clusterDown)
        this.inc({ cause: 'loading' }, stats.loading)
        this.inc({ cause: 'readonly' }, stats.demoted)
        this.inc({ cause: 'masterdown' }, stats.masterDown)
        this.inc({ cause: 'link_lost' }, stats.retriedReads)
      }
    })
    counter('slotgate_rerouted_total', 'Requests not yet written when their link broke, routed again.', () => stats.rerouted)
    counter('slotgate_outcome_unknown_total', 'Writes in flight on a link that broke: answered with an error, never sent twice.', () => stats.unknownOutcome)
    counter('slotgate_slot_waits_total', 'Requests that had to wait for their slot to have a reachable master (failover, startup).', () => stats.waited)
    counter('slotgate_slot_wait_timeouts_total', 'Requests that waited past failoverDeadlineMs and got an error.', () => stats.deadlineExceeded)
    gauge('slotgate_requests_waiting', 'Requests waiting now for their slot to have a reachable master.', 'sum', () => sources.dispatcher.waitingCount)

    const refreshes = this.refreshes
    new Counter({
      name: 'slotgate_topology_refreshes_total',
      help: 'Slot map refreshes, by trigger (startup, periodic, moved, link-lost, waiting, manual) and outcome (updated, unchanged, failed).',
      labelNames: ['trigger', 'outcome'],
      registers,
      collect () { this.reset(); for (const r of refreshes.values()) this.inc({ trigger: r.trigger, outcome: r.outcome }, r.count) }
    })
    // Every worker follows the same failover: the largest count is the cluster's.
    counter('slotgate_failovers_total', 'Failovers followed: a replica slotgate knew took over its master\'s slots.', () => this.failovers.count, 'max')
    gauge('slotgate_slots_covered', 'Hash slots with a known master (16384 when the whole keyspace is served).', 'min', () => sources.topology.coveredSlots())
    gauge('slotgate_cluster_masters', 'Masters serving slots, per the current slot map.', 'max', () => sources.topology.masters().length)

    kit.labelledGauge('slotgate_backend_links', 'Shared connections to cluster nodes, by node, role (master, replica) and state (up, connecting, backoff).', ['node', 'role', 'state'], 'sum',
      function * () { for (const l of sources.links()) yield [{ node: l.node, role: l.role, state: l.state }, 1] })
    const backends = this.backends
    const perNode = kit.keeps('node')
    new BucketedHistogram({
      name: 'slotgate_backend_request_duration_seconds',
      help: `Time from writing a request to a node to reading its reply${perNode ? ', by node' : ''}.`,
      labelNames: perNode ? ['node'] : [],
      registers,
      source: () => {
        backends.retain(new Set(sources.topology.nodes()))
        const all = [...backends.entries()]
        return perNode ? all.map(([node, buckets]) => ({ labels: { node }, buckets })) : [{ labels: {}, buckets: sumBuckets(all.map(([, b]) => b)) }]
      }
    })
    counter('slotgate_backend_received_bytes_total', 'Bytes read from cluster nodes.', () => traffic.backendReceivedBytes)
    counter('slotgate_backend_sent_bytes_total', 'Bytes written to cluster nodes.', () => traffic.backendSentBytes)
    registerFaultMetrics(kit, this.nodes, () => sources.topology.nodes())
    registerCapacityMetrics(kit, sources)
  }
}
