import net from 'node:net'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { sampleProc } from './proc-stats.js'

/** Clients the crowd probe connects: the goal is about RSS with 1,000 clients connected under load. */
export const CROWD_CLIENTS = 1000
/** Connections opened at once, so the probe never floods the accept queue. */
const CONNECT_BATCH = 100
/** How often the RSS is read while the load runs. */
const SAMPLE_MS = 100

/** A proxy's RSS with the crowd connected: before the load, and the highest reading during it. KiB. */
export interface CrowdRss {
  readonly connectedKib: number
  readonly underLoadKib: number
}

/**
 * Connects `clients` plain clients to a proxy, each sending one PING and reading the answer (so
 * each is a full session), reads the proxy's RSS (process tree), then runs `load` (a
 * redis-benchmark run through the proxy) while they stay connected, reading the RSS every
 * 100 ms; closes them at the end. `load` may fail: the readings are taken anyway.
 */
export async function rssWithClients (port: number, pid: number, load: () => Promise<unknown>, clients = CROWD_CLIENTS, readRss: (pid: number) => number = p => sampleProc(p).rssKib): Promise<CrowdRss> {
  const sockets: net.Socket[] = []
  try {
    for (let opened = 0; opened < clients; opened += CONNECT_BATCH) {
      const batch = Array.from({ length: Math.min(CONNECT_BATCH, clients - opened) }, async () => {
        const socket = net.connect(port, '127.0.0.1')
        sockets.push(socket)
        // A reset after the PING must not crash the bench: it shows up as a closed socket below.
        socket.on('error', () => undefined)
        await once(socket, 'connect')
        socket.write('*1\r\n$4\r\nPING\r\n')
        const [reply] = await once(socket, 'data') as [Buffer]
        if (!reply.toString('latin1').startsWith('+PONG')) throw new Error(`crowd probe: PING answered ${reply.toString('latin1').trim()}`)
      })
      await Promise.all(batch)
    }
    await sleep(500) // let the proxy settle (buffers, GC) before reading
    const connectedKib = readRss(pid)
    let underLoadKib = connectedKib
    let running = true
    const sampling = (async () => {
      while (running) {
        await sleep(SAMPLE_MS)
        underLoadKib = Math.max(underLoadKib, readRss(pid))
      }
    })()
    try {
      await load()
    } finally {
      running = false
      await sampling
    }
    const closed = sockets.filter(s => s.destroyed || s.readyState !== 'open').length
    if (closed > 0) throw new Error(`crowd probe: the proxy closed ${closed} of ${clients} idle clients during the load`)
    return { connectedKib, underLoadKib }
  } finally {
    for (const s of sockets) s.destroy()
  }
}
