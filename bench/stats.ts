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
