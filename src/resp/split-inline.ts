/**
 * Splits an inline request line (`SET k "a b"`) into arguments the way Redis' sdssplitargs
 * does: spaces separate, "double quotes" take \n \r \t \b \a \\ \" and \xHH escapes,
 * 'single quotes' take only \'. A closing quote must be followed by a space or the end.
 * Returns null for unbalanced quotes (Redis: "Protocol error: unbalanced quotes in request").
 */
export function splitInline (line: Uint8Array): Buffer[] | null {
  const args: Buffer[] = []
  const len = line.length
  let i = 0
  while (true) {
    while (i < len && isSpace(line[i])) i++
    if (i >= len) return args
    const out: number[] = []
    let inDouble = false
    let inSingle = false
    let done = false
    while (!done) {
      if (inDouble) {
        if (i >= len) return null
        const c = line[i]
        if (c === 0x5c && i + 3 < len && line[i + 1] === 0x78 && isHex(line[i + 2]) && isHex(line[i + 3])) {
          out.push(hexVal(line[i + 2]) * 16 + hexVal(line[i + 3]))
          i += 3
        } else if (c === 0x5c && i + 1 < len) {
          i++
          const e = line[i]
          out.push(e === 0x6e ? 0x0a : e === 0x72 ? 0x0d : e === 0x74 ? 0x09 : e === 0x62 ? 0x08 : e === 0x61 ? 0x07 : e)
        } else if (c === 0x22) {
          if (i + 1 < len && !isSpace(line[i + 1])) return null
          done = true
        } else {
          out.push(c)
        }
      } else if (inSingle) {
        if (i >= len) return null
        const c = line[i]
        if (c === 0x5c && i + 1 < len && line[i + 1] === 0x27) {
          i++
          out.push(0x27)
        } else if (c === 0x27) {
          if (i + 1 < len && !isSpace(line[i + 1])) return null
          done = true
        } else {
          out.push(c)
        }
      } else {
        if (i >= len) { done = true; break }
        const c = line[i]
        // Outside quotes a word ends only at space, \t, \n, \r or NUL (sdssplitargs).
        if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x00) done = true
        else if (c === 0x22) inDouble = true
        else if (c === 0x27) inSingle = true
        else out.push(c)
      }
      if (i < len) i++
    }
    args.push(Buffer.from(out))
  }
}

function isSpace (c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0b || c === 0x0c
}

function isHex (c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
}

function hexVal (c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10
}
