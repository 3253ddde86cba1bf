// A long-lived raw TCP connection for session tests: write exact bytes, read back whole RESP
// frames (cut by slotgate's own ReplyFramer, so RESP3 pushes, maps and attributes count as
// one frame each) and see exactly what arrived, in order.
import net from 'node:net'
import tls from 'node:tls'
import { ReplyFramer } from '../../src/resp/reply-framer.js'

/** Encodes a command as a RESP multibulk, as a client library would. */
export function cmd (...args: Array<string | number | Buffer>): string {
  let out = `*${args.length}\r\n`
  for (const a of args) {
    const s = Buffer.isBuffer(a) ? a.toString('latin1') : String(a)
    out += `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`
  }
  return out
}

/** A raw connection; frames are kept as latin1 strings (exact bytes, easy to compare). */
export class RawConn {
  readonly socket: net.Socket
  /** Every frame received and not yet taken, in arrival order. */
  private readonly frames: string[] = []
  private waiter: (() => void) | null = null
  private closedFlag = false
  private readonly framer: ReplyFramer
  /** Bytes received in total. */
  received = 0

  private constructor (socket: net.Socket) {
    this.socket = socket
    this.framer = new ReplyFramer({
      onReply: (r) => { this.frames.push(r.toString('latin1')); this.wake() },
      onFramingError: (d) => { this.frames.push(`<framing error: ${d}>`); this.wake() }
    })
    socket.setNoDelay(true)
    socket.on('data', (d: Buffer) => { this.received += d.length; this.framer.feed(d) })
    socket.on('close', () => { this.closedFlag = true; this.wake() })
    socket.on('error', () => { this.closedFlag = true; this.wake() })
  }

  /** Opens a connection to `port` on loopback. */
  static async open (port: number, host = '127.0.0.1'): Promise<RawConn> {
    const socket = net.connect(port, host)
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => { resolve() })
      socket.once('error', reject)
    })
    return new RawConn(socket)
  }

  /** Opens a TLS connection to `port` on loopback (after its handshake). */
  static async openTls (port: number, options: tls.ConnectionOptions = {}, host = '127.0.0.1'): Promise<RawConn> {
    const socket = tls.connect({ port, host, ...options })
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', () => { resolve() })
      socket.once('error', reject)
    })
    return new RawConn(socket)
  }

  /** True once the server closed the connection (or it failed). */
  get closed (): boolean { return this.closedFlag }

  /** `ip:port` of our end, as the server sees it (CLIENT LIST addr=). */
  get localAddress (): string { return `${this.socket.localAddress ?? ''}:${this.socket.localPort ?? 0}` }

  /** Writes bytes (a string is taken as latin1). */
  write (bytes: string | Buffer): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes)
  }

  /** Sends one command and returns its one reply frame. */
  async call (...args: Array<string | number | Buffer>): Promise<string> {
    this.write(cmd(...args))
    return (await this.read(1))[0]
  }

  /**
   * Resolves with the next `n` frames; rejects after `timeoutMs` with what did arrive, so a
   * missing reply fails the test with a readable message instead of hanging it.
   */
  async read (n: number, timeoutMs = 5000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs
    while (this.frames.length < n) {
      if (this.closedFlag) throw new Error(`connection closed after ${this.frames.length} of ${n} frames: ${JSON.stringify(this.frames)}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timeout after ${timeoutMs} ms with ${this.frames.length} of ${n} frames: ${JSON.stringify(this.frames)}`)
      await new Promise<void>(resolve => {
        const timer = setTimeout(() => { this.waiter = null; resolve() }, left)
        this.waiter = () => { clearTimeout(timer); this.waiter = null; resolve() }
      })
    }
    return this.frames.splice(0, n)
  }

  /** Everything that arrives until `idleMs` pass in silence (frames taken). */
  async drain (idleMs = 300): Promise<string[]> {
    for (;;) {
      const before = this.received
      await new Promise(resolve => setTimeout(resolve, idleMs))
      if (this.received === before) break
    }
    return this.frames.splice(0, this.frames.length)
  }

  /** Resolves true once the server closed the connection, false after `timeoutMs`. */
  async waitClosed (timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (!this.closedFlag && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
    return this.closedFlag
  }

  /** Closes our side at once. */
  destroy (): void {
    this.socket.destroy()
  }

  private wake (): void {
    this.waiter?.()
  }
}

/** Frames as one readable string for messages. */
export function showFrames (frames: readonly string[]): string {
  return JSON.stringify(frames.join(''))
}

/** Polls `check` every `everyMs` until it returns true or `timeoutMs` pass; returns the last result. */
export async function eventually (check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return true
    if (Date.now() >= deadline) return false
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
}

/** The raw connections one test file opens to a port, destroyed together in its teardown. */
export class RawConns {
  private readonly conns: RawConn[] = []

  constructor (private readonly port: number) {}

  /** Opens a raw connection (to the default port unless told). */
  async open (port = this.port): Promise<RawConn> {
    const c = await RawConn.open(port)
    this.conns.push(c)
    return c
  }

  /** Destroys every connection opened here. */
  destroyAll (): void {
    for (const c of this.conns) c.destroy()
  }
}
