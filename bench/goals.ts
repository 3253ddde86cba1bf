/**
 * The goals slotgate is judged against (issue 17), and the verdicts. Only a run with the C++ peer
 * (predixy) in the same interleaved rounds judges them: ratios from different runs, or against
 * figures copied from elsewhere, do not.
 */

/** slotgate/predixy of the ratios to direct, at least this. */
export const MIN_PEER_RATIO = 1
/** slotgate's CPU per request over predixy's, at most this. */
export const MAX_CPU_RATIO = 1.1
/** p50 latency of GET -c 1 through slotgate, ms, at most this. */
export const MAX_P50_MS = 0.11
/** RSS idle, and with 1,000 clients connected under load, KiB (64 and 96 MiB). */
export const MAX_IDLE_RSS_KIB = 64 * 1024
export const MAX_CROWD_RSS_KIB = 96 * 1024

/** A goal and whether a run met it. */
export interface Verdict {
  readonly goal: string
  /** `yes`, `no: <what missed>`, or `not judged: <why>`. */
  readonly met: string
}

/** The medians one workload row is judged on. */
export interface RowFigures {
  /** Median over rounds of slotgate ops/s ÷ predixy ops/s (same round). */
  readonly peerRatio?: number
  readonly cpuSlotgate?: number
  readonly cpuPredixy?: number
  /** slotgate's median p50, ms; judged when `latency` is set. */
  readonly p50?: number
  readonly latency: boolean
}

const NO_PEER = 'not judged: no predixy in this run'

function verdict (goal: string, misses: string[], missing: boolean, hasPeer: boolean): Verdict {
  if (!hasPeer) return { goal, met: NO_PEER }
  if (missing) return { goal, met: 'not judged: runs failed' }
  return { goal, met: misses.length === 0 ? 'yes' : `no: ${misses.join(', ')}` }
}

/** A workload row: ratio to direct at least predixy's, CPU within 10% of predixy's, and for GET -c 1 the p50. */
export function judgeRow (f: RowFigures, hasPeer: boolean): Verdict {
  const parts = [`s/p ≥ ${MIN_PEER_RATIO.toFixed(2)}`, `CPU ≤ ${MAX_CPU_RATIO.toFixed(2)}× p`]
  if (f.latency) parts.push(`p50 ≤ ${MAX_P50_MS.toFixed(2)} ms`)
  const cpuRatio = f.cpuSlotgate !== undefined && f.cpuPredixy !== undefined && f.cpuPredixy > 0 ? f.cpuSlotgate / f.cpuPredixy : undefined
  const misses: string[] = []
  if (f.peerRatio !== undefined && f.peerRatio < MIN_PEER_RATIO) misses.push(`s/p ${f.peerRatio.toFixed(2)}`)
  if (cpuRatio !== undefined && cpuRatio > MAX_CPU_RATIO) misses.push(`CPU ${cpuRatio.toFixed(2)}×`)
  if (f.latency && f.p50 !== undefined && f.p50 > MAX_P50_MS) misses.push(`p50 ${f.p50.toFixed(3)} ms`)
  const missing = f.peerRatio === undefined || cpuRatio === undefined || (f.latency && f.p50 === undefined)
  return verdict(parts.join(', '), misses, missing, hasPeer)
}

/** An RSS figure of slotgate's against its ceiling. */
export function judgeRss (kib: number | undefined, maxKib: number, hasPeer: boolean): Verdict {
  const goal = `≤ ${maxKib / 1024} MiB`
  return verdict(goal, kib !== undefined && kib > maxKib ? [`${(kib / 1024).toFixed(1)} MiB`] : [], kib === undefined, hasPeer)
}
