import net from 'node:net'
import type tls from 'node:tls'
import { nodeTls } from '../util/lazy-builtins.js'
import type { BackendRequest } from './backend-request.js'
import type { NodeAddress } from './node-address.js'
import { parseNodeAddress } from './node-address.js'
import { ReplyFramer, type ReplySink } from '../resp/reply-framer.js'
import { RequestEncoder } from '../resp/encode-request.js'
import { encodeCommand } from '../resp/encode.js'
import { RingQueue } from '../util/ring-queue.js'
import { tickBatcher, type Flushable } from '../util/tick-batcher.js'
import { traffic } from '../metrics/traffic.js'

/** What a link reports to whoever routes requests (the dispatcher). */
export interface LinkListener {
  /** A reply for `req` arrived (any reply, errors and redirects included). */
  onLinkReply (link: NodeLink, req: BackendRequest, reply: Buffer): void
  /**
   * The link is gone. `unwritten` never reached the node (safe to send anywhere);
   * `inFlight` were written and not answered (their outcome is unknown).
   */
  onLinkDown (link: NodeLink, unwritten: BackendRequest[], inFlight: BackendRequest[], reason: string): void
  /** The handshake finished; the link carries requests. */
  onLinkUp (link: NodeLink): void
  /**
   * A frame that answers no request: a RESP3 push (`>`), or, on a passthrough link, every
   * frame (a RESP2 subscriber connection, where messages and confirmations are unsolicited).
   */
  onLinkPush? (link: NodeLink, frame: Buffer): void
}

/** How a link introduces itself to its node. */
export interface LinkOptions {
  connectTimeoutMs: number
  /** RESP protocol the link speaks; 3 sends `HELLO 3` first so RESP3 replies pass through. */
  protocol: 2 | 3
  /** Sends READONLY so a replica serves reads. */
  readOnly: boolean
  username?: string
  password?: string
  /**
   * Every frame after the handshake goes to onLinkPush, none is matched to a request: for
   * RESP2 Pub/Sub, where one SUBSCRIBE of n channels gets n frames and messages come unasked.
   */
  passthrough?: boolean
  /** Asks the node for this connection's id at handshake (see clientId). */
  learnClientId?: boolean
  /** TLS to the node (CA, client certificate, servername); absent: plain TCP. */
  tls?: tls.ConnectionOptions
}

type LinkState = 'connecting' | 'ready' | 'closed'

/** Marks handshake and ASKING entries in the FIFO: their replies are consumed here. */
interface InternalEntry { internal: true, expectOk: boolean, what: string, capture?: (reply: Buffer) => void }
const ASKING: InternalEntry = { internal: true, expectOk: false, what: 'ASKING' }
const ASKING_BYTES = encodeCommand(['ASKING'])

/**
 * One multiplexed TCP connection to one node. Requests from many clients share it: they are
 * written in order, coalesced once per event-loop turn, and replies are matched back by
 * position (Redis answers each connection strictly in order). Replies are framed, never
 * decoded, and handed to the listener as raw slices.
 */
export class NodeLink implements Flushable, ReplySink {
  flushQueued = false
  /** performance.now() when the last socket read began: when the replies it holds arrived (metrics). */
  readAt = 0
  private state: LinkState = 'connecting'
  private readonly socket: net.Socket
  private readonly framer = new ReplyFramer(this)
  private readonly encoder = new RequestEncoder()
  /** Written, awaiting replies, in order. */
  private readonly inFlight = new RingQueue<BackendRequest | InternalEntry>(64)
  /** Accepted but not yet written (this turn's batch, or everything while connecting). */
  private outbox: BackendRequest[] = []
  private connectTimer: NodeJS.Timeout | null = null

  constructor (
    readonly address: NodeAddress,
    private readonly options: LinkOptions,
    private readonly listener: LinkListener
  ) {
    const target = parseNodeAddress(address)
    this.socket = options.tls !== undefined && target !== null
      ? nodeTls().connect({ servername: net.isIP(target.host) === 0 ? target.host : undefined, ...options.tls, host: target.host, port: target.port })
      : new net.Socket()
    this.socket.setNoDelay(true) // essential: without it pipelined throughput collapses (Nagle + delayed ACK)
    this.socket.setKeepAlive(true, 10_000)
    this.socket.on(options.tls !== undefined ? 'secureConnect' : 'connect', () => { this.onConnect() })
    this.socket.on('data', (chunk: Buffer) => { traffic.backendReceivedBytes += chunk.length; this.readAt = performance.now(); this.framer.feed(chunk) })
    this.socket.on('error', (err: Error) => { this.close(`${err.message}`) })
    this.socket.on('close', () => { this.close('connection closed by node') })
    // Covers the handshake too: a stopped process's kernel still accepts TCP, and only the
    // unanswered HELLO/AUTH/READONLY would show it.
    this.connectTimer = setTimeout(() => { this.close(`no connection and handshake within ${options.connectTimeoutMs} ms`) }, options.connectTimeoutMs)
    if (target === null) {
      queueMicrotask(() => { this.close(`invalid node address ${address}`) })
    } else if (options.tls === undefined) {
      this.socket.connect(target.port, target.host)
    }
  }

  /** True once the handshake is done and until the link closes. */
  get ready (): boolean { return this.state === 'ready' }
  /** True once closed for good; a closed link is replaced, never reopened. */
  get closed (): boolean { return this.state === 'closed' }
  /** RESP version spoken on this link. */
  get protocol (): 2 | 3 { return this.options.protocol }
  /** Requests accepted and not yet answered. */
  get pendingCount (): number { return this.inFlight.length + this.outbox.length }

  /** The oldest request written and not answered (for the backend timeout), or null. */
  oldestInFlight (): BackendRequest | null {
    for (let i = 0; i < this.inFlight.length; i++) {
      const e = this.inFlight.at(i) as BackendRequest | InternalEntry
      if (!('internal' in e)) return e
    }
    return null
  }

  /**
   * The node left the cluster: no new requests come (the topology no longer routes here);
   * those in flight get their replies, then the link closes (or after `graceMs`, whatever
   * is still unanswered is reported lost).
   */
  retire (graceMs: number): void {
    if (this.state === 'closed' || this.retiring) return
    this.retiring = true
    if (this.pendingCount === 0) { this.close('node left the cluster'); return }
    setTimeout(() => { this.close('node left the cluster (its replies did not come in time)') }, graceMs).unref()
  }

  /** True once retire() was called. */
  retiring = false

  /**
   * Encodes `req` into this turn's batch now (a request that cannot be encoded throws here,
   * in its own client's call, and never reaches the batch other clients share) and writes it
   * at the end of the event-loop turn.
   */
  send (req: BackendRequest): void {
    if (req.wire === null) RequestEncoder.check(req.args)
    if (req.askNode !== null) {
      this.encoder.pushRaw(ASKING_BYTES)
      req.askNode = null
      req.asking = true
    }
    if (req.wire !== null) this.encoder.pushRaw(req.wire)
    else this.encoder.push(req.args)
    this.outbox.push(req)
    if (this.state === 'ready') tickBatcher.mark(this)
  }

  /** Writes everything queued this turn in one syscall. */
  flush (): void {
    if (this.state !== 'ready' || this.outbox.length === 0) return
    const batch = this.outbox
    this.outbox = []
    const now = performance.now()
    for (let i = 0; i < batch.length; i++) {
      const req = batch[i]
      if (req.asking) {
        this.inFlight.push(ASKING)
        req.asking = false
      }
      req.sentAt = now
      req.node = this.address
      req.replies = null
      if (this.options.passthrough !== true) this.inFlight.push(req)
    }
    if (this.encoder.size === 0) return
    traffic.backendSentBytes += this.encoder.size
    const parts = this.encoder.take()
    if (parts.length === 1) {
      this.socket.write(parts[0])
    } else {
      this.socket.cork()
      for (const p of parts) this.socket.write(p)
      this.socket.uncork()
    }
  }

  /** @internal ReplySink */
  onReply (reply: Buffer): void {
    // RESP3 pushes answer nothing; on a passthrough link nothing after the handshake does.
    if (reply[0] === 0x3e || (this.options.passthrough === true && this.state === 'ready')) {
      this.listener.onLinkPush?.(this, reply)
      return
    }
    const entry = this.inFlight.peek()
    if (entry === undefined) {
      this.close('reply without a request (stream out of sync)')
      return
    }
    if (!('internal' in entry) && entry.replyCount > 1) {
      // A block (MULTI ... EXEC) answers with one reply per command: gather them all.
      const got = (entry.replies ??= [])
      got.push(reply)
      if (got.length < entry.replyCount) return
    }
    this.inFlight.shift()
    if ('internal' in entry) {
      entry.capture?.(reply)
      if (entry.expectOk && reply[0] === 0x2d) {
        this.close(`${entry.what} failed: ${reply.toString('latin1').trim()}`)
      } else if (entry.expectOk && this.inFlight.length === 0 && this.state === 'connecting') {
        this.becomeReady()
      }
      return
    }
    this.listener.onLinkReply(this, entry, reply)
    if (this.retiring && this.pendingCount === 0) this.close('node left the cluster')
  }

  /** @internal ReplySink */
  onFramingError (detail: string): void {
    this.close(`unparseable reply from node: ${detail}`)
  }

  /** The node's id of this connection, when learnt at handshake (LinkOptions.learnClientId). */
  clientId: number | null = null

  /** Set when the link was closed because its node stopped answering (not a clean loss). */
  timedOut = false

  /** performance.now() when the handshake finished; 0 while it never did. */
  upAt = 0

  /** Closes the link and hands every pending request back to the listener. */
  close (reason: string): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    if (this.connectTimer !== null) clearTimeout(this.connectTimer)
    this.connectTimer = null
    this.socket.destroy()
    this.framer.reset()
    const inFlight: BackendRequest[] = []
    for (let e = this.inFlight.shift(); e !== undefined; e = this.inFlight.shift()) {
      if (!('internal' in e)) inFlight.push(e)
    }
    const unwritten = this.outbox
    this.outbox = []
    this.encoder.take() // their bytes: never written, and they may be routed elsewhere
    for (const req of unwritten) req.asking = false
    this.listener.onLinkDown(this, unwritten, inFlight, reason)
  }

  private onConnect (): void {
    if (this.state !== 'connecting') return
    const handshake: Buffer[] = []
    const { protocol, username, password, readOnly } = this.options
    if (protocol === 3) {
      handshake.push(encodeCommand(password ? ['HELLO', '3', 'AUTH', username || 'default', password] : ['HELLO', '3']))
      this.inFlight.push({ internal: true, expectOk: true, what: 'HELLO 3' })
    } else if (password) {
      handshake.push(encodeCommand(username ? ['AUTH', username, password] : ['AUTH', password]))
      this.inFlight.push({ internal: true, expectOk: true, what: 'AUTH' })
    }
    if (readOnly) {
      handshake.push(encodeCommand(['READONLY']))
      this.inFlight.push({ internal: true, expectOk: true, what: 'READONLY' })
    }
    if (this.options.learnClientId === true) {
      // The node's id for this connection: CLIENT UNBLOCK can then end a wait on it cleanly.
      handshake.push(encodeCommand(['CLIENT', 'ID']))
      this.inFlight.push({ internal: true, expectOk: true, what: 'CLIENT ID', capture: reply => { this.clientId = reply[0] === 0x3a ? Number(reply.toString('latin1', 1, reply.length - 2)) : null } })
    }
    if (handshake.length === 0) {
      this.becomeReady()
      return
    }
    this.socket.write(Buffer.concat(handshake))
  }

  private becomeReady (): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer)
    this.connectTimer = null
    this.state = 'ready'
    this.upAt = performance.now()
    this.listener.onLinkUp(this)
    if (this.outbox.length > 0) tickBatcher.mark(this)
  }
}
