/**
 * RESP encoders for replies slotgate makes itself (local commands, merges, errors).
 * Values stay Buffers; only lengths and integers are formatted as text.
 */

const CRLF = Buffer.from('\r\n')

/** `+text\r\n` — text must not contain CR/LF. */
export function simpleString (text: string): Buffer {
  return Buffer.from(`+${text}\r\n`)
}

/** `-message\r\n`; CR/LF in the message are replaced by spaces so the frame stays valid. */
export function errorReply (message: string): Buffer {
  return Buffer.from(`-${message.replace(/[\r\n]+/g, ' ')}\r\n`)
}

/** `:n\r\n` */
export function integerReply (n: number | bigint): Buffer {
  return Buffer.from(`:${n}\r\n`)
}

/** `$len\r\n<bytes>\r\n`, or the RESP2 null bulk for null. */
export function bulkReply (value: Buffer | string | null): Buffer {
  if (value === null) return NULL_BULK
  const body = typeof value === 'string' ? Buffer.from(value) : value
  return Buffer.concat([Buffer.from(`$${body.length}\r\n`), body, CRLF])
}

/** `*n\r\n` followed by already-encoded elements. */
export function arrayReply (encodedElements: readonly Buffer[]): Buffer {
  return Buffer.concat([Buffer.from(`*${encodedElements.length}\r\n`), ...encodedElements])
}

/** Encodes a request (`*n` of bulks) into one buffer, for internal requests. */
export function encodeCommand (args: readonly (Buffer | string)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)]
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a
    parts.push(Buffer.from(`$${b.length}\r\n`), b, CRLF)
  }
  return Buffer.concat(parts)
}

/** The null reply of a protocol: `$-1` in RESP2, `_` in RESP3. */
export function nullReply (protocol: 2 | 3): Buffer {
  return protocol === 3 ? NULL_RESP3 : NULL_BULK
}

/** The null array of a protocol (EXEC after a failed WATCH): `*-1` in RESP2, `_` in RESP3. */
export function nullArrayReply (protocol: 2 | 3): Buffer {
  return protocol === 3 ? NULL_RESP3 : NULL_ARRAY
}

/** A map: RESP3 `%n` of key/value pairs; in RESP2 the flat array clients expect. */
export function mapReply (protocol: 2 | 3, pairs: readonly (readonly [Buffer, Buffer])[]): Buffer {
  const flat = pairs.flatMap(([k, v]) => [k, v])
  if (protocol === 2) return arrayReply(flat)
  return Buffer.concat([Buffer.from(`%${pairs.length}\r\n`), ...flat])
}

/** A double: RESP3 `,x`, or the bulk string RESP2 clients get for one (Redis' addReplyDouble). */
export function doubleReply (protocol: 2 | 3, value: number): Buffer {
  const text = Number.isFinite(value) ? String(value) : value > 0 ? 'inf' : value < 0 ? '-inf' : 'nan'
  return protocol === 3 ? Buffer.from(`,${text}\r\n`) : bulkReply(text)
}

/** Text for humans (INFO): a RESP3 verbatim string `=len\r\ntxt:...`, or a bulk string in RESP2. */
export function verbatimReply (protocol: 2 | 3, text: string): Buffer {
  if (protocol === 2) return bulkReply(text)
  const body = Buffer.from(`txt:${text}`)
  return Buffer.concat([Buffer.from(`=${body.length}\r\n`), body, CRLF])
}

/** Pre-encoded constant replies (STYLE: never re-encode a constant on the hot path). */
export const OK = Buffer.from('+OK\r\n')
export const PONG = Buffer.from('+PONG\r\n')
export const QUEUED = Buffer.from('+QUEUED\r\n')
export const NULL_BULK = Buffer.from('$-1\r\n')
export const NULL_ARRAY = Buffer.from('*-1\r\n')
export const NULL_RESP3 = Buffer.from('_\r\n')
export const EMPTY_ARRAY = Buffer.from('*0\r\n')
