/**
 * Redis Cluster key → hash slot, per the cluster spec ("Keys distribution model"):
 * CRC16-XMODEM of the key (or of its hash tag) modulo 16384.
 *
 * Our own implementation on purpose: cluster-key-slot 1.1.1 (and so ioredis' hashing) gives
 * 4015 for `foo{}{bar}` where Redis says 8363 — an empty first tag must mean "hash the whole key".
 */

/** Number of hash slots in a Redis Cluster. */
export const SLOT_COUNT = 16384

const CRC16_TABLE = buildTable()

function buildTable (): Uint16Array {
  const table = new Uint16Array(256)
  for (let i = 0; i < 256; i++) {
    let crc = i << 8
    for (let bit = 0; bit < 8; bit++) {
      crc = (crc & 0x8000) !== 0 ? ((crc << 1) ^ 0x1021) : (crc << 1)
    }
    table[i] = crc & 0xffff
  }
  return table
}

function crc16 (buf: Uint8Array, start: number, end: number): number {
  let crc = 0
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ buf[i]) & 0xff]
  }
  return crc
}

const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d

/**
 * The hash slot of `key`. Hash-tag rule: if the key has a `{`, and a `}` after it, and at
 * least one byte between them, only the bytes between the first `{` and the first `}` after
 * it are hashed; otherwise the whole key is.
 */
export function keySlot (key: Uint8Array): number {
  const len = key.length
  let open = -1
  for (let i = 0; i < len; i++) {
    if (key[i] === OPEN_BRACE) { open = i; break }
  }
  if (open !== -1) {
    for (let j = open + 1; j < len; j++) {
      if (key[j] === CLOSE_BRACE) {
        if (j > open + 1) return crc16(key, open + 1, j) & (SLOT_COUNT - 1)
        break
      }
    }
  }
  return crc16(key, 0, len) & (SLOT_COUNT - 1)
}
