/**
 * Reading command arguments the way Redis' own commands read them, on the raw bytes: keyword
 * comparison without case, and integers in Redis' strict `string2ll` form.
 */

/** Case-insensitive compare of a Buffer with an upper-case ASCII word, without allocating (Redis' strcasecmp). */
export function equalsUpper (buf: Uint8Array, upper: string): boolean {
  const len = buf.length
  if (len !== upper.length) return false
  for (let i = 0; i < len; i++) {
    let b = buf[i]
    if (b >= 0x61 && b <= 0x7a) b -= 0x20
    if (b !== upper.charCodeAt(i)) return false
  }
  return true
}

const LLONG_MAX_DIGITS = '9223372036854775807'
const LLONG_MIN_DIGITS = '9223372036854775808'

/**
 * A signed 64-bit integer as Redis' `string2ll` accepts it (what `getLongLongFromObject` and
 * `getLongFromObject` use on a 64-bit build): an optional '-', then "0" alone or a digit 1-9
 * and more digits; no '+', no spaces, no leading zeros, no "-0", within LLONG_MIN..LLONG_MAX.
 * NaN when it is not one. The validity is exact; past 2^53 the value returned is the nearest
 * double, which is all the callers need (sign and comparisons with argument counts).
 */
export function parseLongLong (buf: Uint8Array): number {
  const len = buf.length
  if (len === 0 || len > 20) return NaN
  if (len === 1 && buf[0] === 0x30) return 0
  const negative = buf[0] === 0x2d
  const first = negative ? 1 : 0
  if (first === len || buf[first] < 0x31 || buf[first] > 0x39) return NaN
  let n = 0
  for (let i = first; i < len; i++) {
    const d = buf[i] - 0x30
    if (d < 0 || d > 9) return NaN
    n = n * 10 + d
  }
  const digits = len - first
  if (digits > 19) return NaN
  if (digits === 19) {
    // Past 2^53 the double cannot tell 9223372036854775807 from ...808: compare the digits.
    const limit = negative ? LLONG_MIN_DIGITS : LLONG_MAX_DIGITS
    for (let i = 0; i < 19; i++) {
      const d = buf[first + i]
      const l = limit.charCodeAt(i)
      if (d !== l) {
        if (d > l) return NaN
        break
      }
    }
  }
  // Summing digits past 2^53 rounds at every step: let the double parser round once.
  if (digits > 15) n = Number(String.fromCharCode(...buf.subarray(first)))
  return negative ? -n : n
}
