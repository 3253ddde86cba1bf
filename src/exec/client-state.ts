import type { User } from '../access/authenticator.js'
import { SlotSet } from '../cluster/slot-set.js'
import { clientEvents } from '../metrics/client-events.js'
import type { ClientView, UnblockMode } from './client-view.js'
import type { BlockedCommand, ClientContext, ExecContext } from './context.js'
import type { ReplySink } from './queue-entry.js'
import { Subscriptions } from './subscriptions.js'
import { Transaction } from './transaction.js'

/** CLIENT REPLY's mode: replies written, none, or all but the next command's. */
export type ReplyMode = 'on' | 'off' | 'skip'

/**
 * Everything one client connection carries between its commands, as handlers read and change
 * it: the protocol it speaks, its name, user, READONLY mode, CLIENT REPLY mode, its
 * transaction and subscriptions, its blocked commands. The session owns one and hands it to
 * every handler; nothing here touches the socket.
 */
export class ClientState implements ClientContext {
  protocol: 2 | 3 = 2
  name: Buffer | null = null
  /** READONLY/READWRITE, as a cluster client would send them. */
  readOnlyMode = false
  authenticated: boolean
  user: User | null = null
  replyMode: ReplyMode = 'on'
  /** The last command's table name, for CLIENT LIST's `cmd=`. */
  lastCommand = 'NULL'
  /** Slots this client wrote to (WAIT counts their masters' replicas); at most every slot. */
  readonly writtenSlots = new SlotSet()
  /** Nodes that ran this client's keyless writes (a keyless script, a broadcast FLUSHALL). */
  readonly writtenNodes = new Set<string>()
  /**
   * Set by QUIT and CLIENT KILL of itself: the session reads no more commands and closes the
   * connection after the reply that set it.
   */
  quitting = false
  readonly transaction: Transaction
  readonly subscriptions: Subscriptions
  /** Commands blocked on a node for this client: given up at once when it leaves. */
  readonly blocked = new Set<BlockedCommand>()
  /** CLIENT SETINFO LIB-NAME / LIB-VER (Redis 7.2 clients send them on connect). */
  libName = ''
  libVersion = ''
  /** CLIENT NO-EVICT ON (shown as flag `e`; slotgate evicts no client for memory). */
  noEvict = false
  /** MONITOR's feed from the masters, while this client monitors. */
  monitor: { close (): void, readonly active: boolean } | null = null

  constructor (
    readonly id: number,
    readonly ctx: ExecContext,
    readonly sink: ReplySink,
    /** The session's observable facts (addresses, age, idle), for CLIENT INFO. */
    readonly view: ClientView
  ) {
    this.authenticated = !ctx.auth.required
    this.transaction = new Transaction(this)
    this.subscriptions = new Subscriptions(this)
  }

  /** RESET: back to a fresh connection's state (RESET logs the client out when auth is on, as Redis does). */
  reset (): void {
    this.transaction.reset()
    this.subscriptions.reset()
    this.name = null
    this.protocol = 2
    this.readOnlyMode = false
    this.replyMode = 'on'
    this.authenticated = !this.ctx.auth.required
    this.user = null
    this.monitor?.close()
    this.monitor = null
  }

  /** True while one of its commands is blocked on a node (INFO `blocked_clients`, CLIENT LIST flag `b`). */
  get isBlocked (): boolean {
    for (const b of this.blocked) if (b.waitingOnNode === true) return true
    return false
  }

  /** True while blocked by a command with a timeout of its own (INFO `clients_in_timeout_table`). */
  get blockedWithTimeout (): boolean {
    for (const b of this.blocked) if (b.waitingOnNode === true && b.hasTimeout === true) return true
    return false
  }

  /** CLIENT UNBLOCK: ends the command blocked on a node, if any, as `mode` says; true when one was. */
  unblock (mode: UnblockMode): boolean {
    for (const b of this.blocked) if (b.waitingOnNode === true && b.unblock?.(mode) === true) return true
    return false
  }

  /** The client is gone: blocked commands given up, transaction and subscriptions dropped. */
  close (): void {
    this.monitor?.close()
    this.monitor = null
    for (const b of this.blocked) b.abandon()
    this.blocked.clear()
    this.transaction.close()
    this.subscriptions.close()
  }

  /** Authenticates the connection as a user checked elsewhere (a cluster ACL user: see cluster-users.ts). */
  authenticateAs (user: User): void {
    this.user = user
    this.authenticated = true
  }

  /** Checks credentials and, when right, authenticates the connection as that user (AUTH, HELLO ... AUTH). */
  authenticate (username: string, password: Buffer): boolean {
    if (!this.ctx.auth.required && username === 'default') {
      // Like a nopass default user; it also leaves a cluster user taken on before.
      this.user = null
      return true
    }
    const user = this.ctx.auth.required ? this.ctx.auth.verify(username, password) : null
    if (user === null) { clientEvents.authFailed(username, this.view.remoteAddress); return false }
    this.user = user
    this.authenticated = true
    return true
  }
}
