import net from 'node:net'
import type tls from 'node:tls'
import { nodeTls } from '../util/lazy-builtins.js'
import { errorReply } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import { ClientSession } from '../session/client-session.js'
import type { SessionContext } from '../session/session-context.js'
import type { SessionView } from '../session/session-view.js'
import { listenOn } from './listen.js'

/** Listener settings. */
export interface RespServerOptions {
  port: number
  bind: string
  maxClients: number
  /** Close clients idle this long (0: never); subscribers and blocked clients are exempt. */
  idleTimeoutMs: number
  /** TCP keepalive delay on client sockets (0: off). */
  keepAliveMs: number
  /** Client-facing TLS (certificate, key, CA, client-certificate verification); absent: plain TCP. */
  tls?: tls.TlsOptions
}

const MAX_CLIENTS_REPLY = errorReply(ReplyStrings.maxClients)

/**
 * The client-facing RESP listener: accepts connections up to maxClients (beyond it, Redis'
 * own error and a close) and gives each one a session.
 */
export class RespServer {
  private readonly server: net.Server
  private idleTimer: NodeJS.Timeout | null = null
  private readonly live = new Set<ClientSession>()
  /** Connections accepted since start, and refused for maxClients. */
  accepted = 0
  rejected = 0

  constructor (private readonly options: RespServerOptions, private readonly ctx: SessionContext) {
    this.server = options.tls !== undefined
      ? nodeTls().createServer(options.tls, socket => { this.onConnection(socket) })
      : net.createServer(socket => { this.onConnection(socket) })
    if (options.tls !== undefined) {
      // A failed handshake concerns that client only.
      this.server.on('tlsClientError', (_err, socket) => { socket.destroy() })
    }
    if (options.idleTimeoutMs > 0) {
      this.idleTimer = setInterval(() => { this.closeIdle() }, Math.min(1000, options.idleTimeoutMs))
      this.idleTimer.unref()
    }
  }

  /**
   * Swaps the certificate, key and CA that new TLS connections get (a renewed certificate);
   * established connections keep theirs. Throws, changing nothing, when they do not load
   * together (e.g. a key that does not match the certificate).
   */
  reloadTls (files: Pick<tls.SecureContextOptions, 'cert' | 'key' | 'ca'>): void {
    if (this.options.tls === undefined || !(this.server instanceof nodeTls().Server)) throw new Error('the client listener does not speak TLS')
    this.server.setSecureContext({ ...this.options.tls, ...files })
  }

  /** Connected clients now. */
  get clientCount (): number { return this.live.size }

  /** Starts listening; resolves with the bound port. */
  async listen (): Promise<number> {
    return await listenOn(this.server, this.options.port, this.options.bind)
  }

  /** Stops accepting new clients (existing ones go on). */
  async stopAccepting (): Promise<void> {
    if (this.idleTimer !== null) clearInterval(this.idleTimer)
    await new Promise<void>(resolve => { this.server.close(() => { resolve() }) })
  }

  /** Every connected session. */
  sessions (): Iterable<ClientSession> {
    return this.live.values()
  }

  /** Every connected client as CLIENT LIST sees it. */
  * views (): Iterable<SessionView> {
    for (const s of this.live) yield s.view
  }

  /** Closes every client connection. */
  closeAll (): void {
    for (const s of [...this.live]) s.close()
  }

  /** Redis' `timeout`: idle clients go, except subscribers, monitors and clients waiting on a reply. */
  private closeIdle (): void {
    // Same clock as lastActiveAt (monotonic, so a wall-clock step cannot close everyone).
    const limit = performance.timeOrigin + performance.now() - this.options.idleTimeoutMs
    for (const s of [...this.live]) {
      if (s.lastActiveAt < limit && s.subscriptionCount === 0 && s.pendingReplies === 0 && s.client.monitor?.active !== true) s.close()
    }
  }

  private onConnection (socket: net.Socket): void {
    if (this.live.size >= this.options.maxClients) {
      this.rejected++
      socket.on('error', () => { socket.destroy() })
      socket.end(MAX_CLIENTS_REPLY)
      return
    }
    this.accepted++
    if (this.options.keepAliveMs > 0) socket.setKeepAlive(true, this.options.keepAliveMs)
    const session = new ClientSession(socket, this.ctx, s => { this.live.delete(s) })
    this.live.add(session)
  }
}
