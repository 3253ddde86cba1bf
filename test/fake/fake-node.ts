// A scripted RESP server on 127.0.0.1:0 standing in for one cluster node, for failure shapes
// a real node cannot be made to produce on cue (READONLY from a demoted master, a node that
// reads but never answers, an error at a chosen moment). Requests are parsed with slotgate's
// own parser; the script answers each one with raw bytes, or null for no reply at all.
import net from 'node:net'
import { RequestParser } from '../../src/resp/request-parser.js'

/** Answers one request (its words, as latin1 strings): raw reply bytes, or null to stay silent. */
export type FakeScript = (args: string[], node: FakeNode) => string | null

/** One fake node. */
export class FakeNode {
  /** Every request received, in order, as its words joined by spaces. */
  readonly received: string[] = []
  private readonly sockets = new Set<net.Socket>()

  private constructor (private readonly server: net.Server, readonly port: number, public script: FakeScript) {}

  /** `127.0.0.1:port`, as slotgate names nodes. */
  get address (): string { return `127.0.0.1:${this.port}` }

  /** Starts a node answering with `script`. */
  static async start (script: FakeScript): Promise<FakeNode> {
    const server = net.createServer()
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const node = new FakeNode(server, (server.address() as net.AddressInfo).port, script)
    server.on('connection', socket => { node.accept(socket) })
    return node
  }

  /** Requests received whose first word is `name` (any case). */
  count (name: string): number {
    return this.received.filter(r => r.split(' ')[0].toUpperCase() === name.toUpperCase()).length
  }

  /** Closes every connection and the listener. */
  async stop (): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>(resolve => { this.server.close(() => { resolve() }) })
  }

  private accept (socket: net.Socket): void {
    this.sockets.add(socket)
    socket.on('close', () => { this.sockets.delete(socket) })
    socket.on('error', () => {})
    const parser = new RequestParser({
      onRequest: (args: Buffer[]) => {
        const words = args.map(a => a.toString('latin1'))
        this.received.push(words.join(' '))
        const reply = this.script(words, this)
        if (reply !== null) socket.write(Buffer.from(reply, 'latin1'))
      },
      onProtocolError: () => { socket.destroy() }
    }, { maxBulkBytes: 1 << 30, maxRequestBytes: 1 << 30, maxMultibulkLength: 1 << 20 })
    socket.on('data', (chunk: Buffer) => { parser.feed(chunk) })
  }
}

/** A one-line RESP error. */
export const err = (text: string): string => `-${text}\r\n`
/** A bulk string. */
export const bulk = (s: string): string => `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`
