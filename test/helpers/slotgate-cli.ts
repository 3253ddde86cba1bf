// The built CLI (`node dist/src/bin/slotgate.js`) as a child process, for tests of what only
// a real process shows: signals, exit codes, worker processes, env-only configuration.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePorts } from '../harness/free-ports.js'
import { eventually, httpGet } from './metrics-scrape.js'

/** The repository's top directory. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** The built entry point. */
export const CLI = join(ROOT, 'dist', 'src', 'bin', 'slotgate.js')

function newestMtime (dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** Builds dist/ with tsc unless it is newer than every file under src/ (`npm test` builds first). */
export function ensureBuilt (): void {
  let built = 0
  try { built = statSync(CLI).mtimeMs } catch { built = 0 }
  if (built > newestMtime(join(ROOT, 'src'))) return
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' })
}

/** A running CLI. */
export class SlotgateCli {
  /** stdout + stderr so far. */
  output = ''
  /** Resolves with the exit code (or the signal's name) once the process ended. */
  readonly exited: Promise<number | string>

  private constructor (readonly child: ChildProcess, readonly port: number, readonly httpPort: number) {
    child.stdout?.on('data', (d: Buffer) => { this.output += d.toString() })
    child.stderr?.on('data', (d: Buffer) => { this.output += d.toString() })
    this.exited = new Promise(resolve => { child.once('exit', (code, signal) => { resolve(code ?? signal ?? -1) }) })
  }

  /**
   * Starts the CLI on free ports with `args` (and `env` added to this process' env, minus any
   * SLOTGATE_* of ours), then waits until /readyz says 200.
   */
  static async start (args: string[], env: Record<string, string> = {}, options: { waitReady?: boolean } = {}): Promise<SlotgateCli> {
    ensureBuilt()
    const [port, httpPort] = await freePorts(2, '127.0.0.1')
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLOTGATE_')))
    const child = spawn(process.execPath, [CLI, '--port', String(port), '--metrics-port', String(httpPort), ...args],
      { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    const cli = new SlotgateCli(child, port as number, httpPort as number)
    if (options.waitReady !== false) {
      try {
        await eventually('slotgate /readyz 200', 20_000, async () => {
          if (child.exitCode !== null) throw new Error(`slotgate exited with ${child.exitCode}:\n${cli.output}`)
          return (await httpGet(cli.httpPort, '/readyz')).status === 200
        })
      } catch (err) {
        cli.kill()
        throw err
      }
    }
    return cli
  }

  /** Sends `signal` to the process (by its PID). */
  signal (signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) process.kill(this.child.pid as number, signal)
  }

  /** SIGKILLs it unless it already exited (teardown). */
  kill (): void {
    this.signal('SIGKILL')
  }

  /** The JSON log lines it wrote. */
  logs (): Array<Record<string, unknown>> {
    return this.output.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as Record<string, unknown>)
  }
}
