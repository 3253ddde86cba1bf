import net from 'node:net'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { sampleProc } from './proc-stats.js'

/** Clients the crowd probe connects: issue #8's "RSS under 128 MB with 1,000 connected clients". */
export const CROWD_CLIENTS = 1000
/** Connections opened at once, so the probe never floods the accept queue. */
const CONNECT_BATCH = 100

/**
 * Connects `clients` plain clients to slotgate, each sending one PING and reading the answer
 * (so each is a full session), reads slotgate's RSS (process tree) while they stay connected,
 * then closes them. Returns the RSS in KiB.
 */
export async function rssWithClients (port: number, pid: number, clients = CROWD_CLIENTS, readRss: (pid: number) => number = p => sampleProc(p).rssKib): Promise<number> {
  const sockets: net.Socket[] = []
  try {
    for (let opened = 0; opened < clients; opened += CONNECT_BATCH) {
      const batch = Array.from({ length: Math.min(CONNECT_BATCH, clients - opened) }, async () => {
        const socket = net.connect(port, '127.0.0.1')
        sockets.push(socket)
        await once(socket, 'connect')
        socket.write('*1\r\n$4\r\nPING\r\n')
        const [reply] = await once(socket, 'data') as [Buffer]
        if (!reply.toString('latin1').startsWith('+PONG')) throw new Error(`crowd probe: PING answered ${reply.toString('latin1').trim()}`)
      })
      await Promise.all(batch)
    }
    await sleep(500) // let slotgate settle (buffers, GC) before reading
    return readRss(pid)
  } finally {
    for (const s of sockets) s.destroy()
  }
}
