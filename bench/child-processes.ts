import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { findExecutable } from '../test/harness/ensure-redis-server.js'

const live = new Map<number, ChildProcess>()
let closed = false
let setpriv: string | null | undefined

/**
 * Prefixes `setpriv --pdeathsig KILL` when util-linux has it: the kernel then kills the child
 * when this process dies, even by SIGKILL, when no handler of ours runs. setpriv execs the
 * command, so the PID (and its /proc/PID/stat) stays the child's own.
 */
function withDeathSignal (command: string, args: readonly string[]): [string, string[]] {
  if (setpriv === undefined) {
    const path = findExecutable('setpriv')
    setpriv = path !== undefined && spawnSync(path, ['--pdeathsig', 'KILL', 'true']).status === 0 ? path : null
  }
  return setpriv === null ? [command, [...args]] : [setpriv, ['--pdeathsig', 'KILL', command, ...args]]
}

/** Spawns `command` and remembers its PID until it exits, so `killAll` can end exactly it. */
export function spawnTracked (command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  if (closed) throw new Error(`not starting ${command}: the bench is stopping`)
  const [file, argv] = withDeathSignal(command, args)
  // detached: a new process group, so Ctrl-C reaches only the bench, which then stops its
  // children in order (slotgate before the cluster) instead of everything dying at once.
  const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...options })
  const pid = child.pid
  if (pid === undefined) throw new Error(`could not spawn ${command}`)
  live.set(pid, child)
  child.once('exit', () => { live.delete(pid) })
  return child
}

/** SIGKILLs `child` by its PID unless it already exited. */
export function killChild (child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(child.pid, signal)
  } catch (err) {
    // ESRCH: it exited between our check and the kill.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err
  }
}

/**
 * SIGKILLs every tracked child still running and refuses new ones from then on (the
 * last-resort path: errors, signals, exit).
 */
export function killAll (): void {
  closed = true
  for (const child of live.values()) killChild(child)
  live.clear()
}

/** Keeps the last `limit` characters a stream wrote, for error reports without unbounded memory. */
export class OutputTail {
  #text = ''
  constructor (readonly limit = 16_384) {}

  /** Appends a chunk, dropping the oldest characters beyond the limit. */
  push (chunk: Buffer | string): void {
    this.#text += chunk.toString()
    if (this.#text.length > this.limit) this.#text = this.#text.slice(-this.limit)
  }

  /** Everything kept so far. */
  text (): string {
    return this.#text
  }
}

/** Refuses new children from now on (the bench is stopping; running ones are left alone). */
export function stopSpawning (): void {
  closed = true
}
