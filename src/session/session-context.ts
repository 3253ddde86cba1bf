import type { CommandPolicy } from '../commands/command-policy.js'
import type { ExecContext } from '../exec/context.js'
import type { CommandObserver } from '../metrics/observers.js'
import type { RequestLimits } from '../resp/request-parser.js'
import type { OutputLimitConfig } from './output-limit.js'

/** What every session shares: the execution context, and the limits of the client side. */
export interface SessionContext extends ExecContext {
  readonly limits: RequestLimits
  readonly policy: CommandPolicy
  /** Output buffer limits (Redis' client-output-buffer-limit) for normal clients and subscribers. */
  readonly outputLimits: { normal: OutputLimitConfig, pubsub: OutputLimitConfig }
  /** Unanswered requests after which a client's further requests wait (backpressure). */
  readonly maxPendingRequests: number
  /** Bytes of requests read and unanswered after which a client's further requests wait. */
  readonly maxPendingRequestBytes: number
  /** Told about every command's reply when it is written; null with metrics off. */
  readonly observer: CommandObserver | null
  /** Counts protocol errors (metrics). */
  onProtocolError (detail: string): void
}
