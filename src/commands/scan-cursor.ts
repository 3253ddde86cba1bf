import { SLOT_COUNT } from '../cluster/key-slot.js'

/**
 * slotgate's SCAN cursor: which shard, and the node's own cursor within it. The shard is
 * named by the lowest slot it served when the scan reached it, so the cursor stays meaningful
 * when masters change (a failover keeps the shard's slots; the promoted replica has the same
 * keys). Encoded as `nodeCursor * 16384 + slot`: node cursors are reverse-binary positions in
 * a hash table, far below 2^50, so the result fits the unsigned 64-bit integer clients expect.
 * Cursor 0 means "start" and, returned, "done", as in Redis.
 */
export interface ScanPosition {
  /** Lowest slot of the shard being scanned. */
  slot: number
  /** The node's SCAN cursor, as the decimal string it sent. */
  nodeCursor: string
}

/** Decodes a client cursor; null when it is not one slotgate could have given. */
export function decodeScanCursor (cursor: string): ScanPosition | null {
  if (!/^(0|[1-9][0-9]{0,19})$/.test(cursor)) return null
  const n = BigInt(cursor)
  if (n >= 2n ** 64n) return null
  const slots = BigInt(SLOT_COUNT)
  return { slot: Number(n % slots), nodeCursor: (n / slots).toString() }
}

/** Encodes a position for the client. */
export function encodeScanCursor (pos: ScanPosition): string {
  return (BigInt(pos.nodeCursor) * BigInt(SLOT_COUNT) + BigInt(pos.slot)).toString()
}
