/**
 * Parses a signed decimal integer from `buf[start, end)` as Redis' string2ll does: optional
 * '-', digits only, no spaces, no '+', no leading zeros except "0" (so no "-0"). Returns NaN
 * when invalid. Works on bytes so request headers are never decoded to strings.
 */
export function parseInteger (buf: Uint8Array, start: number, end: number): number {
  if (start >= end) return NaN
  let i = start
  let negative = false
  if (buf[i] === 0x2d) { negative = true; i++; if (i === end) return NaN }
  if (buf[i] === 0x30 && (negative || end - i > 1)) return NaN
  let n = 0
  for (; i < end; i++) {
    const d = buf[i] - 0x30
    if (d < 0 || d > 9) return NaN
    n = n * 10 + d
    if (n > Number.MAX_SAFE_INTEGER) return NaN
  }
  return negative ? -n : n
}
