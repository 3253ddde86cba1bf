import type { MetricKit } from './metric-kit.js'

/** The dedicated connections' bounds and use, as the metrics read them (DedicatedLinks). */
export interface DedicatedSample {
  /** Open now, all clients together. */
  readonly count: number
  readonly bounds: { readonly max: number }
  /** Refusals for a full cap: the total one, or the client's own. */
  readonly refused: { readonly total: number, readonly perClient: number }
}

/** What the capacity metrics read at scrape time. */
export interface CapacitySources {
  /** Requests sent to nodes (or queued for this turn's write) and not answered, over every link. */
  backendInFlight (): number
  /** Client commands read and not answered yet, over every connection. */
  clientPending (): number
  /** Their request bytes (what maxPendingRequestBytes bounds per client). */
  clientPendingBytes (): number
  /** Bytes of script bodies slotgate keeps to heal NOSCRIPT, and their bound (scriptCacheMaxBytes). */
  readonly scripts: { readonly bytes: number, readonly maxBytes: number }
  readonly dedicated: DedicatedSample
  /** Connections for blocking commands: in use by a blocked client, and kept idle for the next. */
  readonly blocking: { readonly active: number, readonly idleCount: number }
}

/** Registers the metrics of load against slotgate's limits: work in flight, dedicated and blocking connections. */
export function registerCapacityMetrics (kit: MetricKit, sources: CapacitySources): void {
  kit.gauge('slotgate_backend_requests_in_flight', 'Requests sent to cluster nodes (or queued for this event-loop turn\'s write) and not yet answered, over every shared and dedicated connection; blocked commands (BLPOP, ...) included.', 'sum', () => sources.backendInFlight())
  kit.gauge('slotgate_client_requests_pending', 'Client commands read and not yet answered, over every client connection (a client past maxPendingRequests is not read until it drops).', 'sum', () => sources.clientPending())
  kit.gauge('slotgate_client_pending_request_bytes', 'Bytes of the client commands read and not yet answered, over every client connection (a client past maxPendingRequestBytes is not read until it drops).', 'sum', () => sources.clientPendingBytes())
  kit.gauge('slotgate_script_cache_bytes', 'Bytes of script bodies kept to answer NOSCRIPT by loading them again (the oldest go first past scriptCacheMaxBytes).', 'sum', () => sources.scripts.bytes)
  kit.gauge('slotgate_script_cache_limit_bytes', 'The most script bytes kept (scriptCacheMaxBytes).', 'sum', () => sources.scripts.maxBytes)
  const { dedicated, blocking } = sources
  kit.gauge('slotgate_dedicated_connections', 'Connections to nodes owned by one client each (WATCH, Pub/Sub, blocking commands, idle blocking ones included), open now.', 'sum', () => dedicated.count)
  kit.gauge('slotgate_dedicated_connections_limit', 'The most dedicated connections allowed open at once (maxDedicatedLinks).', 'sum', () => dedicated.bounds.max)
  kit.labelledCounter('slotgate_dedicated_connections_refused_total', 'Dedicated connections refused for a full cap, by limit (total: maxDedicatedLinks; per_client: maxDedicatedLinksPerClient); the client got an error.', ['limit'],
    () => [[{ limit: 'total' }, dedicated.refused.total], [{ limit: 'per_client' }, dedicated.refused.perClient]])
  kit.labelledGauge('slotgate_blocking_connections', 'Connections for blocking commands, by state (active: a client is blocked on it; idle: kept for the next one). They count among the dedicated connections.', ['state'], 'sum',
    () => [[{ state: 'active' }, blocking.active], [{ state: 'idle' }, blocking.idleCount]])
}
