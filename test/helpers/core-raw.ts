// Raw TCP exchanges for protocol tests: bytes in, bytes out, and whether the server closed.
import net from 'node:net'

/** What came back on one connection. */
export interface Exchange {
  /** Every byte the server sent. */
  data: Buffer
  /** True when the server ended the connection; false when we gave up after `idleMs` of silence. */
  closedByServer: boolean
}

/** Options of {@link exchange}. */
export interface ExchangeOptions {
  /** Silence (ms) after which the connection is taken as left open; default 300. */
  idleMs?: number
  /** Write one byte per event-loop turn (with a short pause), to split requests across reads. */
  byteByByte?: boolean
  host?: string
}

/**
 * Connects to `port`, writes `request`, and collects the reply until the server closes the
 * connection or nothing arrives for `idleMs`. Never rejects for a reset: a server that closes
 * with unread input may reset the connection, which still counts as closed.
 */
export async function exchange (port: number, request: Buffer | string, options: ExchangeOptions = {}): Promise<Exchange> {
  const bytes = typeof request === 'string' ? Buffer.from(request, 'latin1') : request
  const idleMs = options.idleMs ?? 300
  return await new Promise<Exchange>((resolve, reject) => {
    const socket = net.connect(port, options.host ?? '127.0.0.1')
    socket.setNoDelay(true)
    const chunks: Buffer[] = []
    let settled = false
    let idle: NodeJS.Timeout | null = null
    const finish = (closedByServer: boolean): void => {
      if (settled) return
      settled = true
      if (idle !== null) clearTimeout(idle)
      socket.destroy()
      resolve({ data: Buffer.concat(chunks), closedByServer })
    }
    const armIdle = (): void => {
      if (idle !== null) clearTimeout(idle)
      idle = setTimeout(() => { finish(false) }, idleMs)
    }
    socket.on('data', (d: Buffer) => { chunks.push(d); armIdle() })
    socket.on('end', () => { finish(true) })
    socket.on('close', () => { finish(true) })
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') finish(true)
      else if (!settled) { settled = true; reject(err) }
    })
    socket.on('connect', () => {
      void (async () => {
        if (options.byteByByte === true) {
          for (let i = 0; i < bytes.length && !settled; i++) {
            socket.write(bytes.subarray(i, i + 1))
            await new Promise(resolve => setTimeout(resolve, 1))
          }
        } else {
          socket.write(bytes)
        }
        armIdle()
      })()
    })
  })
}

/** A reply or request as readable text, for test messages (CR LF and non-printables escaped). */
export function show (b: Buffer | string): string {
  return JSON.stringify(typeof b === 'string' ? b : b.toString('latin1'))
}
