import { SLOT_COUNT } from '../cluster/key-slot.js'

/** Config epochs are kept modulo this in the cursor (a change is what matters, not its size). */
export const EPOCH_MODULUS = 4096

/**
 * slotgate's SCAN cursor: which shard, the node's own cursor within it, and the cluster's
 * config epoch when the iteration began. The shard is named by its lowest slot; the epoch
 * lets the next call see that slots moved (or a failover happened) since, in which case the
 * iteration starts over — keys may come twice, which SCAN allows, but none present for the
 * whole iteration is missed, which SCAN promises. Encoded as
 * `(nodeCursor * EPOCH_MODULUS + epoch) * 16384 + slot`: node cursors (reverse-binary positions
 * in a hash table) stay far below 2^38, so the result fits the unsigned 64-bit integer
 * clients expect. Cursor 0 means "start" and, returned, "done", as in Redis.
 */
export interface ScanPosition {
  /** Lowest slot of the shard being scanned. */
  slot: number
  /** The node's SCAN cursor, as the decimal string it sent. */
  nodeCursor: string
  /** The cluster's config epoch when the iteration began, modulo EPOCH_MODULUS. */
  epoch: number
}

const MAX_NODE_CURSOR = 2n ** 38n

/** Decodes a client cursor; null when it is not one slotgate could have given. */
export function decodeScanCursor (cursor: string): ScanPosition | null {
  if (!/^(0|[1-9][0-9]{0,19})$/.test(cursor)) return null
  const n = BigInt(cursor)
  if (n >= 2n ** 64n) return null
  const slots = BigInt(SLOT_COUNT)
  const rest = n / slots
  return { slot: Number(n % slots), epoch: Number(rest % BigInt(EPOCH_MODULUS)), nodeCursor: (rest / BigInt(EPOCH_MODULUS)).toString() }
}

/** Encodes a position for the client; null when the node's cursor is too large to carry. */
export function encodeScanCursor (pos: ScanPosition): string | null {
  const node = BigInt(pos.nodeCursor)
  if (node >= MAX_NODE_CURSOR) return null
  return ((node * BigInt(EPOCH_MODULUS) + BigInt(pos.epoch)) * BigInt(SLOT_COUNT) + BigInt(pos.slot)).toString()
}
