import { findByte } from './find-byte.js'
import { parseInteger } from './parse-integer.js'

/** Receives complete replies cut out of a node's byte stream. */
export interface ReplySink {
  /** One whole reply (RESP2 or RESP3, attributes included), as raw bytes, undecoded. */
  onReply (reply: Buffer): void
  /** The node sent bytes that are not RESP; the link must be dropped. */
  onFramingError (detail: string): void
}

/** Stack markers for aggregates whose length is not announced (RESP3 streamed types). */
const STREAMED_AGGREGATE = -1
const STREAMED_STRING = -2
const CR = 0x0d
/** Longest type line (header or simple reply) accepted from a node before it is called broken. */
const MAX_LINE = 1024 * 1024

/**
 * Finds where each reply ends without decoding it, so replies reach clients as the node's
 * own bytes. Understands every RESP2 and RESP3 type (resp3 spec: maps, sets, pushes,
 * attributes — an attribute plus the value it annotates is one reply — and streamed
 * strings/aggregates). Resumable: a reply split across chunks is not rescanned from its
 * start, and a large bulk is skipped by length, so a 64 MiB value costs one copy.
 *
 * Buffer rule: bytes handed to the sink are never written again (they may sit in a socket's
 * write queue), so the accumulation buffer only ever grows by appending or is replaced.
 */
export class ReplyFramer {
  private buf: Buffer | null = null
  private owned = false
  private end = 0
  private replyStart = 0
  private pos = 0
  private skip = 0
  private readonly stack: number[] = []
  private failed = false

  constructor (private readonly sink: ReplySink) {}

  /** Bytes held for a reply not yet complete. */
  get bufferedBytes (): number {
    return this.buf === null ? 0 : this.end - this.replyStart
  }

  /** Forgets any partial reply (after the link was reset). */
  reset (): void {
    this.buf = null
    this.owned = false
    this.end = this.replyStart = this.pos = this.skip = 0
    this.stack.length = 0
    this.failed = false
  }

  /** Feeds the next chunk from the node's socket. */
  feed (chunk: Buffer): void {
    if (this.failed) return
    if (this.buf === null) {
      this.buf = chunk
      this.owned = false
      this.end = chunk.length
      this.replyStart = this.pos = 0
    } else {
      this.append(chunk)
    }
    this.scan()
  }

  private append (chunk: Buffer): void {
    const buf = this.buf as Buffer
    if (this.owned && buf.length - this.end >= chunk.length) {
      chunk.copy(buf, this.end)
      this.end += chunk.length
      return
    }
    const keep = this.end - this.replyStart
    const known = this.pos + this.skip - this.replyStart
    const size = Math.max(known, (keep + chunk.length) * 2, 16 * 1024)
    const next = Buffer.allocUnsafe(size)
    buf.copy(next, 0, this.replyStart, this.end)
    chunk.copy(next, keep)
    this.pos -= this.replyStart
    this.replyStart = 0
    this.end = keep + chunk.length
    this.buf = next
    this.owned = true
  }

  private scan (): void {
    const buf = this.buf as Buffer
    const end = this.end
    const stack = this.stack
    for (;;) {
      if (this.skip > 0) {
        if (end - this.pos < this.skip) break
        this.pos += this.skip
        this.skip = 0
        if (this.completeElement(buf)) continue
        break
      }
      if (this.pos >= end) break
      const cr = findByte(buf, CR, this.pos, end)
      if (cr === -1 || cr + 1 >= end) {
        if (end - this.pos > MAX_LINE) return this.fail(`no line end within ${MAX_LINE} bytes`)
        break
      }
      const type = buf[this.pos]
      const top = stack.length > 0 ? stack[stack.length - 1] : 0
      let n: number
      if (top === STREAMED_STRING) {
        // Inside `$?`: chunks are `;len\r\n<bytes>\r\n`, and `;0\r\n` ends the string.
        if (type !== 0x3b) return this.fail(`expected ';' in streamed string, got 0x${type.toString(16)}`)
        n = parseInteger(buf, this.pos + 1, cr)
        if (!(n >= 0)) return this.fail('invalid streamed string chunk length')
        this.pos = cr + 2
        if (n === 0) {
          stack.pop()
          if (this.completeElement(buf)) continue
          break
        }
        this.skip = n + 2
        continue
      }
      switch (type) {
        case 0x2b: case 0x2d: case 0x3a: case 0x5f: case 0x23: case 0x2c: case 0x28: // + - : _ # , (
          this.pos = cr + 2
          if (this.completeElement(buf)) continue
          return this.keep()
        case 0x24: case 0x21: case 0x3d: // $ ! =
          if (buf[this.pos + 1] === 0x3f && cr === this.pos + 2) { // `$?` streamed string
            this.pos = cr + 2
            stack.push(STREAMED_STRING)
            continue
          }
          n = parseInteger(buf, this.pos + 1, cr)
          if (Number.isNaN(n) || n < -1) return this.fail('invalid bulk length')
          this.pos = cr + 2
          if (n === -1) {
            if (this.completeElement(buf)) continue
            return this.keep()
          }
          this.skip = n + 2
          continue
        case 0x2a: case 0x7e: case 0x3e: case 0x25: case 0x7c: { // * ~ > % |
          if (buf[this.pos + 1] === 0x3f && cr === this.pos + 2) { // `*?` streamed aggregate
            this.pos = cr + 2
            stack.push(STREAMED_AGGREGATE)
            continue
          }
          n = parseInteger(buf, this.pos + 1, cr)
          if (Number.isNaN(n) || n < -1) return this.fail('invalid aggregate length')
          this.pos = cr + 2
          // A map holds 2n elements; an attribute is a map followed by the value it annotates.
          const count = type === 0x25 ? n * 2 : type === 0x7c ? n * 2 + 1 : n
          if (count <= 0) {
            if (this.completeElement(buf)) continue
            return this.keep()
          }
          stack.push(count)
          continue
        }
        case 0x2e: // `.` ends a streamed aggregate
          if (top !== STREAMED_AGGREGATE) return this.fail('unexpected end of streamed aggregate')
          this.pos = cr + 2
          stack.pop()
          if (this.completeElement(buf)) continue
          return this.keep()
        default:
          return this.fail(`unknown reply type byte 0x${type.toString(16)}`)
      }
    }
    this.keep()
  }

  /**
   * Counts one finished element against the enclosing aggregates; emits the reply when the
   * outermost one is done. Returns true to keep scanning.
   */
  private completeElement (buf: Buffer): boolean {
    const stack = this.stack
    while (stack.length > 0) {
      const top = stack[stack.length - 1]
      if (top < 0) return true // streamed aggregate: ends only at '.'
      if (top > 1) { stack[stack.length - 1] = top - 1; return true }
      stack.pop()
    }
    const reply = buf.subarray(this.replyStart, this.pos)
    this.replyStart = this.pos
    this.sink.onReply(reply)
    return !this.failed && this.buf === buf
  }

  /** Drops the buffer once every byte was handed out, so the next chunk is used in place. */
  private keep (): void {
    if (this.buf !== null && this.replyStart >= this.end && this.skip === 0) {
      this.buf = null
      this.owned = false
      this.end = this.replyStart = this.pos = 0
    }
  }

  private fail (detail: string): void {
    this.failed = true
    this.buf = null
    this.sink.onFramingError(detail)
  }
}
