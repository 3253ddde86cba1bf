import { Redis } from 'ioredis'
import { LocalClusterError } from './local-cluster-error.js'

/** How long a control command may take before the node counts as unresponsive. */
export const CONTROL_TIMEOUT_MS = 3000

/**
 * Opens a short-lived control connection to one node, runs `fn` with it and always disconnects.
 * No retries and no offline queue: a dead or stopped node fails fast, and the harness decides
 * what that means. A fresh connection per use means nothing goes stale when nodes are killed,
 * paused or restarted, and no handle outlives the call.
 */
export async function withNodeClient<T> (host: string, port: number, fn: (client: Redis) => Promise<T>, timeoutMs = CONTROL_TIMEOUT_MS): Promise<T> {
  const client = new Redis({
    host,
    port,
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    // RESP2 and no CLIENT SETINFO: ioredis 6 otherwise starts each connection with HELLO 3 and
    // two SETINFOs, and a handshake that times out on a frozen node or a foreign listener costs
    // its 2 s disconnectTimeout on top.
    protocol: 2,
    disableClientInfo: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs
  })
  let lastError: Error | undefined
  // Without a listener ioredis reports connection errors as unhandled; the command's own
  // rejection carries them to the caller, this keeps the socket-level one for the message.
  client.on('error', (err: Error) => { lastError = err })
  try {
    await client.connect()
    return await fn(client)
  } catch (err) {
    if (err instanceof LocalClusterError) throw err
    const reason = (err as Error).message ?? String(err)
    const socket = lastError !== undefined && lastError.message !== reason ? ` (${lastError.message})` : ''
    throw new LocalClusterError('SLOTGATE_ERR_DEV_COMMAND', `${host}:${port}: ${reason}${socket}`, { cause: err })
  } finally {
    client.disconnect()
  }
}

/** Runs one command on one node and returns its reply (strings decoded, as ioredis' `call`). */
export async function nodeCommand (host: string, port: number, ...args: Array<string | number | Buffer>): Promise<unknown> {
  return await withNodeClient(host, port, async client => {
    try {
      return await client.call(String(args[0]), ...args.slice(1))
    } catch (err) {
      throw new LocalClusterError('SLOTGATE_ERR_DEV_COMMAND', `${host}:${port} ${args.map(String).join(' ')}: ${(err as Error).message}`, { cause: err })
    }
  })
}
