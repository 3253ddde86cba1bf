/**
 * Encodes requests for a node into one buffer per flush. Small arguments are copied into the
 * batch; large ones (values of tens of KiB and up) are passed by reference so a 64 MiB SET is
 * never copied. Headers for common lengths are pre-encoded.
 */

const BIG_ARG = 16 * 1024
const CRLF = Buffer.from('\r\n')
const HEADER_CACHE = 1024
const BULK_HEADERS: Buffer[] = []
const ARRAY_HEADERS: Buffer[] = []
for (let i = 0; i < HEADER_CACHE; i++) {
  BULK_HEADERS.push(Buffer.from(`$${i}\r\n`))
  ARRAY_HEADERS.push(Buffer.from(`*${i}\r\n`))
}

function header (cache: Buffer[], prefix: string, n: number): Buffer {
  return n < HEADER_CACHE ? cache[n] : Buffer.from(`${prefix}${n}\r\n`)
}

/** Accumulates encoded requests until `take()`. */
export class RequestEncoder {
  private parts: Buffer[] = []
  private small: Buffer[] = []
  private smallBytes = 0
  private total = 0

  /** Bytes encoded since the last take(). */
  get size (): number { return this.total }

  /**
   * Throws unless every argument is bytes. Called before anything of a request is added, so
   * a malformed request can never leave half a frame in a batch other clients' requests share.
   */
  static check (args: readonly Buffer[]): void {
    for (let i = 0; i < args.length; i++) {
      if (!(args[i] instanceof Uint8Array)) throw new TypeError(`request argument ${i} is not bytes`)
    }
  }

  /** Appends `*n $len arg ...` for args (see {@link RequestEncoder.check}). */
  push (args: readonly Buffer[]): void {
    this.pushSmall(header(ARRAY_HEADERS, '*', args.length))
    for (let i = 0; i < args.length; i++) {
      const a = args[i]
      this.pushSmall(header(BULK_HEADERS, '$', a.length))
      this.pushBytes(a)
      this.pushSmall(CRLF)
    }
  }

  /** Appends bytes already encoded (ASKING, or a request as the client sent it). */
  pushRaw (bytes: Buffer): void {
    this.pushBytes(bytes)
  }

  /** Small bytes are copied into the batch; big ones go by reference (never copied). */
  private pushBytes (bytes: Buffer): void {
    if (bytes.length >= BIG_ARG) {
      this.closeSmall()
      this.parts.push(bytes)
      this.total += bytes.length
    } else {
      this.pushSmall(bytes)
    }
  }

  /** Returns the encoded buffers (usually exactly one) and resets. */
  take (): Buffer[] {
    this.closeSmall()
    const out = this.parts
    this.parts = []
    this.total = 0
    return out
  }

  private pushSmall (b: Buffer): void {
    this.small.push(b)
    this.smallBytes += b.length
    this.total += b.length
  }

  private closeSmall (): void {
    if (this.small.length === 0) return
    this.parts.push(this.small.length === 1 ? this.small[0] : Buffer.concat(this.small, this.smallBytes))
    this.small = []
    this.smallBytes = 0
  }
}
