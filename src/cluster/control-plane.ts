import { Redis } from 'ioredis'
import type { NodeAddress } from './node-address.js'
import { parseNodeAddress } from './node-address.js'

/** Credentials and timeouts for control connections. */
export interface ControlOptions {
  connectTimeoutMs: number
  commandTimeoutMs: number
  username?: string
  password?: string
  tls?: import('node:tls').ConnectionOptions
}

/**
 * Control-plane queries to single nodes (CLUSTER NODES, COMMAND, CONFIG GET) over ioredis:
 * not the hot path, so a full client with its own auth/TLS handling is the right tool. One
 * lazily opened connection per node, without retries or an offline queue: a node that
 * does not answer now is simply skipped by the caller.
 */
export class ControlPlane {
  private readonly clients = new Map<NodeAddress, Redis>()
  /** The last connection error per node: ioredis reports only "Connection is closed" to commands. */
  private readonly lastErrors = new Map<NodeAddress, string>()

  constructor (private readonly options: ControlOptions) {}

  /** Runs one command on `node`; rejects on any error or timeout. */
  async call (node: NodeAddress, command: string, ...args: (string | number)[]): Promise<unknown> {
    const client = this.clientFor(node)
    try {
      return await client.call(command, ...args)
    } catch (err) {
      const cause = this.lastErrors.get(node)
      throw new Error(cause !== undefined ? `${(err as Error).message} (${cause})` : (err as Error).message)
    }
  }

  /** Closes every control connection. */
  close (): void {
    for (const c of this.clients.values()) c.disconnect()
    this.clients.clear()
  }

  /** Closes the connections to nodes not in `keep`. */
  retain (keep: ReadonlySet<NodeAddress>): void {
    for (const [node, c] of this.clients) {
      if (!keep.has(node)) { c.disconnect(); this.clients.delete(node) }
    }
  }

  private clientFor (node: NodeAddress): Redis {
    const existing = this.clients.get(node)
    if (existing !== undefined && existing.status !== 'end' && existing.status !== 'close') return existing
    existing?.disconnect()
    const target = parseNodeAddress(node)
    if (target === null) throw new Error(`invalid node address ${node}`)
    const client = new Redis({
      host: target.host,
      port: target.port,
      username: this.options.username || undefined,
      password: this.options.password || undefined,
      tls: this.options.tls,
      connectTimeout: this.options.connectTimeoutMs,
      commandTimeout: this.options.commandTimeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: true,
      enableReadyCheck: false,
      lazyConnect: false,
      retryStrategy: () => null,
      connectionName: 'slotgate-control',
      // RESP2 and no CLIENT SETINFO: one round trip less at connect, and a frozen node costs
      // one timeout instead of a handshake's several.
      protocol: 2,
      disableClientInfo: true
    })
    // Errors surface through the rejected command; the event only needs a listener so an
    // unreachable node is not reported as an unhandled 'error' event.
    client.on('error', (err: Error) => {
      this.lastErrors.set(node, err.message)
      client.disconnect()
    })
    client.on('ready', () => { this.lastErrors.delete(node) })
    this.clients.set(node, client)
    return client
  }
}
