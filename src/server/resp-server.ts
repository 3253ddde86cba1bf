import net from 'node:net'
import { errorReply } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import { ClientSession, type SessionContext } from '../session/client-session.js'

/** Listener settings. */
export interface RespServerOptions {
  port: number
  bind: string
  maxClients: number
}

const MAX_CLIENTS_REPLY = errorReply(ReplyStrings.maxClients)

/**
 * The client-facing RESP listener: accepts connections up to maxClients (beyond it, Redis'
 * own error and a close) and gives each one a session.
 */
export class RespServer {
  private readonly server: net.Server
  private readonly live = new Set<ClientSession>()
  /** Connections accepted since start, and refused for maxClients. */
  accepted = 0
  rejected = 0

  constructor (private readonly options: RespServerOptions, private readonly ctx: SessionContext) {
    this.server = net.createServer(socket => { this.onConnection(socket) })
  }

  /** Connected clients now. */
  get clientCount (): number { return this.live.size }

  /** Starts listening; resolves with the bound port. */
  async listen (): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.options.port, this.options.bind, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    return (this.server.address() as net.AddressInfo).port
  }

  /** Stops accepting new clients (existing ones go on). */
  async stopAccepting (): Promise<void> {
    await new Promise<void>(resolve => { this.server.close(() => { resolve() }) })
  }

  /** Every connected session. */
  sessions (): Iterable<ClientSession> {
    return this.live.values()
  }

  /** Sessions with nothing outstanding. */
  idleSessions (): ClientSession[] {
    return [...this.live].filter(s => s.pendingReplies === 0)
  }

  /** Closes every client connection. */
  closeAll (): void {
    for (const s of [...this.live]) s.close()
  }

  private onConnection (socket: net.Socket): void {
    if (this.live.size >= this.options.maxClients) {
      this.rejected++
      socket.on('error', () => { socket.destroy() })
      socket.end(MAX_CLIENTS_REPLY)
      return
    }
    this.accepted++
    const session = new ClientSession(socket, this.ctx, s => { this.live.delete(s) })
    this.live.add(session)
  }
}
