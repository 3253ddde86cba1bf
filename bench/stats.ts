/** Median of the finite numbers in `values`; undefined when there are none. */
export function median (values: ReadonlyArray<number | undefined>): number | undefined {
  const sorted = values.filter((v): v is number => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return undefined
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Smallest and largest finite number in `values`; undefined when there are none. */
export function range (values: ReadonlyArray<number | undefined>): [number, number] | undefined {
  const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v))
  return finite.length === 0 ? undefined : [Math.min(...finite), Math.max(...finite)]
}

/** An interval for a median, and the confidence it actually has. */
export interface MedianInterval {
  readonly low: number
  readonly high: number
  /** At least the confidence asked for; higher, since order statistics come in steps. */
  readonly coverage: number
}

/**
 * A distribution-free confidence interval for the median of `values`: the order statistics
 * x(k) and x(n+1-k) with the largest k whose coverage, 1 - 2·P(Binomial(n, ½) < k), is still at
 * least `confidence`. It assumes nothing about the shape of the machine's noise, and is the same
 * on every call (a bootstrap is not). Undefined with too few finite values to reach
 * `confidence` (fewer than 6 at 95%).
 */
export function medianInterval (values: ReadonlyArray<number | undefined>, confidence = 0.95): MedianInterval | undefined {
  const sorted = values.filter((v): v is number => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b)
  const n = sorted.length
  let below = 0 // P(Binomial(n, ½) < k), for the k about to be tried
  let term = 0.5 ** n // P(Binomial(n, ½) = k - 1)
  let best: MedianInterval | undefined
  for (let k = 1; k <= n >> 1; k++) {
    below += term
    term = term * (n - k + 1) / k
    const coverage = 1 - 2 * below
    if (coverage < confidence) break
    best = { low: sorted[k - 1] as number, high: sorted[n - k] as number, coverage }
  }
  return best
}
