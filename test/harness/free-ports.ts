import { createServer } from 'node:net'
import { LocalClusterError } from './local-cluster-error.js'

/** Redis Cluster listens on `port` and on its cluster bus at `port + 10000`. */
export const CLUSTER_BUS_OFFSET = 10000

// Both a node port and its bus port stay below Linux' default ephemeral range (32768+), so
// outgoing connections of this machine never sit on them. Random picks in this wide range make
// two harnesses starting at the same moment unlikely to choose the same port; the bind check
// below catches ports already in use, and a node that still loses a race is restarted on
// another port by the caller.
const MIN_PORT = 11000
const MAX_PORT = 32767 - CLUSTER_BUS_OFFSET

/**
 * Picks `count` distinct ports on `host` whose cluster bus ports (`port + 10000`) are free too,
 * checked by binding both briefly. `exclude` lists ports already in use by the caller (theirs
 * and their bus ports are avoided).
 */
export async function freePorts (count: number, host: string, exclude: Iterable<number> = []): Promise<number[]> {
  const reserved = new Set<number>()
  const reserve = (port: number): void => { reserved.add(port); reserved.add(port + CLUSTER_BUS_OFFSET) }
  for (const port of exclude) reserve(port)
  const picked: number[] = []
  for (let attempt = 0; picked.length < count; attempt++) {
    if (attempt >= 200 * count) {
      throw new LocalClusterError('SLOTGATE_ERR_DEV_NO_PORTS', `found only ${picked.length} of ${count} free port pairs (port and port+${CLUSTER_BUS_OFFSET}) on ${host} in ${MIN_PORT}-${MAX_PORT}`)
    }
    const port = MIN_PORT + Math.floor(Math.random() * (MAX_PORT - MIN_PORT + 1))
    if (reserved.has(port) || reserved.has(port + CLUSTER_BUS_OFFSET)) continue
    if (await canBind(port, host) && await canBind(port + CLUSTER_BUS_OFFSET, host)) {
      picked.push(port)
      reserve(port)
    }
  }
  return picked
}

/** True when a listener can bind `host:port` right now. */
export async function canBind (port: number, host: string): Promise<boolean> {
  return await new Promise(resolve => {
    const server = createServer()
    // Any bind error (EADDRINUSE, EACCES) means "not usable", which is the answer we want.
    server.once('error', () => resolve(false))
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)))
  })
}
