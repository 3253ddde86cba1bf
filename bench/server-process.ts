import { once } from 'node:events'
import type { ChildProcess } from 'node:child_process'
import { withNodeClient } from '../test/harness/node-command.js'
import { killChild, OutputTail, spawnTracked } from './child-processes.js'

const READY_TIMEOUT_MS = 30_000
const STOP_GRACE_MS = 5000

/**
 * One proxy under test (slotgate or the C++ peer) started as a child process on a loopback
 * port, so /proc can measure it alone. Ready once a plain PING answers and a SET/GET round
 * trip through it works (the proxy has loaded the slot map).
 */
export class ServerProcess {
  readonly #child: ChildProcess
  readonly #output = new OutputTail()
  /** What the reports call it (`slotgate`, `predixy`, `slotgate --workers 2`). */
  readonly name: string
  readonly port: number

  private constructor (name: string, child: ChildProcess, port: number) {
    this.name = name
    this.#child = child
    this.port = port
    child.stdout?.on('data', (chunk: Buffer) => { this.#output.push(chunk) })
    child.stderr?.on('data', (chunk: Buffer) => { this.#output.push(chunk) })
  }

  /** Spawns `file args` (it must listen on 127.0.0.1:`port`) and resolves once it serves requests. */
  static async start (name: string, file: string, args: readonly string[], port: number): Promise<ServerProcess> {
    const proc = new ServerProcess(name, spawnTracked(file, args), port)
    try {
      await proc.#waitReady()
    } catch (err) {
      await proc.stop()
      throw err
    }
    return proc
  }

  /** The process' PID (the program itself: setpriv execs it). */
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

  /** The last lines it wrote to stdout/stderr. */
  output (): string {
    return this.#output.text()
  }

  /** SIGTERM, SIGKILL after `graceMs`; idempotent. */
  async stop (graceMs = STOP_GRACE_MS): Promise<void> {
    if (!this.alive) return
    const exited = once(this.#child, 'exit')
    killChild(this.#child, 'SIGTERM')
    const timer = setTimeout(() => { killChild(this.#child) }, graceMs)
    await exited
    clearTimeout(timer)
  }

  async #waitReady (): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS
    let last = 'no attempt yet'
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`${this.name} ${this.exitStatus} before it was ready:\n${this.output()}`)
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
    throw new Error(`${this.name} on 127.0.0.1:${this.port} not ready after ${READY_TIMEOUT_MS} ms: ${last}\n${this.output()}`)
  }
}
