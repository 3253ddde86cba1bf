import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { get } from 'node:http'
import { join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePorts } from '../harness/free-ports.js'
import { killOnExit } from '../harness/kill-on-exit.js'

const HERE = fileURLToPath(new URL('.', import.meta.url))
// This file runs built (dist/test/compat/) from `npm run compat`, and as TypeScript
// (test/compat/) under tap: the repository's top is two or three levels up.
const ROOT = join(HERE, HERE.includes(`${sep}dist${sep}`) ? '../../..' : '../..')

/** The built CLI, `dist/src/bin/slotgate.js`. */
export const SLOTGATE_CLI = join(ROOT, 'dist', 'src', 'bin', 'slotgate.js')

const READY_TIMEOUT_MS = 20_000

function readyzStatus (port: number): Promise<number> {
  return new Promise(resolve => {
    const req = get({ host: '127.0.0.1', port, path: '/readyz', timeout: 1000 }, res => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(0))
  })
}

/**
 * slotgate as its own process, as a user runs it: `slotgate --seeds ... --deny-commands ''`
 * (so CONFIG SET, DEBUG and the like reach the nodes, as the suite expects of a server it
 * owns), its JSON log appended to `logFile`.
 */
export class SlotgateProcess {
  readonly #child: ChildProcess
  readonly #exited: Promise<void>
  readonly #forget: () => void

  private constructor (child: ChildProcess, readonly port: number, forget: () => void) {
    this.#child = child
    this.#forget = forget
    this.#exited = new Promise(resolve => child.once('exit', () => resolve()))
  }

  /** Starts slotgate on free ports in front of `seeds` and resolves once /readyz says 200. */
  static async start (seeds: readonly string[], logFile: string): Promise<SlotgateProcess> {
    const [port, metricsPort] = await freePorts(2, '127.0.0.1')
    const log = createWriteStream(logFile, { flags: 'a' })
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLOTGATE_')))
    const child = spawn(process.execPath, [
      SLOTGATE_CLI, '--seeds', seeds.join(','), '--port', String(port), '--metrics-port', String(metricsPort),
      '--deny-commands', ''
    ], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout?.pipe(log, { end: false })
    child.stderr?.pipe(log, { end: false })
    child.once('close', () => log.end())
    const gate = new SlotgateProcess(child, port, killOnExit(child.pid as number))
    const deadline = Date.now() + READY_TIMEOUT_MS
    while (await readyzStatus(metricsPort) !== 200) {
      if (!gate.running || Date.now() > deadline) {
        await gate.stop()
        throw new Error(`slotgate did not become ready within ${READY_TIMEOUT_MS} ms (exit code ${String(child.exitCode)}); see ${logFile}`)
      }
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    return gate
  }

  /** False once the process has exited. */
  get running (): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** SIGTERM (slotgate drains), SIGKILL after 3 s; by this process' PID. */
  async stop (): Promise<void> {
    if (this.running) {
      this.#child.kill('SIGTERM')
      const timer = setTimeout(() => { if (this.running) this.#child.kill('SIGKILL') }, 3000)
      await this.#exited
      clearTimeout(timer)
    }
    this.#forget()
  }
}
