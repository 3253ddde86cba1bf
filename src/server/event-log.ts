import type { Logger } from 'pino'
import type { FailoverEvent } from '../cluster/failover-watch.js'
import type { TopologyDiff } from '../cluster/topology-diff.js'
import { redactConfig } from '../config/load-config.js'
import type { SlotgateConfig } from '../config/schema.js'
import type { ClientEventListener, DenyReason, OutputLimitClass } from '../metrics/client-events.js'
import { RateLimiter } from '../util/rate-limiter.js'

/** The `event` field of every event line; stable, so log queries and alerts can rely on it. */
export type EventName =
  | 'config_effective'
  | 'topology_changed'
  | 'failover_detected'
  | 'failover_resolved'
  | 'link_lost'
  | 'link_backoff'
  | 'link_reconnected'
  | 'auth_failed'
  | 'command_denied'
  | 'output_limit_disconnect'

/** Longest user name logged as given (an AUTH's first argument comes from anyone). */
const MAX_USER_CHARS = 64

/**
 * The log lines operators search for: one method per event, each line with `event` (its
 * stable name) and stable fields. Events that can come in bursts (links, clients) are rate
 * limited per event and key (a node, a client's host, a command): at most one line per key
 * per interval, and the next line's `suppressed` says how many were held back. Never logs a
 * password, a command's arguments, or a secret option.
 */
export class EventLog implements ClientEventListener {
  private readonly limiter: RateLimiter

  constructor (private readonly logger: Logger, intervalMs = 1000, private readonly now: () => number = () => performance.now()) {
    this.limiter = new RateLimiter(intervalMs)
  }

  /** The configuration in force at start, secrets replaced by `[Redacted]`. */
  configEffective (config: SlotgateConfig, version: string): void {
    this.logger.info({ event: 'config_effective', version, config: redactConfig(config) }, 'effective configuration')
  }

  /** The slot map changed: slots moved, masters in or out, the epoch. */
  topologyChanged (diff: TopologyDiff, trigger: string, coveredSlots: number): void {
    this.logger.info({
      event: 'topology_changed',
      trigger,
      epochBefore: diff.epochBefore,
      epoch: diff.epochAfter,
      mastersAdded: diff.mastersAdded,
      mastersRemoved: diff.mastersRemoved,
      slotsMoved: diff.moves.reduce((n, m) => n + m.slots, 0),
      moves: diff.moves,
      mastersFailing: diff.failing,
      coveredSlots
    }, 'topology changed')
  }

  /** A failover detected or resolved (never rate limited: rare, and each one matters). */
  failover (e: FailoverEvent): void {
    if (e.event === 'failover_detected') this.logger.warn({ ...e }, 'failover detected: a master serving slots is flagged failed')
    else this.logger.info({ ...e }, `failover resolved: ${e.how}`)
  }

  /** A shared link that was up broke. */
  linkLost (node: string, reason: string, upForMs: number, retryInMs: number): void {
    this.limited('link_lost', node, 'warn', { node, reason, upForMs: Math.round(upForMs), retryInMs }, 'link to node lost')
  }

  /** A new link failed to connect; the next attempt waits. */
  linkBackoff (node: string, reason: string, failures: number, retryInMs: number): void {
    this.limited('link_backoff', node, 'warn', { node, reason, failures, retryInMs }, 'could not connect to node; backing off')
  }

  /** A link is up again after failures. */
  linkReconnected (node: string, failures: number, downForMs: number): void {
    this.limited('link_reconnected', node, 'info', { node, failures, downForMs: Math.round(downForMs) }, 'link to node reconnected')
  }

  /** @internal ClientEventListener */
  authFailed (user: string, client: string): void {
    this.limited('auth_failed', host(client), 'warn', { user: printable(user), client }, 'client authentication failed')
  }

  /** @internal ClientEventListener */
  commandDenied (command: string, reason: DenyReason, client: string): void {
    this.limited('command_denied', `${command} ${reason}`, 'info', { command, reason, client }, 'command denied')
  }

  /** @internal ClientEventListener */
  outputLimitDisconnect (limit: OutputLimitClass, client: string, backlogBytes: number): void {
    this.limited('output_limit_disconnect', limit, 'warn', { limit, client, backlogBytes }, 'client disconnected: it read its replies too slowly (output limit)')
  }

  private limited (event: EventName, key: string, level: 'info' | 'warn', fields: Record<string, unknown>, msg: string): void {
    const suppressed = this.limiter.admit(`${event} ${key}`, this.now(), `${event} *`)
    if (suppressed === null) return
    this.logger[level]({ event, ...fields, suppressed }, msg)
  }
}

/** The host part of `host:port` (IPv6 included), so one client's reconnects share a key. */
function host (address: string): string {
  const colon = address.lastIndexOf(':')
  return colon > 0 ? address.slice(0, colon) : address
}

/** A user name as given, cut short, with control and non-ASCII characters escaped. */
function printable (s: string): string {
  const cut = s.length > MAX_USER_CHARS ? `${s.slice(0, MAX_USER_CHARS)}...` : s
  return cut.replace(/[^\x20-\x7e]/g, c => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}
