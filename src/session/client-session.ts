import type net from 'node:net'
import { routeCommand } from '../commands/router.js'
import { ClientState } from '../exec/client-state.js'
import { execute, needsFence } from '../exec/execute.js'
import { internalFailure } from '../exec/internal-failure.js'
import { LocalReply, type QueueEntry, type ReplySink } from '../exec/queue-entry.js'
import { clientEvents } from '../metrics/client-events.js'
import type { ObservedCommand } from '../metrics/observers.js'
import { traffic } from '../metrics/traffic.js'
import { errorReply } from '../resp/encode.js'
import { RequestParser, type RequestSink } from '../resp/request-parser.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import { RingQueue } from '../util/ring-queue.js'
import { tickBatcher, type Flushable } from '../util/tick-batcher.js'
import { refusal } from './access-gate.js'
import { OrderingFence, type FenceHost, type ParkedCommand } from './ordering-fence.js'
import { OutputLimit } from './output-limit.js'
import { SessionView, type SessionFacts } from './session-view.js'
import { PendingBytes, requestBytes } from './pending-bytes.js'
import type { SessionContext } from './session-context.js'
import { writeReplies } from './write-replies.js'

const EMPTY_REPLY = Buffer.alloc(0)

/**
 * One client connection: the parse loop, the reply queue, and the client's state. Each
 * request is routed to a plan (commands/), checked against the client's access (access/),
 * and handed to the execution layer (exec/), which delivers exactly one entry into this
 * queue. Replies from different nodes arrive in any order, but a client that pipelines
 * expects them in the order it asked (RESP's only ordering rule): completed replies at the
 * head of the queue leave in one write per event-loop turn.
 */
export class ClientSession implements RequestSink, ReplySink, Flushable, SessionFacts, FenceHost {
  private static nextId = 1
  readonly id = ClientSession.nextId++
  /** ReplySink.lane: this client's commands share one of a node's links, in order. */
  get lane (): number { return this.id }
  flushQueued = false
  closed = false
  readonly createdAt = Date.now()
  /** When the client last sent bytes, in Date.now() terms (from the monotonic read time: one clock read per chunk). */
  get lastActiveAt (): number { return performance.timeOrigin + this.readAt }
  readonly remoteAddress: string
  readonly localAddress: string
  readonly client: ClientState
  /** This client as CLIENT LIST / INFO / KILL see it. */
  readonly view: SessionView
  private readonly queue = new RingQueue<QueueEntry>(16)
  private readonly pending = new PendingBytes()
  private readonly parser: RequestParser
  /** Entries whose reply CLIENT REPLY OFF/SKIP suppresses. */
  private suppressed: WeakSet<QueueEntry> | null = null
  /** No more requests are read: QUIT or a protocol error; the socket ends after the last reply. */
  private ending = false
  /** performance.now() of the last socket read: the start time of every request it held. */
  private readAt = performance.now()
  private tagCommand: string | null = null
  private tagStartedAt = 0
  /** Reading the socket is paused (backpressure); see updateReading(). */
  private paused = false
  private readonly outputLimit = new OutputLimit()
  /** True while this session's own command runs (so CLIENT KILL of itself can answer first). */
  private inCommand = false
  private readonly fence = new OrderingFence(this)

  constructor (
    private readonly socket: net.Socket,
    readonly ctx: SessionContext,
    private readonly onClosed: (session: ClientSession) => void
  ) {
    this.parser = new RequestParser(this, ctx.limits)
    this.view = new SessionView(this, socket, this.parser)
    this.client = new ClientState(this.id, ctx, this, this.view)
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`
    this.localAddress = `${socket.localAddress ?? '?'}:${socket.localPort ?? 0}`
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => { traffic.clientReceivedBytes += chunk.length; this.readAt = performance.now(); this.parser.feed(chunk) })
    socket.on('drain', () => { this.updateReading() })
    socket.on('error', () => { this.close() }) // a client's socket error concerns only that client
    socket.on('close', () => { this.close() })
  }

  /** Subscriptions held (idle clients with some are not closed). */
  get subscriptionCount (): number { return this.client.subscriptions.count }
  /** Commands received and not yet answered, and their request bytes. */
  get pendingReplies (): number { return this.queue.length }
  get pendingRequestBytes (): number { return this.pending.total }

  /** @internal RequestSink: one parsed request; `wire`, its bytes as received, when whole. */
  onRequest (args: Buffer[], wire: Buffer | null): void {
    if (this.ending) return
    // Metrics: the first entry this command queues carries its start time, and its name.
    this.run(args, wire, this.ctx.observer === null ? 0 : this.readAt, wire !== null ? wire.length : requestBytes(args))
    // Backpressure: with too many replies (or request bytes) outstanding, stop taking
    // requests (the rest of this chunk waits in the parser) until the client has read some.
    if (this.queue.length >= this.ctx.maxPendingRequests || this.pending.total >= this.ctx.maxPendingRequestBytes) this.updateReading()
  }

  /** One command, inside the client's fault boundary. */
  private run (args: Buffer[], wire: Buffer | null, startedAt: number, bytes: number): void {
    this.tagStartedAt = startedAt
    this.pending.begin(bytes)
    const queued = this.queue.length
    this.inCommand = true
    try {
      this.handle(args, wire)
    } catch (err) {
      this.failCommand(queued, args, err)
    }
    this.inCommand = false
    this.tagStartedAt = 0
    // A command that queued nothing (CLIENT REPLY OFF) or was parked holds no bytes here.
    this.fence.setBytes(this.pending.end())
    if (this.client.quitting) this.closeAfterReply()
    this.markIfHeadReady()
  }

  private handle (args: Buffer[], wire: Buffer | null): void {
    const plan = routeCommand(this.ctx.table, args, this.ctx.policy)
    if (!this.fence.holding && needsFence(plan, this.client) && this.hasUnanswered()) {
      // Started only once every earlier command is answered; nothing after it is read meanwhile.
      this.fence.park({ args, wire, startedAt: this.tagStartedAt, bytes: -1 })
      return
    }
    const spec = plan.spec
    this.tagCommand = spec?.name ?? null
    const client = this.client
    if (spec !== undefined) {
      client.lastCommand = spec.name
      // After lookup and arity, as on a node: authentication, then ACL rules, then slots.
      const refused = refusal(client, plan, spec, args, this.ctx.policy, this.remoteAddress)
      if (refused !== null) { this.push(refused); return }
    }
    execute(plan, args, wire, client)
  }

  /**
   * The fault boundary of one command: whatever it queued gets the internal error, or it
   * gets one place with it, so its reply keeps its place and no other client notices.
   */
  private failCommand (queuedBefore: number, args: Buffer[], err: unknown): void {
    const name = this.ctx.table.lookup(args)?.name ?? 'unknown'
    const reply = internalFailure('plan', name, err)
    if (this.queue.length === queuedBefore) { this.push(new LocalReply(reply)); return }
    for (let i = queuedBefore; i < this.queue.length; i++) {
      const entry = this.queue.at(i) as QueueEntry
      if (entry.reply === null) entry.reply = reply
    }
  }

  /** @internal RequestSink: the client broke the protocol. Answer, then close, as Redis does. */
  onProtocolError (detail: string): void {
    this.ctx.onProtocolError(detail)
    this.ending = true
    this.socket.pause()
    this.enqueue(new LocalReply(errorReply(ReplyStrings.protocolError(detail)), true))
    this.markIfHeadReady()
  }

  /** Drain (SIGTERM): no new commands (later ones are dropped, never run); ends after the replies queued, as after QUIT. */
  drain (): void {
    if (this.closed || this.ending) return
    this.ending = true
    this.enqueue(new LocalReply(EMPTY_REPLY, true))
    this.markIfHeadReady()
  }

  /** QUIT, CLIENT KILL of itself: the reply just queued is the connection's last. */
  private closeAfterReply (): void {
    this.ending = true
    this.socket.pause()
    const last = this.queue.at(this.queue.length - 1)
    if (last !== undefined) last.closeAfter = true
  }

  /** @internal ReplySink: a command's (or a fan-out's) reply is ready. */
  onRequestDone (_entry: QueueEntry): void {
    if (this.closed) return
    this.markIfHeadReady()
    this.fence.onAnswer()
  }

  /** @internal FenceHost: true while some command in the queue has no reply yet. */
  hasUnanswered (): boolean {
    for (let i = 0; i < this.queue.length; i++) if ((this.queue.at(i) as QueueEntry).reply === null) return true
    return false
  }

  /** @internal FenceHost */
  runParked (c: ParkedCommand): void { this.run(c.args, c.wire, c.startedAt, c.bytes) }
  pauseParsing (): void { this.parser.pause() }
  resumeParsing (): void { if (!this.paused) this.parser.resume() }

  /** @internal ReplySink */
  push (entry: QueueEntry): void {
    if (this.tagStartedAt !== 0) {
      entry.command = this.tagCommand
      entry.startedAt = this.tagStartedAt
      this.tagStartedAt = 0
    }
    this.enqueue(entry)
    if (this.client.replyMode !== 'on') {
      this.suppressed ??= new WeakSet()
      if (entry.push !== true) this.suppressed.add(entry)
      if (this.client.replyMode === 'skip') this.client.replyMode = 'on'
    }
    if (!this.inCommand) this.markIfHeadReady()
  }

  /** @internal ReplySink: a Pub/Sub message, in arrival order among the replies. */
  pushMessage (frame: Buffer): void {
    this.enqueue(new LocalReply(frame))
    this.markIfHeadReady()
  }

  /** Appends to the reply queue; the entry takes the bytes of the command being run, if first. */
  private enqueue (entry: QueueEntry): void {
    this.queue.push(entry)
    this.pending.enqueued()
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
      this.pending.written()
      if (head.command !== undefined && this.ctx.observer !== null) this.ctx.observer.commandDone(head as ObservedCommand, now === 0 ? (now = performance.now()) : now)
      if (this.suppressed === null || !this.suppressed.has(head)) { out.push(head.reply); sent += head.reply.length }
      if (head.closeAfter === true) { end = true; break }
    }
    traffic.clientSentBytes += sent
    writeReplies(this.socket, out, sent)
    if (end) {
      // Redis closes after writing the last reply. destroySoon() ends the socket once the
      // write is flushed, even though reading is paused and the peer's FIN is never read.
      this.socket.destroySoon()
      this.close()
      return
    }
    // A client that reads slower than its replies arrive is cut off at its output limit, as
    // Redis does (client-output-buffer-limit): its backlog must not grow our memory.
    const limit = this.client.subscriptions.count > 0 ? 'pubsub' : 'normal'
    if (this.outputLimit.exceeded(this.ctx.outputLimits[limit], this.socket.writableLength)) {
      clientEvents.outputLimitDisconnect(limit, this.remoteAddress, this.socket.writableLength)
      this.close()
      return
    }
    this.updateReading()
  }

  /** Reads from the client only while it keeps up (socket high-water mark, unanswered requests and bytes; resumed at half). */
  private updateReading (): void {
    if (this.closed || this.ending) return
    const { maxPendingRequests: maxCount, maxPendingRequestBytes: maxBytes } = this.ctx
    const behind = this.socket.writableNeedDrain || this.queue.length >= maxCount || this.pending.total >= maxBytes
    if (behind && !this.paused) {
      this.paused = true
      this.socket.pause()
      this.parser.pause()
    } else if (!behind && this.paused && this.queue.length <= maxCount / 2 && this.pending.total <= maxBytes / 2) {
      this.paused = false
      this.socket.resume()
      if (!this.fence.holding) this.parser.resume()
    }
  }

  /** CLIENT KILL; a client killing itself gets its reply first, as from Redis. */
  kill (): void {
    if (this.inCommand) this.client.quitting = true
    else this.close()
  }

  /** Forgets the client: queued and future replies are dropped, waiting commands cancelled. */
  close (): void {
    if (this.closed) return
    this.closed = true
    this.queue.drain()
    this.pending.clear()
    this.client.close()
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.destroy()
    this.onClosed(this)
  }

  private markIfHeadReady (): void {
    const head = this.queue.peek()
    if (head !== undefined && head.reply !== null) tickBatcher.mark(this)
  }
}
