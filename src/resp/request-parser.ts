import { findByte } from './find-byte.js'
import { parseInteger } from './parse-integer.js'
import { splitInline } from './split-inline.js'

/** Receives what the parser finds in a client's byte stream. */
export interface RequestSink {
  /**
   * One complete request; the Buffers are views into the socket's chunks, never copied.
   * `wire` is the request's own bytes when it arrived as one multibulk within one chunk, so
   * it can be forwarded as it is instead of encoded again; null otherwise (inline, split).
   */
  onRequest (args: Buffer[], wire: Buffer | null): void
  /** The stream broke the protocol; `detail` follows "Protocol error: ". Nothing more is parsed. */
  onProtocolError (detail: string): void
}

/** Request size limits, as Redis' proto-max-bulk-len and its multibulk cap. */
export interface RequestLimits {
  /** Largest single argument (Redis' proto-max-bulk-len). */
  maxBulkBytes: number
  /** Largest whole request, all arguments together (Redis' client-query-buffer-limit); default: no bound beyond the bulk one. */
  maxRequestBytes?: number
  maxMultibulkLength: number
}

/** Redis' PROTO_INLINE_MAX_SIZE: the longest inline line or header without a newline. */
const INLINE_MAX = 64 * 1024
/**
 * Payloads at least this big are gathered as a chunk list and joined once. Smaller ones and
 * unfinished headers wait in a buffer that grows by doubling, so a client trickling bytes
 * one at a time costs linear copying, not quadratic.
 */
const BIG_PAYLOAD = 1024
const EMPTY = Buffer.alloc(0)
const STAR = 0x2a
const DOLLAR = 0x24
const CR = 0x0d
const LF = 0x0a

/**
 * Parses client requests: RESP multibulk (`*N $len arg ...`) and Redis' inline form
 * (`PING\r\n`, what telnet and TCP health checks send), resumable across chunks.
 *
 * Our own rather than redis-parser, which the design named for this: redis-parser parses
 * *replies*, so it accepts non-bulk elements inside a request (`*1\r\n:5\r\n`, which Redis
 * rejects), has no inline form, buffers a bulk of any announced length before a limit could
 * apply, and knows only RESP2. It serves where it fits: decoding the control plane's replies
 * (cluster/control-plane.ts). Error texts follow Redis' networking.c.
 */
export class RequestParser {
  /** Bytes of an unfinished request: `pending[0, pendingLen)`; the buffer may have room after. */
  private pending: Buffer | null = null
  private pendingLen = 0
  /** How far into the pending bytes a CR/LF was already searched for, in vain. */
  private searched = 0
  private args: Buffer[] | null = null
  private remaining = 0
  /** Payload bytes announced so far by the request being read (bounded by maxRequestBytes). */
  private requestBytes = 0
  private bulkLen = -1
  private bigChunks: Buffer[] | null = null
  /** Where the request being read began in `wireBuf`, or -1 once it spans chunks. */
  private wireStart = -1
  private wireBuf: Buffer = EMPTY
  private bigHave = 0
  private failed = false
  private paused = false

  constructor (private readonly sink: RequestSink, private readonly limits: RequestLimits) {}

  /** Bytes held for an unfinished request (for output/input limits and metrics). */
  get bufferedBytes (): number {
    return this.pendingLen + this.bigHave
  }

  /**
   * Stops handing out requests (called from onRequest, e.g. when the client has too many
   * unanswered): the rest of the bytes wait until resume().
   */
  pause (): void {
    this.paused = true
  }

  /** Goes on parsing what waited. */
  resume (): void {
    if (!this.paused) return
    this.paused = false
    if (this.pending !== null || this.bigChunks !== null) this.feed(EMPTY)
  }

  /** Feeds the next chunk from the socket. */
  feed (chunk: Buffer): void {
    if (this.failed) return
    if (this.paused) {
      // Keep the bytes, unsearched, for resume(); the caller stops reading the socket meanwhile.
      if (this.pending === null) this.keepPending(chunk, 0, chunk.length)
      else this.appendPending(chunk)
      this.searched = 0
      return
    }
    if (this.bigChunks !== null) {
      chunk = this.continueBigPayload(chunk)
      if (this.failed) return
      if (this.paused) { if (chunk.length > 0) { this.keepPending(chunk, 0, chunk.length); this.searched = 0 } return }
      if (chunk.length === 0 && this.pending === null) return
    }
    let buf = chunk
    let searchFrom = 0
    // A request already begun continues in other bytes: its wire form is not one slice.
    this.wireStart = -1
    if (this.pending !== null) {
      buf = this.appendPending(chunk)
      searchFrom = this.searched
    }
    const len = buf.length
    let pos = 0
    while (pos < len) {
      if (this.args === null) {
        if (buf[pos] === STAR) {
          const cr = findByte(buf, CR, Math.max(pos, searchFrom), len)
          if (cr === -1 || cr + 1 >= len) {
            if (len - pos > INLINE_MAX) return this.fail('too big mbulk count string')
            break
          }
          const count = parseInteger(buf, pos + 1, cr)
          if (Number.isNaN(count) || count > this.limits.maxMultibulkLength) return this.fail('invalid multibulk length')
          this.wireStart = pos
          this.wireBuf = buf
          pos = cr + 2
          if (count <= 0) continue // Redis silently ignores *0 and *-1
          this.args = []
          this.remaining = count
          this.bulkLen = -1
          this.requestBytes = 0
        } else {
          const lf = buf.indexOf(LF, Math.max(pos, searchFrom))
          if (lf === -1) {
            if (len - pos > INLINE_MAX) return this.fail('too big inline request')
            break
          }
          const lineEnd = lf > pos && buf[lf - 1] === CR ? lf - 1 : lf
          const args = splitInline(buf.subarray(pos, lineEnd))
          pos = lf + 1
          if (args === null) return this.fail('unbalanced quotes in request')
          if (args.length > 0) this.sink.onRequest(args, null)
          if (this.failed) return
          if (this.paused) break
        }
        continue
      }
      if (this.bulkLen === -1) {
        if (buf[pos] !== DOLLAR) {
          return this.fail(`expected '$', got '${String.fromCharCode(buf[pos])}'`)
        }
        const cr = findByte(buf, CR, Math.max(pos, searchFrom), len)
        if (cr === -1 || cr + 1 >= len) {
          if (len - pos > INLINE_MAX) return this.fail('too big bulk count string')
          break
        }
        const n = parseInteger(buf, pos + 1, cr)
        if (Number.isNaN(n) || n < 0 || n > this.limits.maxBulkBytes) return this.fail('invalid bulk length')
        // The whole request is bounded too, so many arguments just under the limit cannot add
        // up to gigabytes held for one client.
        this.requestBytes += n
        if (this.requestBytes > (this.limits.maxRequestBytes ?? Infinity)) return this.fail('request larger than the configured maximum request size')
        this.bulkLen = n
        pos = cr + 2
      }
      const need = this.bulkLen + 2
      if (len - pos < need) {
        if (this.bulkLen >= BIG_PAYLOAD) {
          this.bigChunks = [buf.subarray(pos)]
          this.bigHave = len - pos
          this.keepPending(buf, len, len) // nothing else is pending; the chunk list holds the rest
          return
        }
        break
      }
      pos += need
      this.pushArg(buf.subarray(pos - need, pos - 2), pos)
      if (this.failed) return
      if (this.paused && this.args === null) break
    }
    this.keepPending(buf, pos, len)
    // Bytes left behind by a pause were never searched.
    if (this.paused) this.searched = 0
  }

  /** Appends a chunk after the pending bytes (growing by doubling); returns the bytes to parse. */
  private appendPending (chunk: Buffer): Buffer {
    let pending = this.pending as Buffer
    const need = this.pendingLen + chunk.length
    if (pending.length < need) {
      const grown = Buffer.allocUnsafe(Math.max(need, pending.length * 2))
      pending.copy(grown, 0, 0, this.pendingLen)
      pending = grown
      this.pending = grown
    }
    chunk.copy(pending, this.pendingLen)
    this.pendingLen = need
    return pending.subarray(0, need)
  }

  /**
   * Keeps `buf[pos, len)` for the next chunk. Arguments already handed out may be views of
   * `buf`, so the kept bytes go into a fresh buffer rather than being moved within it; when
   * nothing was consumed the pending buffer is kept as it is and only the search point moves.
   */
  private keepPending (buf: Buffer, pos: number, len: number): void {
    // Any CR/LF before len - 1 would have been found: resume the search there next time.
    if (pos >= len) {
      this.pending = null
      this.pendingLen = 0
      this.searched = 0
      return
    }
    if (pos === 0 && this.pending !== null && buf.buffer === this.pending.buffer && buf.byteOffset === this.pending.byteOffset) {
      this.searched = Math.max(0, len - 1)
      return
    }
    const rest = len - pos
    const kept = Buffer.allocUnsafe(Math.max(rest * 2, 256))
    buf.copy(kept, 0, pos, len)
    this.pending = kept
    this.pendingLen = rest
    this.searched = Math.max(0, rest - 1)
  }

  private continueBigPayload (chunk: Buffer): Buffer {
    const need = this.bulkLen + 2
    const missing = need - this.bigHave
    const chunks = this.bigChunks as Buffer[]
    if (chunk.length < missing) {
      chunks.push(chunk)
      this.bigHave += chunk.length
      return chunk.subarray(chunk.length)
    }
    chunks.push(chunk.subarray(0, missing))
    const whole = Buffer.concat(chunks, need)
    this.bigChunks = null
    this.bigHave = 0
    this.wireStart = -1
    this.pushArg(whole.subarray(0, this.bulkLen), 0)
    return chunk.subarray(missing)
  }

  /** `end`: where the argument's CRLF ends in the current buffer (for the wire slice). */
  private pushArg (arg: Buffer, end: number): void {
    const args = this.args as Buffer[]
    args.push(arg)
    this.bulkLen = -1
    if (--this.remaining === 0) {
      this.args = null
      const wire = this.wireStart >= 0 ? this.wireBuf.subarray(this.wireStart, end) : null
      this.wireStart = -1
      this.wireBuf = EMPTY // hold no client chunk longer than its requests do
      this.sink.onRequest(args, wire)
    }
  }

  private fail (detail: string): void {
    this.failed = true
    this.pending = null
    this.pendingLen = 0
    this.args = null
    this.bigChunks = null
    this.sink.onProtocolError(detail)
  }
}
