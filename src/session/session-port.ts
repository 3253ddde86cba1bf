import type { BackendRequest, RequestOwner } from '../cluster/backend-request.js'
import type { LinkOptions } from '../cluster/node-link.js'
import type { NodeAddress } from '../cluster/node-address.js'
import type { SessionContext } from './client-session.js'

/** A place in a session's reply queue. */
export interface QueueEntry {
  reply: Buffer | null
  /** Set on the first entry a client command queues, for metrics: its command name (null: unknown). */
  command?: string | null
  /** performance.now() when that command was read. */
  startedAt?: number
}

/**
 * What the per-session controllers (transaction, subscriptions, blocking commands) may do
 * with their session: queue replies in order, reach the shared context, open links.
 */
export interface SessionPort {
  readonly ctx: SessionContext
  readonly protocol: 2 | 3
  /** The session as the owner of its requests (told when a reply is ready). */
  readonly owner: RequestOwner & { onRequestDone: (e: QueueEntry) => void }
  /** Queues a finished reply. */
  pushReply (reply: Buffer): void
  /** Queues an entry whose reply comes later. */
  pushEntry (entry: QueueEntry | BackendRequest): void
  /** Link options for a dedicated connection in this session's protocol. */
  linkOptions (extra?: Partial<LinkOptions>): LinkOptions
  /** A master for keyless work, spread by session. */
  anyMaster (): NodeAddress | null
}
