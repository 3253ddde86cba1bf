import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { BenchSetup } from './bench-setup.js'
import { timeoutFor } from './measure.js'
import { fillKeys } from './profile-fill.js'
import { cpuSplit, describeCpu, describeSched, schedSplit } from './profile-proc.js'
import type { ProfileOptions } from './profile-options.js'
import type { SampleWindow } from './profile-write.js'
import { runRedisBenchmark, type BenchOutcome } from './redis-benchmark.js'
import type { ServerProcess } from './server-process.js'

/** What one profiled run left behind. */
export interface Capture {
  /** The `.cpuprofile` node wrote when slotgate exited. */
  readonly profilePath: string
  readonly outcome: BenchOutcome
  /** When redis-benchmark ran, on the clock of the profile's timestamps. */
  readonly window: SampleWindow
  /** redis-benchmark's arguments, the slotgate port written as `<slotgate>`. */
  readonly benchArgs: readonly string[]
  /** How slotgate ended (`exited with code 0` after a clean drain). */
  readonly slotgateExit: string
  /** slotgate's user and system CPU while redis-benchmark ran, from /proc (see describeCpu). */
  readonly slotgateCpu: string
  /** The main thread's time on a CPU and waiting for one during the run (see schedSplit). */
  readonly mainThread: string
}

/** How long slotgate may take to drain, exit and write its profile after SIGTERM. */
const EXIT_TIMEOUT_MS = 60_000
const PROFILE_WAIT_MS = 5000

/**
 * Monotonic µs, the clock V8 stamps profiles with (both are CLOCK_MONOTONIC on Linux; checked
 * against a profile's startTime when this was written), so the load window can be cut out.
 */
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n)

/**
 * The bench's cluster and slotgate (BenchSetup), slotgate under `node --cpu-prof`, with an
 * idempotent `stop()` for every exit path.
 */
export class ProfiledRun {
  readonly #setup: BenchSetup

  constructor (private readonly log: (msg: string) => void) {
    this.#setup = new BenchSetup(log)
  }

  /** Starts everything, runs the workload once through slotgate, stops slotgate with SIGTERM and finds its profile in `profileDir`. */
  async capture (options: ProfileOptions, profileDir: string): Promise<Capture> {
    const nodeArgs = ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-interval', String(options.intervalUs)]
    const { slotgate, nodes } = await this.#setup.start({ slotgateArgs: options.slotgateArgs, nodeArgs })
    this.log(`slotgate pid ${slotgate.pid} (node ${nodeArgs.join(' ')}) on 127.0.0.1:${slotgate.port}`)
    const seeds = nodes.map(n => `${n.host}:${n.port}`)
    const { workload } = options
    // The GETs should hit, as in the bench; writing the keys through slotgate would put a SET
    // run into the GET profile, so they go straight to the cluster.
    if (!workload.backend.write) {
      const began = Date.now()
      await fillKeys(seeds)
      this.log(`wrote the ${workload.id} keys straight into the cluster in ${Date.now() - began} ms`)
    }
    this.log(`redis-benchmark ${workload.viaProxy.join(' ')}`)
    const cpuBefore = cpuSplit(slotgate.pid)
    const schedBefore = schedSplit(slotgate.pid)
    const fromUs = nowUs()
    const outcome = await runRedisBenchmark(['-h', '127.0.0.1', '-p', String(slotgate.port), ...workload.viaProxy], timeoutFor(workload.requests))
    const toUs = nowUs()
    if (!slotgate.alive) throw new Error(`slotgate ${slotgate.exitStatus} during the run:\n${slotgate.output()}`)
    const slotgateCpu = describeCpu(cpuBefore, cpuSplit(slotgate.pid), workload.requests)
    const mainThread = describeSched(schedBefore, schedSplit(slotgate.pid), (toUs - fromUs) / 1e6)
    const profilePath = await this.#stopSlotgate(slotgate, profileDir)
    return { profilePath, outcome, window: { fromUs, toUs }, benchArgs: ['-h', '127.0.0.1', '-p', '<slotgate>', ...workload.viaProxy], slotgateExit: slotgate.exitStatus, slotgateCpu, mainThread }
  }

  /** Stops slotgate (if still running: SIGTERM, SIGKILL after a grace), anything else running, then the cluster; idempotent. */
  async stop (): Promise<void> {
    await this.#setup.stop()
  }

  /**
   * SIGTERM by PID, then waits for the exit: slotgate drains and leaves through process.exit,
   * which node's --cpu-prof still honours by writing the profile on the way out. Not
   * ServerProcess.stop(): its SIGKILL after 5 s would lose a profile still being written.
   */
  async #stopSlotgate (slotgate: ServerProcess, profileDir: string): Promise<string> {
    process.kill(slotgate.pid, 'SIGTERM')
    const deadline = Date.now() + EXIT_TIMEOUT_MS
    while (slotgate.alive && Date.now() < deadline) await sleep(100)
    if (slotgate.alive) throw new Error(`slotgate still running ${EXIT_TIMEOUT_MS} ms after SIGTERM:\n${slotgate.output()}`)
    this.log(`slotgate ${slotgate.exitStatus}`)
    const until = Date.now() + PROFILE_WAIT_MS
    for (;;) {
      const found = (await readdir(profileDir)).filter(n => n.endsWith('.cpuprofile'))
      if (found.length === 1) return join(profileDir, found[0] as string)
      if (found.length > 1) throw new Error(`expected one profile in ${profileDir}, found ${found.join(', ')}`)
      if (Date.now() > until) throw new Error(`slotgate ${slotgate.exitStatus} but wrote no profile into ${profileDir}:\n${slotgate.output()}`)
      await sleep(100)
    }
  }
}
