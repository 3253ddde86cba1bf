/**
 * "Did you mean" for mistyped option names, shared by flags, env vars and file keys: names are
 * compared loosely (case, `-` and `_` ignored) and within a small edit distance, so
 * `--loglevel`, `SLOTGATE_READ_POLICEY` and `"prot"` each find the option they meant.
 */

// "logLevel", "log-level", "LOG_LEVEL" all become "loglevel".
export function looseName (name: string): string {
  return name.replace(/[-_]/g, '').toLowerCase()
}

/** Edit distance with adjacent transpositions counted as one edit (optimal string alignment). */
export function editDistance (a: string, b: string): number {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[] = new Array<number>(rows * cols)
  for (let i = 0; i < rows; i++) d[i * cols] = i
  for (let j = 0; j < cols; j++) d[j] = j
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[(i - 2) * cols + j - 2]! + 1)
      d[i * cols + j] = best
    }
  }
  return d[rows * cols - 1]!
}

/**
 * The candidate `name` most likely meant, or undefined when none is close: an exact loose
 * match first, else the nearest within one edit for short names and two for longer ones.
 */
export function closest<T extends string> (name: string, candidates: readonly T[]): T | undefined {
  const wanted = looseName(name)
  if (wanted === '') return undefined
  const limit = wanted.length <= 4 ? 1 : 2
  let best: T | undefined
  let bestDistance = limit + 1
  for (const candidate of candidates) {
    const distance = editDistance(wanted, looseName(candidate))
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}
