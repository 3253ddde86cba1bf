// Child processes of the application tests (a Celery worker and its pool, a Python client):
// each started in a process group of its own, so stopping it by its PID (the group's id)
// also stops the pool processes it forked, and nothing outlives the test file.
import { spawn } from 'node:child_process'

/** A started child: its PID, what it printed, and how to stop it. */
export interface AppProcess {
  readonly pid: number
  /** stdout and stderr so far, interleaved as they arrived. */
  output (): string
  /** Resolves with the exit code (null after a signal) once the process exited. */
  readonly exited: Promise<number | null>
  /** Resolves once `text` appeared in the output; rejects after `timeoutMs` or on exit. */
  waitFor (text: string | RegExp, timeoutMs: number): Promise<void>
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the leader exited. */
  stop (graceMs?: number): Promise<void>
}

const groups = new Set<number>()
let hooked = false

function killGroup (pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch (err) {
    // ESRCH: the whole group is gone already.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err
  }
}

/** Starts `command` with `args` in a new process group; SIGKILLed when this Node process exits. */
export function startAppProcess (command: string, args: readonly string[], options: { cwd: string, env: NodeJS.ProcessEnv }): AppProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  if (child.pid === undefined) throw new Error(`could not start ${command}`)
  const pid = child.pid
  if (!hooked) {
    process.on('exit', () => { for (const g of groups) killGroup(g, 'SIGKILL') })
    hooked = true
  }
  groups.add(pid)
  let out = ''
  const listeners = new Set<() => void>()
  const onData = (d: Buffer): void => {
    out += d.toString()
    for (const l of listeners) l()
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  let code: number | null | undefined
  const exited = new Promise<number | null>(resolve => {
    child.once('close', c => {
      code = c
      for (const l of listeners) l()
      resolve(c)
    })
  })
  return {
    pid,
    output: () => out,
    exited,
    async waitFor (text, timeoutMs) {
      const seen = (): boolean => typeof text === 'string' ? out.includes(text) : text.test(out)
      await new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (seen()) done()
          else if (code !== undefined) done(new Error(`${command} exited (${String(code)}) before printing ${String(text)}:\n${out.slice(-3000)}`))
        }
        const timer = setTimeout(() => { done(new Error(`${command} printed no ${String(text)} within ${timeoutMs} ms:\n${out.slice(-3000)}`)) }, timeoutMs)
        function done (err?: Error): void {
          clearTimeout(timer)
          listeners.delete(check)
          if (err === undefined) resolve()
          else reject(err)
        }
        listeners.add(check)
        check()
      })
    },
    async stop (graceMs = 5000) {
      if (code === undefined) {
        killGroup(pid, 'SIGTERM')
        const timer = setTimeout(() => { killGroup(pid, 'SIGKILL') }, graceMs)
        await exited
        clearTimeout(timer)
      }
      // The leader may exit before the pool processes it forked: they go with the group.
      killGroup(pid, 'SIGKILL')
      groups.delete(pid)
    }
  }
}
