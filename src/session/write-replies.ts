import type net from 'node:net'

/** Replies of one flush up to this size are joined into one write (above it, written by reference). */
const COALESCE_BYTES = 64 * 1024

/**
 * Writes one flush's replies (`bytes` in all): one write of a copy for a pipelined client's
 * small replies, which is cheaper than one stream write per reply; large ones by reference
 * under cork, so a 64 MiB value is never copied.
 */
export function writeReplies (socket: net.Socket, replies: readonly Buffer[], bytes: number): void {
  if (replies.length === 1) {
    socket.write(replies[0])
  } else if (replies.length > 1 && bytes <= COALESCE_BYTES) {
    socket.write(Buffer.concat(replies, bytes))
  } else if (replies.length > 1) {
    socket.cork()
    for (const b of replies) socket.write(b)
    socket.uncork()
  }
}
