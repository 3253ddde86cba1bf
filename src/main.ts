import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { ControlPlane } from './cluster/control-plane.js'
import { BlockingLinkPool } from './cluster/blocking-link-pool.js'
import { DedicatedLinks } from './cluster/dedicated-links.js'
import { ReplicationOffsets } from './cluster/replication-offsets.js'
import { LinkPool } from './cluster/link-pool.js'
import { RequestDispatcher } from './cluster/request-dispatcher.js'
import { Topology } from './cluster/topology.js'
import { TopologyRefresher, type RefreshTrigger } from './cluster/topology-refresher.js'
import { CommandTable } from './commands/command-table.js'
import { CommandPolicy } from './commands/command-policy.js'
import { ScriptCache } from './commands/script-cache.js'
import { Authenticator } from './access/authenticator.js'
import { ReadFrom } from './cluster/backend-request.js'

const READ_FROM = { master: ReadFrom.master, 'prefer-replica': ReadFrom.preferReplica, replica: ReadFrom.replica, any: ReadFrom.any } as const
import type { SlotgateConfig } from './config/schema.js'
import { SlotgateMetrics } from './metrics/metrics.js'
import { internalErrors } from './metrics/internal-errors.js'
import type { DrainOutcome } from './server/drain.js'
import { startOperations } from './server/operations.js'
import { clientTls, clusterTls } from './server/tls-options.js'
import { RespServer } from './server/resp-server.js'
import { unauthenticatedExposure } from './server/exposure.js'
import { checkBackendUser } from './server/backend-check.js'
import type { ReloadReport } from './server/file-reloader.js'
import { currentRequirepass, startFileReloader } from './server/reload-targets.js'
import { watchEvents } from './server/event-wiring.js'
import type { SessionContext } from './session/session-context.js'
import type { InfoSource } from './exec/info/info-source.js'
import { NodeStats } from './exec/info/node-stats.js'
import { nodeIdentity } from './exec/node-identity.js'
import { BusyScripts } from './exec/busy-scripts.js'
import { bothObservers } from './metrics/observers.js'
import { traffic } from './metrics/traffic.js'
import { SLOTGATE_VERSION } from './version.js'

/** A running slotgate, as tests, the demo and the CLI hold it. */
export interface Slotgate {
  /** The RESP port actually bound (useful with port 0). */
  readonly port: number
  readonly topology: Topology
  readonly dispatcher: RequestDispatcher
  readonly server: RespServer
  /** Connections held by blocked clients (BLPOP, ...). */
  readonly blocking: BlockingLinkPool
  /** Resolves once the slot map is loaded (and the cluster's command table read). */
  readonly ready: Promise<void>
  /** Port of /metrics, /healthz and /readyz; null when not served here (metricsEnabled false, or a worker process). */
  readonly httpPort: number | null
  /** The metrics; null with metricsEnabled false. */
  readonly metrics: SlotgateMetrics | null
  /** Null when ready for traffic, else why not (what /readyz answers). */
  notReadyReason (): string | null
  /** Fails /readyz, stops accepting, lets in-flight commands finish within `graceMs`, then closes the clients left. */
  drain (graceMs: number): Promise<DrainOutcome>
  /** Re-reads the TLS, users and requirepass files now, changed or not (SIGHUP). */
  reload (): ReloadReport[]
  /** Stops everything this instance started. */
  close (): Promise<void>
}

/**
 * Default failover deadline: twice the cluster's node timeout (failure detection, then the
 * replica's election delay of up to ~1 s per rank) plus a fixed margin for the election and
 * our refresh. Measured with node timeout 1 s: promotion seen after 2.4–3.2 s.
 */
function autoDeadlineMs (nodeTimeoutMs: number): number {
  return 2 * nodeTimeoutMs + 5000
}
/** Used until the cluster's node timeout is known (Redis' default of 15 s). */
const FALLBACK_DEADLINE_MS = autoDeadlineMs(15_000)

/**
 * Wires slotgate together (the only place that does): config → control plane → topology →
 * links → server. The listener opens at once; until a seed answers, commands wait (bounded
 * by the failover deadline) while the refresher keeps trying.
 */
export async function startSlotgate (config: SlotgateConfig, logger: Logger): Promise<Slotgate> {
  // The CLI refuses a config without seeds; a caller of this function gets the same answer.
  if (config.seeds.length === 0) throw new Error('startSlotgate: config.seeds is empty: slotgate needs at least one cluster node to start from')
  const backendTls = clusterTls(config)
  const control = new ControlPlane({
    connectTimeoutMs: config.connectTimeoutMs,
    commandTimeoutMs: Math.max(config.commandTimeoutMs, 1000),
    username: config.clusterUsername,
    password: config.clusterPassword,
    tls: backendTls
  })
  internalErrors.reporter = (stage, command, err) => {
    // The command name only: arguments may hold secrets or personal data.
    logger.error({ stage, command, err: err instanceof Error ? `${err.name}: ${err.message}` : String(err), stack: err instanceof Error ? err.stack : undefined },
      'internal error: the command failed alone (SLOTGATE_ERR_INTERNAL); logged once per command and stage')
  }
  const topology = new Topology()
  const metrics = config.metricsEnabled ? new SlotgateMetrics({ perCommand: config.metricsPerCommand, perNode: config.metricsPerNode }) : null
  const dispatchOptions = {
    maxRedirects: config.maxRedirects,
    failoverDeadlineMs: config.failoverDeadlineMs > 0 ? config.failoverDeadlineMs : FALLBACK_DEADLINE_MS,
    retryBackoffMs: config.retryBackoffMs
  }
  const dispatcher = new RequestDispatcher(topology, null, dispatchOptions)
  dispatcher.observer = metrics?.backends ?? null
  const pool = new LinkPool({
    connectTimeoutMs: config.connectTimeoutMs,
    linksPerNode: config.linksPerNode,
    commandTimeoutMs: config.commandTimeoutMs,
    username: config.clusterUsername,
    password: config.clusterPassword,
    tls: backendTls
  }, dispatcher)
  const events = watchEvents({ config, logger, topology, pool, metrics })
  const refresher = new TopologyRefresher(topology, control, {
    seeds: config.seeds,
    intervalMs: config.topologyRefreshIntervalMs,
    debounceMs: config.topologyRefreshDebounceMs
  }, {
    onRefresh (trigger: RefreshTrigger, outcome, detail) {
      metrics?.refreshDone(trigger, outcome)
      events.refreshed(trigger, outcome)
      // What changed is logged once, as topology_changed (event-wiring.ts); this line is the detail.
      logger[outcome === 'failed' ? 'warn' : 'debug']({ trigger, outcome, detail, coveredSlots: topology.coveredSlots() }, 'topology refresh')
    }
  })
  dispatcher.attach(pool, trigger => { refresher.request(trigger) })
  pool.probe = node => { dispatcher.probe(node) }
  topology.onChange(() => {
    const nodes = new Set(topology.nodes())
    pool.retain(nodes)
    metrics?.failovers.update(topology.allShards())
    control.retain(new Set([...nodes, ...config.seeds]))
  })

  let redisVersion = '7.0.0'
  let port = config.port
  const nodeStats = new NodeStats()
  const info: InfoSource = {
    get redisVersion () { return redisVersion },
    slotgateVersion: SLOTGATE_VERSION,
    get port () { return port },
    startedAt: Date.now(),
    runId: randomBytes(20).toString('hex'),
    maxClients: config.maxClients,
    nodeStats,
    traffic,
    clients: () => server.views(),
    masterInfo: async (sections: readonly string[]) => {
      const answers = await Promise.allSettled(topology.masters().map(async m => String(await control.call(m, 'INFO', ...sections))))
      return answers.flatMap(a => a.status === 'fulfilled' ? [a.value] : [])
    },
    stats: () => ({
      total_connections_received: server.accepted,
      rejected_connections: server.rejected,
      slotgate_moved_redirects: dispatcher.stats.moved,
      slotgate_ask_redirects: dispatcher.stats.ask,
      slotgate_retried_reads: dispatcher.stats.retriedReads,
      slotgate_unknown_outcome_writes: dispatcher.stats.unknownOutcome,
      slotgate_commands_waited_for_failover: dispatcher.stats.waited
    })
  }
  const dedicated = new DedicatedLinks({ max: config.maxDedicatedLinks, perClient: config.maxDedicatedLinksPerClient }, {
    onLinkReply: (link, req, reply) => { dispatcher.onLinkReply(link, req, reply) },
    onRequestsLost: (node, timedOut, unwritten, inFlight, reason) => { dispatcher.onRequestsLost(node, timedOut, unwritten, inFlight, reason) },
    watch: link => { pool.watch(link) },
    unwatch: link => { pool.unwatch(link) }
  })
  const blocking = new BlockingLinkPool(dedicated)
  const ctx: SessionContext = {
    table: CommandTable.fromSnapshot(),
    dispatcher,
    topology,
    info,
    limits: { maxBulkBytes: config.maxBulkBytes, maxRequestBytes: config.maxRequestBytes, maxMultibulkLength: config.maxMultibulkLength },
    blocking,
    dedicated,
    commandTimeoutMs: config.commandTimeoutMs,
    slowCommandTimeoutMs: config.slowCommandTimeoutMs,
    replication: new ReplicationOffsets(control),
    crossSlotTransactions: config.crossSlotTransactions,
    control,
    identity: nodeIdentity(config.announceAddress, config.bind, config.port),
    busy: new BusyScripts(control),
    policy: new CommandPolicy(config.denyCommands),
    scripts: new ScriptCache(config.scriptCacheMaxBytes),
    auth: new Authenticator(currentRequirepass(config), config.usersFile),
    readPolicy: READ_FROM[config.readPolicy],
    maxRedirects: config.maxRedirects,
    seeds: config.seeds,
    linkDefaults: {
      connectTimeoutMs: config.connectTimeoutMs,
      username: config.clusterUsername,
      password: config.clusterPassword,
      tls: backendTls
    },
    outputLimits: {
      normal: { hardBytes: config.clientOutputLimitBytes, softBytes: config.clientOutputSoftLimitBytes, softSeconds: config.clientOutputSoftLimitSeconds },
      pubsub: { hardBytes: config.pubsubOutputLimitBytes, softBytes: config.pubsubOutputSoftLimitBytes, softSeconds: config.pubsubOutputSoftLimitSeconds }
    },
    maxPendingRequests: config.maxPendingRequests,
    maxPendingRequestBytes: config.maxPendingRequestBytes,
    requestRefresh () { refresher.request('link-lost') },
    async refreshTopology () { await refresher.refreshNow('manual') },
    clients: () => server.views(),
    observer: metrics === null ? nodeStats : bothObservers(nodeStats, metrics.commands),
    onProtocolError (detail) {
      if (metrics !== null) metrics.protocolErrors++
      logger.debug({ detail }, 'client protocol error')
    }
  }
  const server = new RespServer({
    port: config.port,
    bind: config.bind,
    maxClients: config.maxClients,
    idleTimeoutMs: config.clientIdleTimeoutMs,
    keepAliveMs: config.tcpKeepAliveMs,
    tls: clientTls(config)
  }, ctx)
  port = await server.listen()
  logger.info({ port, bind: config.bind, seeds: config.seeds }, 'slotgate listening')
  const authState = { bind: config.bind, passwordRequired: () => ctx.auth.required, certificateRequired: config.tlsClientAuth }
  if (metrics !== null) metrics.unauthenticatedListener = () => unauthenticatedExposure(authState)
  if (unauthenticatedExposure(authState)) {
    logger.warn({ bind: config.bind, port, clientAuth: 'none' }, 'clients beyond loopback can connect without authenticating: set requirepass, usersFile or tlsClientAuth, or bind to 127.0.0.1')
  }
  const reloader = startFileReloader(config, { server, auth: ctx.auth }, logger, metrics)
  const ops = await startOperations({ config, logger, metrics, topology, pool, dispatcher, dedicated, blocking, scripts: ctx.scripts, server, failoverDeadlineMs: () => dispatchOptions.failoverDeadlineMs })

  let stopped = false
  const ready = (async () => {
    // Until one seed answers, retry: slotgate serves (commands wait) but is not ready.
    for (let attempt = 0; !stopped; attempt++) {
      if (await refresher.refreshNow('startup')) break
      await sleep(Math.min(2000, 100 * 2 ** attempt))
    }
    if (stopped) return
    refresher.start()
    const node = topology.masters()[0]
    try {
      ctx.table = CommandTable.fromCommandReply(await control.call(node, 'COMMAND') as unknown[])
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'COMMAND failed; using the bundled command table')
    }
    try {
      const v = /redis_version:([^\r\n]+)/.exec(String(await control.call(node, 'INFO', 'server')))
      if (v !== null) redisVersion = v[1]
      if (config.failoverDeadlineMs === 0) {
        const reply = await control.call(node, 'CONFIG', 'GET', 'cluster-node-timeout') as string[]
        const nodeTimeout = Number(reply[1])
        if (nodeTimeout > 0) dispatchOptions.failoverDeadlineMs = autoDeadlineMs(nodeTimeout)
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'could not read the cluster\'s version or node timeout')
    }
    // Connect to every master now rather than on the first command, so /readyz turns 200 at once.
    for (const master of topology.masters()) pool.linkFor(master)
    await checkBackendUser(control, node, ctx.policy, logger)
    logger.info({
      masters: topology.masters(),
      coveredSlots: topology.coveredSlots(),
      commands: ctx.table.size,
      failoverDeadlineMs: dispatchOptions.failoverDeadlineMs
    }, 'slotgate ready')
  })()

  return {
    port,
    topology,
    dispatcher,
    server,
    blocking,
    ready,
    httpPort: ops.httpPort,
    metrics,
    notReadyReason: ops.notReadyReason,
    drain: ops.drain,
    reload: () => reloader.check(true),
    async close () {
      stopped = true
      reloader.stop()
      events.close()
      await ops.close()
      refresher.stop()
      // Clients first: a listening server's close() waits for every connection to end.
      const stoppedAccepting = server.stopAccepting()
      server.closeAll()
      await stoppedAccepting
      dispatcher.close()
      blocking.close()
      pool.close()
      control.close()
      nodeStats.close()
    }
  }
}

async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}
