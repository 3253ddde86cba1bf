import { bulkReply, integerReply, nullReply } from '../resp/encode.js'
import { readBulk, readElements } from '../resp/decode-reply.js'

/**
 * A subscription confirmation `[kind, channel, count]` as one node sends it: a RESP2 array
 * or a RESP3 push. `channel` null for an unsubscribe with nothing to drop.
 */
export function subscriptionFrame (protocol: 2 | 3, kind: string, channel: Buffer | null, count: number): Buffer {
  return Buffer.concat([
    Buffer.from(protocol === 3 ? '>3\r\n' : '*3\r\n'),
    bulkReply(kind), channel === null ? nullReply(protocol) : bulkReply(channel), integerReply(count)
  ])
}

/** A Pub/Sub frame from a node, read just enough to route it. */
export interface PubSubFrame {
  /** Lower case: `message`, `pmessage`, `smessage`, `subscribe`, `sunsubscribe`, ... */
  kind: string
  /** The channel (for pmessage: the channel the message was published to). */
  channel: Buffer | null
  /** For pmessage: the pattern that matched. */
  pattern: Buffer | null
}

/** Reads a frame's kind and names; null when it is not a Pub/Sub frame (a reply to PING, say). */
export function readPubSubFrame (frame: Buffer): PubSubFrame | null {
  const e = readElements(frame)
  if (e === null || e.length < 2) return null
  const kind = readBulk(e[0])?.toString('latin1').toLowerCase()
  if (kind === undefined) return null
  if (kind === 'pmessage') return { kind, pattern: readBulk(e[1]), channel: e.length > 2 ? readBulk(e[2]) : null }
  return { kind, channel: readBulk(e[1]), pattern: null }
}
