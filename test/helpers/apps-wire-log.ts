// A logging TCP relay for the application tests (issue 15): sits between an application and
// slotgate (or a plain redis-server), forwards every byte untouched both ways, and records
// each request with the reply it got. What it is for: when an application fails through
// slotgate, the test prints the exact command shapes slotgate refused (with each key's slot),
// which is what the proxy has to learn next.
import net from 'node:net'
import { CommandTable } from '../../src/commands/command-table.js'
import { extractKeys } from '../../src/commands/extract-keys.js'
import { errorText, isErrorReply, readBulk, readElements } from '../../src/resp/decode-reply.js'
import { ReplyFramer } from '../../src/resp/reply-framer.js'
import { RequestParser } from '../../src/resp/request-parser.js'
import { slotOf } from './core-env.js'

/** One request seen on the wire and what came back for it. */
export interface WireEntry {
  /** Relay connection number (1, 2, ...), so transactions and subscriptions can be told apart. */
  readonly conn: number
  /** The request's arguments, copied. */
  readonly args: Buffer[]
  /** The reply's first bytes (an error's whole text), or null while none arrived. */
  reply: string | null
  /** True when the reply was an error (`-...` or RESP3 `!...`). */
  error: boolean
  /** For EXEC: the commands queued since MULTI on the same connection. */
  readonly queued?: WireEntry[]
}

const table = CommandTable.fromSnapshot()
const SUBSCRIBE_FAMILY = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe'])
const PUSH_KINDS = new Set(['message', 'pmessage', 'smessage'])
const MAX_ARG_CHARS = 64
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi
const UUID_ONLY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * An argument as readable text: printable ASCII kept, other bytes as \xNN, long ones cut.
 * `generic` writes numbers (alone or after a - : or _, as in `bull:q:42`) as <n>, long hex ids
 * as <hex>, UUIDs as <uuid> and values (arguments that are no key, longer than a few
 * characters or JSON, and not a plain word) as <data>, so requests that differ only in such
 * values read the same.
 */
function showArg (arg: Buffer, generic = false, isKey = false): string {
  const text = arg.toString('latin1')
  if (generic && /^-?\d+(\.\d+)?$/.test(text)) return '<n>'
  if (generic && /^[0-9a-f]{24,}$/i.test(text)) return '<hex>'
  if (generic && !isKey && (arg.length > 16 || /[{"]/.test(text)) && !UUID_ONLY.test(text) && !/^[a-z_-]+$/i.test(text)) return '<data>'
  const bytes = generic ? Buffer.from(text.replace(UUID, '<uuid>').replace(/(?<=[-:_])\d+(?=[-:_.]|$)/g, '<n>'), 'latin1') : arg
  let s = ''
  for (const b of bytes.subarray(0, MAX_ARG_CHARS)) {
    s += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`
  }
  if (bytes.length <= MAX_ARG_CHARS) return s
  return generic ? `${s}...` : `${s}...(${arg.length} bytes)`
}

/** Slots of the arguments the command table calls keys (empty for keyless or unknown commands). */
export function requestSlots (args: readonly Buffer[]): number[] {
  const spec = table.lookup(args)
  return (spec === undefined ? [] : extractKeys(spec, args) ?? []).map(i => slotOf(args[i]))
}

/**
 * A request as `NAME arg key@slot ...`: every argument the command table calls a key gets its
 * slot. `generic` leaves slots out and writes ids and values generically (see showArg), so
 * requests of one shape read the same.
 */
export function showRequest (args: readonly Buffer[], generic = false): string {
  const spec = table.lookup(args)
  const keys = new Set(spec === undefined ? [] : extractKeys(spec, args) ?? [])
  return args.map((a, i) => i === 0 ? a.toString('latin1').toUpperCase() : keys.has(i) && !generic ? `${showArg(a)}@${slotOf(a)}` : showArg(a, generic, keys.has(i))).join(' ')
}

/** EXEC shown as its transaction, `MULTI / cmd / ... / EXEC`; another request as itself. */
function showEntry (e: WireEntry, generic: boolean): string {
  return e.queued === undefined ? showRequest(e.args, generic) : ['MULTI', ...e.queued.map(q => showRequest(q.args, generic)), 'EXEC'].join(' / ')
}

/** One failure as one line: the request (see {@link showRequest}) and the error it got. */
export function showFailure (e: WireEntry, generic = false): string {
  return `${showEntry(e, generic)}  ->  ${e.reply ?? '(no reply)'}`
}

/** Distinct lines with how often each occurred, in first-seen order. */
function counted (lines: Iterable<string>): string[] {
  const counts = new Map<string, number>()
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1)
  return [...counts].map(([line, n]) => n > 1 ? `${line}  (x${n})` : line)
}

/**
 * Error replies that client libraries expect and handle, on one Redis node as through
 * slotgate: NOSCRIPT to an EVALSHA before the script was loaded (the library loads it and
 * retries), and the CLIENT subcommands Redis 7.0 does not know that newer clients send at
 * connect and whose error they ignore: SETINFO (ioredis 6, node-redis), MAINT_NOTIFICATIONS
 * (node-redis 6). For {@link WireLog.failureShapes}.
 */
export const EXPECTED_ERRORS = /^(EVALSHA .*-> {2}-NOSCRIPT |CLIENT (SETINFO|MAINT_NOTIFICATIONS) .*-> {2}-ERR unknown subcommand)/

/** '' for (UN)SUBSCRIBE, 'p' for P(UN)SUBSCRIBE, 's' for S(UN)SUBSCRIBE (lower-case names). */
function subscriptionKind (name: string): string {
  return name.startsWith('p') || name.startsWith('s') ? name[0] : ''
}

/** Per relay connection: requests waiting for their reply, in order, and subscription state. */
class ConnState {
  readonly pending: Array<{ entry: WireEntry, replies: number }> = []
  /**
   * What this connection is subscribed to, as the confirmations said, by kind: '' channels,
   * 'p' patterns, 's' shard channels (an argument-less unsubscribe answers once per each).
   */
  readonly subscribed = new Map<string, Set<string>>([['', new Set()], ['p', new Set()], ['s', new Set()]])
  /** Commands queued since MULTI; null outside a transaction. */
  queued: WireEntry[] | null = null
}

/**
 * A relay on a loopback port in front of `targetPort`. Replies are paired with requests in
 * order, as RESP guarantees, except Pub/Sub: message pushes are skipped and a (un)subscribe
 * takes one confirmation per channel (an argument-less unsubscribe one per channel held).
 */
export class WireLog {
  readonly entries: WireEntry[] = []
  private readonly sockets = new Set<net.Socket>()
  private connections = 0

  private constructor (private readonly server: net.Server, readonly port: number, private readonly targetPort: number) {
    server.on('connection', client => { this.relay(client) })
  }

  /** Starts the relay in front of `targetPort` on 127.0.0.1. */
  static async start (targetPort: number): Promise<WireLog> {
    const server = net.createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => { resolve() })
    })
    return new WireLog(server, (server.address() as net.AddressInfo).port, targetPort)
  }

  /**
   * Every request that got an error reply, in order, except those whose line (see
   * {@link showFailure}, generic) `ignore` matches: replies clients expect and handle, such
   * as NOSCRIPT before a script is loaded.
   */
  errors (ignore?: RegExp): WireEntry[] {
    return this.entries.filter(e => e.error && !(ignore?.test(showFailure(e, true)) ?? false))
  }

  /** The distinct failures, generic (see {@link showRequest}), each with how often it occurred. */
  failureShapes (ignore?: RegExp): string[] {
    return counted(this.errors(ignore).map(e => showFailure(e, true)))
  }

  /**
   * The distinct request shapes whose keys span several slots: on one Redis node they just
   * work, in a cluster each needs the proxy to split it (MGET, DEL), run it per slot or
   * refuse it. A transaction counts as one request (all its commands' keys); its commands are
   * not listed on their own. Each line ends with the number of slots of one example.
   */
  crossSlotShapes (): string[] {
    const lines: string[] = []
    const inTransaction = new Set<WireEntry>(this.entries.flatMap(e => e.queued ?? []))
    for (const e of this.entries) {
      if (inTransaction.has(e)) continue
      const slots = new Set(e.queued === undefined ? requestSlots(e.args) : e.queued.flatMap(q => requestSlots(q.args)))
      if (slots.size > 1) lines.push(`${showEntry(e, true)}  [${slots.size} slots]`)
    }
    return counted(lines)
  }

  /** Distinct command names sent, upper case, with their counts: what an application uses. */
  commandCounts (): Map<string, number> {
    const counts = new Map<string, number>()
    for (const e of this.entries) {
      const name = e.args[0]?.toString('latin1').toUpperCase() ?? ''
      counts.set(name, (counts.get(name) ?? 0) + 1)
    }
    return counts
  }

  /** `NAME count, ...` for every command sent, most used first: what an application uses. */
  commandSummary (): string {
    return [...this.commandCounts()].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${n}`).join(', ')
  }

  /** Closes the relay and every connection through it. */
  async close (): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>(resolve => this.server.close(() => { resolve() }))
  }

  private relay (client: net.Socket): void {
    const conn = ++this.connections
    const state = new ConnState()
    const upstream = net.connect(this.targetPort, '127.0.0.1')
    for (const s of [client, upstream]) {
      this.sockets.add(s)
      s.setNoDelay(true)
      s.on('close', () => { this.sockets.delete(s) })
      // One side failing ends the other: the application sees a dropped connection, as it would.
      s.on('error', () => { client.destroy(); upstream.destroy() })
    }
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    const requests = new RequestParser({
      onRequest: args => { this.onRequest(conn, state, args.map(a => Buffer.from(a))) },
      onProtocolError: () => { /* the server answers it; the relay only forwards */ }
    }, { maxBulkBytes: 512 * 1024 * 1024, maxMultibulkLength: 1024 * 1024 })
    const replies = new ReplyFramer({
      onReply: reply => { this.onReply(state, reply) },
      onFramingError: () => { /* nothing more can be paired on this connection */ }
    })
    client.on('data', (d: Buffer) => { requests.feed(d) })
    upstream.on('data', (d: Buffer) => { replies.feed(d) })
    client.pipe(upstream)
    upstream.pipe(client)
  }

  private onRequest (conn: number, state: ConnState, args: Buffer[]): void {
    const name = args[0]?.toString('latin1').toLowerCase() ?? ''
    const inTransaction = state.queued !== null && name !== 'exec' && name !== 'discard' && name !== 'multi'
    const queued = name === 'exec' && state.queued !== null ? state.queued : undefined
    const entry: WireEntry = { conn, args, reply: null, error: false, ...(queued !== undefined ? { queued } : {}) }
    this.entries.push(entry)
    if (name === 'multi') state.queued = []
    else if (name === 'exec' || name === 'discard') state.queued = null
    else if (inTransaction) state.queued?.push(entry)
    let replies = 1
    if (SUBSCRIBE_FAMILY.has(name)) {
      replies = args.length > 1 ? args.length - 1 : Math.max(1, state.subscribed.get(subscriptionKind(name))?.size ?? 0)
    }
    state.pending.push({ entry, replies })
  }

  private onReply (state: ConnState, reply: Buffer): void {
    const elements = reply[0] === 0x3e || reply[0] === 0x2a ? readElements(reply) : null
    const kind = elements !== null && elements.length >= 3 ? readBulk(elements[0])?.toString('latin1') : undefined
    if (kind !== undefined && PUSH_KINDS.has(kind)) return
    if (kind !== undefined && SUBSCRIBE_FAMILY.has(kind)) {
      const channel = readBulk(elements?.[1] ?? Buffer.alloc(0))?.toString('latin1')
      if (channel !== undefined) {
        const held = state.subscribed.get(subscriptionKind(kind))
        if (kind.includes('unsubscribe')) held?.delete(channel)
        else held?.add(channel)
      }
    }
    const head = state.pending[0]
    if (head === undefined) return
    if (head.entry.reply === null || isErrorReply(reply)) {
      head.entry.error = head.entry.error || isErrorReply(reply)
      head.entry.reply = isErrorReply(reply) ? `-${errorText(reply)}` : reply.toString('latin1', 0, Math.min(reply.length, 80)).replace(/\r\n/g, ' ')
    }
    if (--head.replies <= 0) state.pending.shift()
  }
}
