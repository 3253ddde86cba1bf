import cluster from 'node:cluster'
import type { Logger } from 'pino'
import { AggregatorRegistry } from 'prom-client'
import type { ScriptCache } from '../commands/script-cache.js'
import type { BlockingLinkPool } from '../cluster/blocking-link-pool.js'
import type { DedicatedLinks } from '../cluster/dedicated-links.js'
import type { LinkPool } from '../cluster/link-pool.js'
import type { RequestDispatcher } from '../cluster/request-dispatcher.js'
import type { Topology } from '../cluster/topology.js'
import type { SlotgateConfig } from '../config/schema.js'
import type { LinkSample, SlotgateMetrics } from '../metrics/metrics.js'
import { Readiness } from './readiness.js'
import { SLOTGATE_VERSION } from '../version.js'
import { drainClients, type DrainableServer, type DrainableSession, type DrainOutcome } from './drain.js'
import { HttpServer } from './http-server.js'

/** The RESP listener, as the metrics and the drain see it. */
export interface OperatedServer extends DrainableServer {
  readonly accepted: number
  readonly rejected: number
  sessions (): Iterable<DrainableSession & { readonly pendingReplies: number, readonly pendingRequestBytes: number }>
}

/** What the operator-facing side needs from a running slotgate. */
export interface OperationsDeps {
  config: Pick<SlotgateConfig, 'metricsEnabled' | 'metricsPort' | 'metricsBind' | 'readinessMaxUnservablePercent'>
  /** The failover deadline in force (auto from the cluster's node timeout, or configured). */
  failoverDeadlineMs (): number
  logger: Logger
  /** Null with metricsEnabled false. */
  metrics: SlotgateMetrics | null
  topology: Topology
  pool: LinkPool
  dispatcher: RequestDispatcher
  dedicated: DedicatedLinks
  blocking: BlockingLinkPool
  scripts: ScriptCache
  server: OperatedServer
}

/** Probes, metrics endpoint and drain of one serving process. */
export interface Operations {
  /** Port of /metrics, /healthz, /readyz; null when not served by this process (disabled, or a worker). */
  readonly httpPort: number | null
  /** Null when ready for traffic, else why not (/readyz). */
  notReadyReason (): string | null
  /** Fails /readyz, stops accepting, lets in-flight commands finish within `graceMs`. */
  drain (graceMs: number): Promise<DrainOutcome>
  /** Stops the HTTP listener. */
  close (): Promise<void>
}

/**
 * Registers the metrics and opens the HTTP endpoints. A worker process (`--workers N`)
 * opens none: the primary serves them, summing the workers' metrics (AggregatorRegistry)
 * and asking each worker for readiness over IPC.
 */
export async function startOperations (deps: OperationsDeps): Promise<Operations> {
  const { topology, pool, metrics, config } = deps
  let draining = false
  const readiness = new Readiness({
    draining: () => draining,
    topology,
    linkFor: node => pool.linkFor(node),
    failoverDeadlineMs: () => deps.failoverDeadlineMs(),
    maxUnservablePercent: config.readinessMaxUnservablePercent
  })
  const reason = (): string | null => readiness.reason()
  metrics?.register({
    server: deps.server,
    dispatcher: deps.dispatcher,
    topology,
    links: () => linkSamples(pool, topology),
    notReadyReason: reason,
    draining: () => draining,
    backendInFlight: () => pool.inFlight(),
    clientPending: () => { let n = 0; for (const s of deps.server.sessions()) n += s.pendingReplies; return n },
    clientPendingBytes: () => { let n = 0; for (const s of deps.server.sessions()) n += s.pendingRequestBytes; return n },
    scripts: deps.scripts,
    dedicated: deps.dedicated,
    blocking: deps.blocking
  }, SLOTGATE_VERSION)

  let http: HttpServer | null = null
  let httpPort: number | null = null
  if (cluster.isWorker) {
    if (metrics !== null) {
      // Constructing one installs prom-client's listener that answers the primary's scrapes.
      void new AggregatorRegistry()
      AggregatorRegistry.setRegistries([metrics.registry])
    }
  } else if (config.metricsEnabled && metrics !== null) {
    const registry = metrics.registry
    http = new HttpServer({ port: config.metricsPort, bind: config.metricsBind }, {
      metrics: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
      notReadyReason: reason
    })
    httpPort = await http.listen()
    deps.logger.info({ port: httpPort, bind: config.metricsBind }, 'HTTP endpoints listening (/metrics, /healthz, /readyz)')
  }

  const ops: Operations = {
    httpPort,
    notReadyReason: reason,
    async drain (graceMs: number) {
      draining = true
      return await drainClients(deps.server, graceMs)
    },
    async close () {
      await http?.close()
    }
  }
  return ops
}

function * linkSamples (pool: LinkPool, topology: Topology): Iterable<LinkSample> {
  const masters = new Set(topology.masters())
  const linked = new Set<string>()
  for (const link of pool.all()) {
    linked.add(link.address)
    yield { node: link.address, role: masters.has(link.address) ? 'master' : 'replica', state: link.ready ? 'up' : 'connecting' }
  }
  for (const node of topology.nodes()) {
    if (!linked.has(node) && pool.isBackingOff(node)) yield { node, role: masters.has(node) ? 'master' : 'replica', state: 'backoff' }
  }
}
