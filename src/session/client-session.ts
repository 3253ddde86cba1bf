import type net from 'node:net'
import { BackendRequest, type RequestOwner } from '../cluster/backend-request.js'
import type { BlockingLinkPool } from '../cluster/blocking-link-pool.js'
import type { LinkOptions } from '../cluster/node-link.js'
import type { NodeAddress } from '../cluster/node-address.js'
import type { RequestDispatcher } from '../cluster/request-dispatcher.js'
import type { Topology } from '../cluster/topology.js'
import type { CommandTable } from '../commands/command-table.js'
import { routeCommand, type RoutePlan } from '../commands/router.js'
import type { CommandPolicy } from '../commands/command-policy.js'
import type { ScriptCache } from '../commands/script-cache.js'
import { EvalShaRequest } from './evalsha-request.js'
import type { Authenticator, User } from './authenticator.js'
import { ReadFrom } from '../cluster/backend-request.js'
import { splitBySlot } from '../commands/split-command.js'
import { errorReply } from '../resp/encode.js'
import { RequestParser, type RequestLimits, type RequestSink } from '../resp/request-parser.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import { RingQueue } from '../util/ring-queue.js'
import { tickBatcher, type Flushable } from '../util/tick-batcher.js'
import type { CommandObserver, ObservedCommand } from '../metrics/observers.js'
import { traffic } from '../metrics/traffic.js'
import { internalErrors } from '../metrics/internal-errors.js'
import { BlockingRequest } from './blocking-request.js'
import { runClientCommand, type ClientView } from './client-commands.js'
import { FanOutRequest } from './fan-out-request.js'
import type { InfoSource } from './format-info.js'
import { runLocalCommand, type LocalSession } from './local-commands.js'
import { ScanRequest } from './scan-request.js'
import { SessionCommands } from './session-commands.js'
import type { QueueEntry, SessionPort } from './session-port.js'
import { Subscriptions } from './subscriptions.js'
import { Transaction } from './transaction.js'
import { queueInTransaction } from './transaction-plan.js'
import { accessError } from './access-check.js'
import { OutputLimit, type OutputLimitConfig } from './output-limit.js'

/** What every session shares: the cluster side, the command table (replaced once the cluster's own is read), limits. */
export interface SessionContext {
  table: CommandTable
  readonly dispatcher: RequestDispatcher
  readonly topology: Topology
  readonly info: InfoSource
  readonly limits: RequestLimits
  readonly policy: CommandPolicy
  readonly scripts: ScriptCache
  readonly auth: Authenticator
  /** Where reads go by default (config readPolicy). */
  readonly readPolicy: ReadFrom
  readonly blocking: BlockingLinkPool
  readonly maxRedirects: number
  readonly seeds: readonly NodeAddress[]
  /** Connect timeout and backend credentials for dedicated links. */
  readonly linkDefaults: Omit<LinkOptions, 'protocol' | 'readOnly'>
  /** Output buffer limits (Redis' client-output-buffer-limit) for normal clients and subscribers. */
  readonly outputLimits: { normal: OutputLimitConfig, pubsub: OutputLimitConfig }
  /** Unanswered requests after which a client's further requests wait (backpressure). */
  readonly maxPendingRequests: number
  requestRefresh (): void
  /** Every connected client (CLIENT LIST / KILL). */
  clients (): Iterable<ClientView>
  /** Counts protocol errors (metrics). */
  onProtocolError (detail: string): void
  /** Told about every command's reply when it is written; null with metrics off. */
  readonly observer: CommandObserver | null
}

const EMPTY_REPLY = Buffer.alloc(0)
/** Replies of one flush up to this size are joined into one write (above it, written by reference). */
const COALESCE_BYTES = 64 * 1024

/** A reply slotgate made itself, or will make (INFO awaits the masters). */
class LocalReply {
  /** Metrics tags (see QueueEntry), declared so the object keeps one shape. */
  command: string | null | undefined = undefined
  startedAt = 0
  constructor (public reply: Buffer | null, public closeAfter = false) {}
}

/**
 * One client connection: parses requests, routes each one, and keeps a queue of replies in
 * request order — replies from different nodes arrive in any order, but a client that
 * pipelines expects them in the order it asked (RESP's only ordering rule). Completed
 * replies at the head of the queue leave in one write per event-loop turn. Connection state
 * (transactions, subscriptions, blocking commands) lives in its own controllers.
 */
export class ClientSession implements RequestSink, RequestOwner, Flushable, LocalSession, SessionPort, ClientView {
  private static nextId = 1
  readonly id = ClientSession.nextId++
  /** RequestOwner.lane: this client's commands share one of a node's links, in order. */
  get lane (): number { return this.id }
  name: Buffer | null = null
  protocol: 2 | 3 = 2
  readOnlyMode = false
  authenticated: boolean
  user: User | null = null
  flushQueued = false
  closed = false
  readonly createdAt = Date.now()
  /** When the client last sent bytes, in Date.now() terms (from the monotonic read time: one clock read per chunk). */
  get lastActiveAt (): number { return performance.timeOrigin + this.readAt }
  lastCommand = 'NULL'
  readonly remoteAddress: string
  readonly localAddress: string
  readonly owner = this
  readonly transaction = new Transaction(this)
  readonly subscriptions = new Subscriptions(this)
  private readonly blocked = new Set<BlockingRequest>()
  private readonly sessionCommands = new SessionCommands(this)
  private readonly queue = new RingQueue<QueueEntry>(16)
  private readonly parser: RequestParser
  /** Entries whose reply CLIENT REPLY OFF/SKIP suppresses. */
  private suppressed: WeakSet<QueueEntry> | null = null
  replyMode: 'on' | 'off' | 'skip' = 'on'
  /** No more requests are read: QUIT or a protocol error; the socket ends after the last reply. */
  private ending = false
  /** performance.now() of the last socket read: the start time of every request it held. */
  private readAt = performance.now()
  private tagCommand: string | null = null
  private tagStartedAt = 0
  /** Reading the socket is paused (backpressure); see updateReading(). */
  private paused = false
  private readonly outputLimit = new OutputLimit()

  constructor (
    private readonly socket: net.Socket,
    readonly ctx: SessionContext,
    private readonly onClosed: (session: ClientSession) => void
  ) {
    this.parser = new RequestParser(this, ctx.limits)
    this.authenticated = !ctx.auth.required
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`
    this.localAddress = `${socket.localAddress ?? '?'}:${socket.localPort ?? 0}`
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => { traffic.clientReceivedBytes += chunk.length; this.readAt = performance.now(); this.parser.feed(chunk) })
    socket.on('drain', () => { this.updateReading() })
    socket.on('error', () => { this.close() }) // a client's socket error concerns only that client
    socket.on('close', () => { this.close() })
  }

  /** Commands received and not yet answered. */
  get pendingReplies (): number { return this.queue.length }
  get subscriptionCount (): number { return this.subscriptions.count }
  get channelCount (): number { return this.subscriptions.channelCount }
  get patternCount (): number { return this.subscriptions.patternCount }
  get shardChannelCount (): number { return this.subscriptions.shardChannelCount }
  /** Slot of this session's last write, for WAIT (-1 before any). */
  lastWriteSlot = -1
  get inMulti (): boolean { return this.transaction.active }

  /** @internal RequestSink: one parsed request; `wire`, its bytes as received, when whole. */
  onRequest (args: Buffer[], wire: Buffer | null): void {
    if (this.ending) return
    // Metrics: the first entry this command queues carries its start time, and its name (set in handle()).
    this.tagStartedAt = this.ctx.observer === null ? 0 : this.readAt
    const queued = this.queue.length
    try {
      this.handle(args, wire)
    } catch (err) {
      this.failCommand(queued, args, err)
    }
    this.tagStartedAt = 0
    // Backpressure: with too many replies outstanding, stop taking requests (the rest of
    // this chunk waits in the parser) until the client has read some.
    if (this.queue.length >= this.ctx.maxPendingRequests) this.updateReading()
  }

  private handle (args: Buffer[], wire: Buffer | null): void {
    const plan = routeCommand(this.ctx.table, args, this.ctx.policy)
    const spec = plan.spec
    this.tagCommand = spec?.name ?? null
    if (spec !== undefined) {
      this.lastCommand = spec.name
      // After lookup and arity, as on a node: authentication, then ACL rules, then slots.
      if (!this.authenticated || this.user?.rules != null) {
        const denied = accessError(this.authenticated, this.user, spec, args)
        if (denied !== null) {
          if (this.transaction.active) this.transaction.queue(args, -1, denied)
          else this.pushReply(errorReply(denied))
          return
        }
      }
    }
    if (this.transaction.active && queueInTransaction(this.transaction, plan, args)) return
    if (this.protocol === 2 && this.subscriptions.count > 0 && !this.allowedWhileSubscribed(plan, args)) return
    if ((plan.kind === 'single' || plan.kind === 'any-node') && plan.spec.name.startsWith('evalsha')) {
      const e = new EvalShaRequest(this, args, plan.kind === 'single' ? plan.slot : -1, plan.readOnly,
        plan.kind === 'single' ? null : this.anyMaster())
      this.pushEntry(e)
      e.start()
      return
    }
    if (plan.kind !== 'reject' && (plan.spec.name === 'eval' || plan.spec.name === 'eval_ro')) this.ctx.scripts.remember(args[1])
    else if (plan.kind === 'broadcast' && plan.spec.name === 'script|load') this.ctx.scripts.remember(args[2])
    switch (plan.kind) {
      case 'single': {
        const req = new BackendRequest(args, plan.slot, plan.readOnly, this)
        req.protocol = this.protocol
        req.wire = wire
        if (plan.readOnly) req.readFrom = this.readFrom()
        else this.lastWriteSlot = plan.slot
        this.pushEntry(req)
        this.ctx.dispatcher.send(req)
        return
      }
      case 'any-node': {
        const target = this.anyMaster()
        const req = new BackendRequest(args, -1, plan.readOnly, this, target)
        req.protocol = this.protocol
        this.pushEntry(req)
        if (target === null) this.complete(req, errorReply(ReplyStrings.notReady))
        else this.ctx.dispatcher.send(req)
        return
      }
      case 'local': {
        const out = runLocalCommand(plan.name, args, this, this.ctx.info)
        if (out instanceof Promise) {
          const entry = new LocalReply(null)
          this.pushEntry(entry)
          out.then(reply => { this.complete(entry, reply) },
            (err: Error) => { this.complete(entry, errorReply(`ERR ${err.message}`)) })
        } else {
          // After QUIT (ending just set), this reply is the connection's last.
          this.pushEntry(new LocalReply(out, this.ending))
          this.markIfHeadReady()
        }
        return
      }
      case 'split': {
        const parts = splitBySlot(args, plan.keys, plan.slots, plan.spec.name === 'mset')
        const fan = new FanOutRequest(this, plan.merge, parts,
          plan.readOnly, this.protocol, plan.keys.length, plan.readOnly ? this.readFrom() : ReadFrom.master)
        this.pushEntry(fan)
        fan.start(this.ctx.dispatcher)
        return
      }
      case 'broadcast': {
        const nodes = plan.allNodes ? this.ctx.topology.nodes() : this.ctx.topology.masters()
        if (nodes.length === 0) { this.pushReply(errorReply(ReplyStrings.notReady)); return }
        const fan = new FanOutRequest(this, plan.merge, nodes.map(node => ({ args, slot: -1, node })), plan.readOnly, this.protocol)
        this.pushEntry(fan)
        fan.start(this.ctx.dispatcher)
        return
      }
      case 'scan': {
        const scan = new ScanRequest(this, args, this.ctx.topology, this.protocol)
        this.pushEntry(scan)
        scan.start(this.ctx.dispatcher)
        if (scan.reply !== null) this.markIfHeadReady()
        return
      }
      case 'blocking': {
        const b = new BlockingRequest(this, args, plan.slot)
        this.blocked.add(b)
        this.pushEntry(b)
        b.start()
        return
      }
      case 'session':
        if (plan.name.startsWith('client|')) {
          this.inCommand = true
          this.sessionCommands.client(plan.name, args, () => runClientCommand(plan.name, args, this, () => this.ctx.clients()))
          this.inCommand = false
        } else {
          this.sessionCommands.run(plan.name, args, plan.slot)
        }
        return
      case 'reject':
        this.pushReply(errorReply(plan.error))
    }
  }

  /**
   * The fault boundary of one command: whatever it queued gets the internal error, or it
   * gets one place with it, so its reply keeps its place and no other client notices.
   */
  private failCommand (queuedBefore: number, args: Buffer[], err: unknown): void {
    const name = this.ctx.table.lookup(args)?.name ?? 'unknown'
    internalErrors.record('plan', name, err)
    const reply = errorReply(ReplyStrings.internalError(name))
    if (this.queue.length === queuedBefore) { this.pushReply(reply); return }
    for (let i = queuedBefore; i < this.queue.length; i++) {
      const entry = this.queue.at(i) as QueueEntry
      if (entry.reply === null) entry.reply = reply
    }
    this.markIfHeadReady()
  }

  /** @internal RequestSink: the client broke the protocol. Answer, then close, as Redis does. */
  onProtocolError (detail: string): void {
    this.ctx.onProtocolError(detail)
    this.ending = true
    this.socket.pause()
    this.queue.push(new LocalReply(errorReply(ReplyStrings.protocolError(detail)), true))
    this.markIfHeadReady()
  }

  /** Where this session's reads go: the configured policy, or replicas after READONLY. */
  private readFrom (): ReadFrom {
    return this.readOnlyMode && this.ctx.readPolicy === ReadFrom.master ? ReadFrom.preferReplica : this.ctx.readPolicy
  }

  /** @internal LocalSession: AUTH and HELLO ... AUTH. */
  authenticate (username: string, password: Buffer): boolean {
    if (!this.ctx.auth.required) return username === 'default' // like a nopass default user
    const user = this.ctx.auth.verify(username, password)
    if (user === null) return false
    this.user = user
    this.authenticated = true
    return true
  }

  /**
   * Drain (SIGTERM): takes no new commands (later ones are dropped, never run) and ends the
   * connection once every reply already queued is written, as after QUIT.
   */
  drain (): void {
    if (this.closed || this.ending) return
    this.ending = true
    this.queue.push(new LocalReply(EMPTY_REPLY, true))
    this.markIfHeadReady()
  }

  /** @internal LocalSession: QUIT — the reply being made is the last one. */
  closeAfterReply (): void {
    this.ending = true
    this.socket.pause()
  }

  /** @internal RequestOwner: a command's (or a fan-out's) reply is ready. */
  onRequestDone (entry: QueueEntry): void {
    if (entry instanceof BlockingRequest) this.blocked.delete(entry)
    if (!this.closed) this.markIfHeadReady()
  }

  /** @internal SessionPort */
  pushReply (reply: Buffer): void {
    this.pushEntry(new LocalReply(reply, this.killAfterReply))
    this.killAfterReply = false
    this.markIfHeadReady()
  }

  /** @internal SessionPort */
  pushEntry (entry: QueueEntry): void {
    if (this.tagStartedAt !== 0) {
      entry.command = this.tagCommand
      entry.startedAt = this.tagStartedAt
      this.tagStartedAt = 0
    }
    this.queue.push(entry)
    if (this.replyMode !== 'on') {
      this.suppressed ??= new WeakSet()
      this.suppressed.add(entry)
      if (this.replyMode === 'skip') this.replyMode = 'on'
    }
  }

  /** @internal SessionPort */
  linkOptions (extra: Partial<LinkOptions> = {}): LinkOptions {
    return { ...this.ctx.linkDefaults, protocol: this.protocol, readOnly: false, ...extra }
  }

  /** @internal SessionPort: keyless work goes to a master picked by client id, spreading load. */
  anyMaster (): NodeAddress | null {
    const masters = this.ctx.topology.masters()
    return masters.length > 0 ? masters[this.id % masters.length] : null
  }

  /** @internal Flushable: writes every finished reply at the head of the queue, in order. */
  flush (): void {
    if (this.closed) return
    const out: Buffer[] = []
    let end = false
    let sent = 0
    let now = 0
    for (let head = this.queue.peek(); head !== undefined && head.reply !== null; head = this.queue.peek()) {
      this.queue.shift()
      if (head.command !== undefined && this.ctx.observer !== null) this.ctx.observer.commandDone(head as ObservedCommand, now === 0 ? (now = performance.now()) : now)
      if (this.suppressed === null || !this.suppressed.has(head)) { out.push(head.reply); sent += head.reply.length }
      if (head instanceof LocalReply && head.closeAfter) { end = true; break }
    }
    traffic.clientSentBytes += sent
    if (out.length === 1) {
      this.socket.write(out[0])
    } else if (out.length > 1 && sent <= COALESCE_BYTES) {
      // One write of a copy is cheaper than one stream write per reply (pipelined clients).
      this.socket.write(Buffer.concat(out, sent))
    } else if (out.length > 1) {
      this.socket.cork()
      for (const b of out) this.socket.write(b)
      this.socket.uncork()
    }
    if (end) {
      // Redis closes after writing the last reply. destroySoon() ends the socket once the
      // write is flushed, even though reading is paused and the peer's FIN is never read.
      this.socket.destroySoon()
      this.close()
      return
    }
    // A client that reads slower than its replies arrive is cut off at its output limit, as
    // Redis does (client-output-buffer-limit): its backlog must not grow our memory.
    const limit = this.subscriptions.count > 0 ? this.ctx.outputLimits.pubsub : this.ctx.outputLimits.normal
    if (this.outputLimit.exceeded(limit, this.socket.writableLength)) {
      this.close()
      return
    }
    this.updateReading()
  }

  /**
   * Reads from the client only while it keeps up: paused while its unsent replies exceed the
   * socket's high-water mark or too many requests are unanswered, resumed when both drop.
   */
  private updateReading (): void {
    if (this.closed || this.ending) return
    const behind = this.socket.writableNeedDrain || this.queue.length >= this.ctx.maxPendingRequests
    if (behind && !this.paused) {
      this.paused = true
      this.socket.pause()
      this.parser.pause()
    } else if (!behind && this.paused && this.queue.length <= this.ctx.maxPendingRequests / 2) {
      this.paused = false
      this.socket.resume()
      this.parser.resume()
    }
  }

  /** @internal ClientView: CLIENT KILL; a client killing itself gets its reply first, as from Redis. */
  kill (): void {
    if (this.inCommand) {
      this.killAfterReply = true
      this.closeAfterReply()
    } else {
      this.close()
    }
  }

  /** True while this session's own command runs (so CLIENT KILL of itself can answer first). */
  private inCommand = false
  private killAfterReply = false

  /** RESET: back to a fresh connection's state. */
  resetState (): void {
    this.transaction.reset()
    this.subscriptions.reset()
    this.name = null
    this.protocol = 2
    this.readOnlyMode = false
    this.replyMode = 'on'
    // RESET logs the client out when authentication is required, as Redis does.
    this.authenticated = !this.ctx.auth.required
    this.user = null
  }

  /** Forgets the client: queued and future replies are dropped, waiting commands cancelled. */
  close (): void {
    if (this.closed) return
    this.closed = true
    this.queue.drain()
    for (const b of this.blocked) b.abandon()
    this.blocked.clear()
    this.transaction.reset()
    this.subscriptions.close()
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.destroy()
    this.onClosed(this)
  }

  /** RESP2 subscribed mode allows only (P|S)(UN)SUBSCRIBE, PING, QUIT and RESET, as Redis. */
  private allowedWhileSubscribed (plan: RoutePlan, args: Buffer[]): boolean {
    // Unknown commands, arity and CROSSSLOT are checked first, as on a node.
    if (plan.kind === 'reject') return true
    if (plan.kind === 'session' && (plan.name.includes('subscribe') || plan.name === 'reset')) return true
    if (plan.kind === 'local' && plan.name === 'quit') return true
    if (plan.kind === 'local' && plan.name === 'ping') { this.subscriptions.ping(args); return false }
    this.pushReply(errorReply(ReplyStrings.subscribedContext(plan.spec.name)))
    return false
  }

  private complete (entry: QueueEntry, reply: Buffer): void {
    entry.reply = reply
    if (!this.closed) this.markIfHeadReady()
  }

  private markIfHeadReady (): void {
    const head = this.queue.peek()
    if (head !== undefined && head.reply !== null) tickBatcher.mark(this)
  }
}
