import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/** CPU time and memory of one process, as /proc shows them at one instant. */
export interface ProcSample {
  /** utime + stime, in clock ticks (see `clockTicksPerSecond`). */
  readonly cpuTicks: number
  /** Resident set size, KiB (`VmRSS`). */
  readonly rssKib: number
}

let ticksPerSecond: number | undefined

/** `getconf CLK_TCK`: the unit of utime/stime in /proc/PID/stat (almost always 100). */
export function clockTicksPerSecond (): number {
  if (ticksPerSecond === undefined) {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    if (!Number.isInteger(value) || value <= 0) throw new Error(`getconf CLK_TCK said ${value}`)
    ticksPerSecond = value
  }
  return ticksPerSecond
}

/**
 * utime + stime of `pid` from /proc/PID/stat (fields 14 and 15, see proc(5)). Fields are
 * counted after the last `)`, because the command name in field 2 may hold spaces and parens.
 */
export function cpuTicks (pid: number): number {
  const { utime, stime } = cpuTickSplit(pid)
  return utime + stime
}

/** utime and stime of `pid` apart, in clock ticks. */
export function cpuTickSplit (pid: number): { utime: number, stime: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state), so field N sits at index N - 3.
  const utime = Number(fields[14 - 3])
  const stime = Number(fields[15 - 3])
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc/${pid}/stat: ${stat}`)
  return { utime, stime }
}

/** `VmRSS` of `pid` from /proc/PID/status, in KiB. */
export function rssKib (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)
  if (match === null) throw new Error(`no VmRSS in /proc/${pid}/status`)
  return Number(match[1])
}

/**
 * `pid` and its live child processes (slotgate's `--workers`), from each thread's
 * /proc/PID/task/TID/children, so a multi-process slotgate is measured whole.
 */
export function processTree (pid: number): number[] {
  const out = [pid]
  let tasks: string[] = []
  try { tasks = readdirSync(`/proc/${pid}/task`) } catch { return out }
  for (const tid of tasks) {
    let text = ''
    try { text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8') } catch { continue }
    for (const child of text.trim().split(' ')) if (child !== '') out.push(...processTree(Number(child)))
  }
  return out
}

/** Both numbers for `pid` and its children (summed) in one call. */
export function sampleProc (pid: number): ProcSample {
  let ticks = 0
  let rss = 0
  for (const p of processTree(pid)) {
    try {
      ticks += cpuTicks(p)
      rss += rssKib(p)
    } catch (err) {
      // A worker that exited between the listing and the read adds nothing.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || p === pid) throw err
    }
  }
  return { cpuTicks: ticks, rssKib: rss }
}

/** CPU microseconds per request between two samples of the same process. */
export function cpuMicrosPerRequest (before: ProcSample, after: ProcSample, requests: number): number {
  return (after.cpuTicks - before.cpuTicks) * 1e6 / clockTicksPerSecond() / requests
}
