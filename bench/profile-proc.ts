import { readFileSync } from 'node:fs'
import { clockTicksPerSecond, cpuTickSplit } from './proc-stats.js'

/** CPU time one process has used so far, split the way /proc splits it; seconds. */
export interface CpuSplit {
  readonly user: number
  readonly system: number
}

/**
 * utime and stime of `pid` (/proc/PID/stat fields 14 and 15, see proc(5)), apart: the
 * system share says how much of the process' CPU is the kernel's (socket syscalls), which a
 * JS profile only shows as time inside native calls such as `writeBuffer`.
 */
export function cpuSplit (pid: number): CpuSplit {
  const { utime, stime } = cpuTickSplit(pid)
  return { user: utime / clockTicksPerSecond(), system: stime / clockTicksPerSecond() }
}

/** `user 5.1 s + system 9.3 s = 14.4 s (65% system), 48 µs per request`. */
export function describeCpu (before: CpuSplit, after: CpuSplit, requests: number): string {
  const user = after.user - before.user
  const system = after.system - before.system
  const total = user + system
  const share = total === 0 ? '—' : `${Math.round(system / total * 100)}%`
  return `user ${user.toFixed(1)} s + system ${system.toFixed(1)} s = ${total.toFixed(1)} s (${share} system), ${(total * 1e6 / requests).toFixed(1)} µs per request`
}

/** Where the main thread's wall time went, from /proc/PID/schedstat; seconds. */
export interface SchedSplit {
  /** On a CPU (user and system). */
  readonly running: number
  /** Runnable but waiting for a core: other processes had them. */
  readonly waiting: number
}

/**
 * /proc/PID/schedstat of the main thread (the PID's own task): ns on a CPU and ns runnable
 * in a run queue (see the kernel's sched-stats.rst). V8 samples wall-clock time, so a sample
 * that lands while the thread waits for a core is charged to whatever it last did: on shared
 * cores mostly `writeBuffer`, since a write that wakes the peer is where the scheduler
 * switches. The waiting share says how much of the busy samples that is.
 */
export function schedSplit (pid: number): SchedSplit {
  const [running, waiting] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number)
  if (!Number.isFinite(running) || !Number.isFinite(waiting)) throw new Error(`unreadable /proc/${pid}/schedstat`)
  return { running: (running as number) / 1e9, waiting: (waiting as number) / 1e9 }
}

/** `on a CPU 6.1 s, waiting for a core 3.2 s, of 15.1 s`. */
export function describeSched (before: SchedSplit, after: SchedSplit, wallSeconds: number): string {
  return `on a CPU ${(after.running - before.running).toFixed(1)} s, runnable but waiting for a core ${(after.waiting - before.waiting).toFixed(1)} s, of ${wallSeconds.toFixed(1)} s`
}
