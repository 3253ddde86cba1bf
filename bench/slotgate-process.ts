import { once } from 'node:events'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'
import { freePorts } from '../test/harness/free-ports.js'
import { withNodeClient } from '../test/harness/node-command.js'
import { killChild, OutputTail, spawnTracked } from './child-processes.js'

/** The compiled CLI, next to this file's compiled form (dist/bench → dist/src/bin). */
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'bin', 'slotgate.js')
const READY_TIMEOUT_MS = 30_000
const STOP_GRACE_MS = 5000

/** One slotgate started through its CLI as a child process, so /proc can measure it alone. */
export class SlotgateProcess {
  readonly #child: ChildProcess
  readonly #output = new OutputTail()
  readonly port: number

  private constructor (child: ChildProcess, port: number) {
    this.#child = child
    this.port = port
    child.stdout?.on('data', (chunk: Buffer) => { this.#output.push(chunk) })
    child.stderr?.on('data', (chunk: Buffer) => { this.#output.push(chunk) })
  }

  /**
   * Spawns `node dist/src/bin/slotgate.js` on a free loopback port in front of `seeds` and
   * resolves once a plain PING answers and a SET/GET round trip through it works.
   * `nodeArgs` go to node itself, before the script (e.g. `--cpu-prof` for bench/profile.ts).
   */
  static async start (seeds: readonly string[], extraArgs: readonly string[] = [], nodeArgs: readonly string[] = []): Promise<SlotgateProcess> {
    const [port, metricsPort] = await freePorts(2, '127.0.0.1')
    // Metrics stay on, as shipped: what is measured is what runs in production.
    const args = [...nodeArgs, CLI, '--seeds', seeds.join(','), '--port', String(port), '--bind', '127.0.0.1',
      '--metrics-port', String(metricsPort), '--metrics-bind', '127.0.0.1', '--log-level', 'warn', ...extraArgs]
    const proc = new SlotgateProcess(spawnTracked(process.execPath, args), port as number)
    try {
      await proc.#waitReady()
    } catch (err) {
      await proc.stop()
      throw err
    }
    return proc
  }

  /** The slotgate process' PID (the node process itself: setpriv execs it). */
  get pid (): number {
    return this.#child.pid as number
  }

  /** True while the process runs. */
  get alive (): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** How it ended, for reports (`running` while alive). */
  get exitStatus (): string {
    if (this.alive) return 'running'
    return this.#child.signalCode !== null ? `killed by ${this.#child.signalCode}` : `exited with code ${this.#child.exitCode}`
  }

  /** The last lines slotgate wrote to stdout/stderr (warnings and errors at log level warn). */
  output (): string {
    return this.#output.text()
  }

  /** SIGTERM (slotgate drains and exits), SIGKILL after a grace period; idempotent. */
  async stop (): Promise<void> {
    if (!this.alive) return
    const exited = once(this.#child, 'exit')
    killChild(this.#child, 'SIGTERM')
    const timer = setTimeout(() => { killChild(this.#child) }, STOP_GRACE_MS)
    await exited
    clearTimeout(timer)
  }

  async #waitReady (): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS
    let last = 'no attempt yet'
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`slotgate ${this.exitStatus} before it was ready:\n${this.output()}`)
      try {
        await withNodeClient('127.0.0.1', this.port, async client => {
          const pong = await client.ping()
          if (pong !== 'PONG') throw new Error(`PING answered ${pong}`)
          const value = `ready-${Date.now()}`
          await client.set('slotgate-bench:ready', value)
          const read = await client.get('slotgate-bench:ready')
          if (read !== value) throw new Error(`GET answered ${read}, expected ${value}`)
        }, 2000)
        return
      } catch (err) {
        // Not listening yet, or the slot map not loaded yet: try again until the deadline.
        last = (err as Error).message
      }
      await new Promise(resolve => setTimeout(resolve, 200))
    }
    throw new Error(`slotgate on 127.0.0.1:${this.port} not ready after ${READY_TIMEOUT_MS} ms: ${last}\n${this.output()}`)
  }
}
