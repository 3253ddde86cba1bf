import { readFileSync } from 'node:fs'
import { cpuTicks, processTree } from './proc-stats.js'

/** Machine-wide and bench-owned CPU time at one instant, in clock ticks. */
export interface CpuSnapshot {
  /** Busy time of all CPUs together (/proc/stat: user, nice, system, irq, softirq, steal). */
  readonly busy: number
  /** Busy plus idle and iowait: the capacity that passed. */
  readonly total: number
  /** This process, its reaped children (redis-benchmark runs) and `pids` (slotgate, the nodes). */
  readonly ours: number
}

function selfTicks (): number {
  // utime, stime, cutime, cstime: fields 14-17 of proc(5); children count once reaped, so a
  // redis-benchmark that exited before the snapshot is in.
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return [14, 15, 16, 17].reduce((sum, n) => sum + Number(fields[n - 3]), 0)
}

function liveTicks (pid: number): number {
  try {
    return cpuTicks(pid)
  } catch (err) {
    // A process that is gone adds nothing more; the run itself reports a dead slotgate.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
}

/** Reads /proc/stat and the CPU time of everything the bench runs. */
export function cpuSnapshot (pids: readonly number[]): CpuSnapshot {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] as string
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[]
  const busy = (user as number) + (nice as number) + (system as number) + (irq as number) + (softirq as number) + (steal as number)
  return { busy, total: busy + (idle as number) + (iowait as number), ours: selfTicks() + pids.flatMap(processTree).reduce((sum, pid) => sum + liveTicks(pid), 0) }
}

/**
 * Share of the machine's CPU capacity that processes outside the bench used between two
 * snapshots (0..1): other work competing with the cluster, slotgate and redis-benchmark.
 */
export function foreignShare (before: CpuSnapshot, after: CpuSnapshot): number {
  const total = after.total - before.total
  if (total <= 0) return 0
  return Math.max(0, (after.busy - before.busy) - (after.ours - before.ours)) / total
}
