import { arrayReply, errorReply, integerReply, OK } from '../resp/encode.js'
import { errorText, isErrorReply, readElements, readInteger } from '../resp/decode-reply.js'
import { ReplyStrings } from '../resp/reply-strings.js'

/**
 * How the parts of a split or broadcast command become one reply, as one node would have
 * answered (Redis' `response_policy` tips name the same shapes: agg_sum, all_succeeded,
 * agg_logical_and).
 */
export type MergeKind = 'sum' | 'max' | 'all-ok' | 'concat' | 'union' | 'pair-sum' | 'and' | 'first' | 'random-non-null' | 'by-key'

/** One part's reply and, for key-ordered merges, the original positions of its keys. */
export interface PartReply {
  reply: Buffer
  /** Index in the client's key list of each key this part carried (by-key merges). */
  positions?: number[]
  /** The slot of its keys, or -1 for a part sent to a node. */
  slot: number
  /** For parts sent to a node (broadcasts). */
  node?: string
}

/** Which part (for error messages): `slot 1234` or a node address. Built only when needed. */
function partLabel (p: PartReply): string {
  return p.node ?? `slot ${p.slot}`
}

/**
 * Merges parts. An error in any part makes the whole reply an error that keeps the node's
 * error code and names the failing part, since a partial answer would look like a complete
 * one; the same error from every part is passed on as it is.
 */
export function mergeReplies (kind: MergeKind, parts: readonly PartReply[], keyCount = 0): Buffer {
  const failed = parts.find(p => isErrorReply(p.reply))
  if (failed !== undefined) {
    // Every part refused alike (bad arguments, checked before anything ran): that is the
    // error one node would give, so it goes on unchanged.
    if (parts.every(p => p.reply.equals(failed.reply))) return failed.reply
    return errorReply(ReplyStrings.partFailed(errorText(failed.reply), partLabel(failed), parts.length))
  }
  switch (kind) {
    case 'sum': {
      let total = 0
      for (const p of parts) {
        const n = readInteger(p.reply)
        if (Number.isNaN(n)) return unexpected(p)
        total += n
      }
      return integerReply(total)
    }
    case 'max': {
      let most = 0
      for (const p of parts) {
        const n = readInteger(p.reply)
        if (Number.isNaN(n)) return unexpected(p)
        if (n > most) most = n
      }
      return integerReply(most)
    }
    case 'all-ok':
      return parts.length > 0 ? parts[0].reply : OK
    case 'concat': {
      const all: Buffer[] = []
      for (const p of parts) {
        const e = readElements(p.reply)
        if (e === null) return unexpected(p)
        all.push(...e)
      }
      return arrayReply(all)
    }
    case 'union': {
      // PUBSUB CHANNELS: each channel once, whichever nodes report it.
      const seen = new Set<string>()
      const all: Buffer[] = []
      for (const p of parts) {
        const e = readElements(p.reply)
        if (e === null) return unexpected(p)
        for (const x of e) {
          const k = x.toString('latin1')
          if (!seen.has(k)) { seen.add(k); all.push(x) }
        }
      }
      return arrayReply(all)
    }
    case 'pair-sum': {
      // PUBSUB NUMSUB ch...: [ch1, n1, ch2, n2, ...] from each node, counts summed per channel.
      let names: Buffer[] = []
      let counts: number[] = []
      for (const p of parts) {
        const e = readElements(p.reply)
        if (e === null || e.length % 2 !== 0) return unexpected(p)
        if (names.length === 0) { names = e.filter((_, i) => i % 2 === 0); counts = names.map(() => 0) }
        for (let i = 0; i < e.length; i += 2) counts[i / 2] += readInteger(e[i + 1]) || 0
      }
      return arrayReply(names.flatMap((n, i) => [n, integerReply(counts[i])]))
    }
    case 'and': {
      // Per position: 1 only where every part says 1.
      let result: number[] | null = null
      for (const p of parts) {
        const e = readElements(p.reply)
        if (e === null) return unexpected(p)
        const values = e.map(readInteger)
        result = result === null ? values : result.map((v, i) => (v === 1 && values[i] === 1) ? 1 : 0)
      }
      return arrayReply((result ?? []).map(v => integerReply(v)))
    }
    case 'first':
      return parts[0].reply
    case 'random-non-null': {
      const candidates = parts.filter(p => !(p.reply[0] === 0x24 && p.reply[1] === 0x2d) && p.reply[0] !== 0x5f)
      const pick = candidates.length > 0 ? candidates : parts
      return pick[Math.floor(Math.random() * pick.length)].reply
    }
    case 'by-key': {
      const out: Buffer[] = new Array<Buffer>(keyCount)
      for (const p of parts) {
        const e = readElements(p.reply)
        const positions = p.positions ?? []
        if (e === null || e.length !== positions.length) return unexpected(p)
        for (let i = 0; i < e.length; i++) out[positions[i]] = e[i]
      }
      return arrayReply(out)
    }
  }
}

function unexpected (p: PartReply): Buffer {
  return errorReply(ReplyStrings.unexpectedPartReply(partLabel(p), p.reply.subarray(0, 64).toString('latin1')))
}
