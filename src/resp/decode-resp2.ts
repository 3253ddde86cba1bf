/** A node's error reply, decoded. */
export class RespError {
  constructor (readonly message: string) {}
}

/** A RESP2 value: strings as Buffers (values stay bytes), integers as numbers, null, arrays, errors. */
export type Resp2Value = Buffer | number | null | RespError | Resp2Value[]

/**
 * Decodes one whole RESP2 reply into values, for the few introspection replies slotgate
 * merges field by field (SLOWLOG entries, LATENCY samples, MEMORY STATS). Throws on bytes
 * that are not one complete RESP2 reply: callers hold whole replies from the reply framer.
 */
export function decodeResp2 (reply: Buffer): Resp2Value {
  const [value, end] = decodeAt(reply, 0)
  if (end !== reply.length) throw new Error(`RESP2 reply has ${reply.length - end} bytes after its end`)
  return value
}

function decodeAt (buf: Buffer, pos: number): [Resp2Value, number] {
  const cr = buf.indexOf('\r\n', pos)
  if (cr === -1) throw new Error('RESP2 reply cut short')
  const line = buf.toString('latin1', pos + 1, cr)
  const next = cr + 2
  switch (buf[pos]) {
    case 0x2b: return [buf.subarray(pos + 1, cr), next] // +simple
    case 0x2d: return [new RespError(line), next] // -error
    case 0x3a: return [Number(line), next] // :integer
    case 0x24: { // $bulk
      const n = Number(line)
      if (n < 0) return [null, next]
      if (next + n + 2 > buf.length) throw new Error('RESP2 bulk cut short')
      return [buf.subarray(next, next + n), next + n + 2]
    }
    case 0x2a: { // *array
      const n = Number(line)
      if (n < 0) return [null, next]
      const items: Resp2Value[] = []
      let at = next
      for (let i = 0; i < n; i++) {
        const [item, end] = decodeAt(buf, at)
        items.push(item)
        at = end
      }
      return [items, at]
    }
    default:
      throw new Error(`not a RESP2 type: ${String.fromCharCode(buf[pos])}`)
  }
}

/** A decoded value as text (bulk or simple string), or '' for anything else. */
export function textOf (value: Resp2Value): string {
  return Buffer.isBuffer(value) ? value.toString('latin1') : typeof value === 'number' ? String(value) : ''
}
