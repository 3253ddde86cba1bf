import { rmSync } from 'node:fs'

const pids = new Set<number>()
const dirs = new Set<string>()
let hooked = false

function cleanUp (): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch (err) {
      // ESRCH: it already exited between its 'exit' event and ours. Anything else is worth a line
      // on stderr, since nothing can be thrown from an 'exit' handler.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') process.stderr.write(`local-cluster: could not kill ${pid}: ${(err as Error).message}\n`)
    }
  }
  // Only synchronous work runs in an 'exit' handler; unlinking files still open by a dying
  // redis-server is fine on Linux.
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  pids.clear()
  dirs.clear()
}

function hook (): void {
  if (hooked) return
  // One listener for every cluster in the process, so many clusters don't trip
  // MaxListenersExceededWarning.
  process.on('exit', cleanUp)
  hooked = true
}

/**
 * SIGKILLs `pid` when this Node process exits (normal end or `process.exit()`), so a test that
 * forgets `stop()` or fails half-way leaves no redis-server behind. Returns the function that
 * forgets `pid` again (call it once the child exited, so a reused PID is never hit).
 *
 * Deaths by signal run no 'exit' handlers; `RedisProcess` covers those with `setpriv --pdeathsig`.
 */
export function killOnExit (pid: number): () => void {
  hook()
  pids.add(pid)
  return () => { pids.delete(pid) }
}

/** Removes `dir` (recursively) when this Node process exits; returns the function that forgets it. */
export function removeOnExit (dir: string): () => void {
  hook()
  dirs.add(dir)
  return () => { dirs.delete(dir) }
}
