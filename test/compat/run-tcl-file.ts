import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { finished } from 'node:stream/promises'
import type { RunEnd } from './summary.js'

/** What one tclsh run printed and how it ended. */
export interface TclRun extends RunEnd {
  readonly output: string
}

const groups = new Set<number>()
let hooked = false

function killGroup (pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL')
  } catch (err) {
    // ESRCH: the group is already gone.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err
  }
}

/**
 * Runs `tclsh args` in `cwd` and resolves when it ends or after `limitMs`, whichever is first.
 * The output goes to `logPath` as it comes (a hung file's log can be read while it hangs).
 * tclsh starts in a process group of its own because test_helper.tcl forks its test client as
 * a second tclsh: on the limit (or when the runner exits) the whole group is SIGKILLed, by the
 * group id of the process started here.
 */
export async function runTclFile (args: readonly string[], cwd: string, limitMs: number, logPath: string): Promise<TclRun> {
  if (!hooked) {
    hooked = true
    process.once('exit', () => { for (const pid of groups) killGroup(pid) })
  }
  const began = Date.now()
  // TERM=dumb: test_helper.tcl colours its output only for xterm-like terminals.
  const child = spawn('tclsh', args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TERM: 'dumb' } })
  const chunks: Buffer[] = []
  const log = createWriteStream(logPath)
  const keep = (d: Buffer): void => { chunks.push(d); log.write(d) }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const pid = child.pid
  if (pid !== undefined) groups.add(pid)
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    if (pid !== undefined) killGroup(pid)
  }, limitMs)
  try {
    const closed = new Promise<void>(resolve => child.once('close', () => resolve()))
    const [exitCode, signal] = await new Promise<[number | null, string | null]>((resolve, reject) => {
      child.once('error', reject)
      child.once('exit', (code, sig) => resolve([code, sig]))
    })
    // The test client may outlive the test server (the server kills it only on its exception
    // path) and holds the same stdout pipe: end whatever is left of the group, then read the rest.
    if (pid !== undefined) killGroup(pid)
    await closed
    log.end()
    await finished(log)
    return { output: Buffer.concat(chunks).toString('utf8'), timedOut, exitCode, signal, durationMs: Date.now() - began }
  } finally {
    clearTimeout(timer)
    if (pid !== undefined) groups.delete(pid)
  }
}
