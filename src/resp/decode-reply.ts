import { parseInteger } from './parse-integer.js'
import { ReplyFramer } from './reply-framer.js'

/**
 * Small readers for the few node replies slotgate has to look inside (to merge parts of a
 * split or broadcast command). They return raw slices of the reply, so values are never
 * decoded or copied.
 */

/** True for an error reply (`-...` or RESP3 blob error `!...`). */
export function isErrorReply (reply: Buffer): boolean {
  return reply[0] === 0x2d || reply[0] === 0x21
}

/** The text of an error reply, without the leading `-` and trailing CRLF. */
export function errorText (reply: Buffer): string {
  if (reply[0] === 0x21) {
    const headerEnd = reply.indexOf(0x0d)
    return reply.toString('utf8', headerEnd + 2, reply.length - 2)
  }
  return reply.toString('utf8', 1, reply.length - 2)
}

/** The value of an integer reply `:n`, or NaN. */
export function readInteger (reply: Buffer): number {
  if (reply[0] !== 0x3a) return NaN
  return parseInteger(reply, 1, reply.length - 2)
}

/**
 * The elements of an array-like reply (`*`, `~`, `>`; RESP3 maps `%` give keys and values
 * alternately) as raw slices; null for a null array or a non-aggregate reply.
 */
export function readElements (reply: Buffer): Buffer[] | null {
  const t = reply[0]
  if (t !== 0x2a && t !== 0x7e && t !== 0x3e && t !== 0x25) return null
  const cr = reply.indexOf(0x0d)
  const n = parseInteger(reply, 1, cr)
  if (!(n >= 0)) return null
  const elements: Buffer[] = []
  let broken = false
  const framer = new ReplyFramer({
    onReply (e) { elements.push(e) },
    onFramingError () { broken = true }
  })
  framer.feed(reply.subarray(cr + 2))
  return broken ? null : elements
}

/** The bytes of a bulk string reply (`$`), or null for a null bulk or another type. */
export function readBulk (reply: Buffer): Buffer | null {
  if (reply[0] !== 0x24) return null
  const cr = reply.indexOf(0x0d)
  const n = parseInteger(reply, 1, cr)
  if (!(n >= 0)) return null
  return reply.subarray(cr + 2, cr + 2 + n)
}
