const tracked = new Set<number>()
let hooked = false

function killTracked (): void {
  for (const pid of tracked) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch (err) {
      // ESRCH: it already exited between its 'exit' event and ours. Anything else is worth a line
      // on stderr, since nothing can be thrown from an 'exit' handler.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') process.stderr.write(`local-cluster: could not kill ${pid}: ${(err as Error).message}\n`)
    }
  }
  tracked.clear()
}

/**
 * SIGKILLs `pid` when this Node process exits (normal end or `process.exit()`), so a test that
 * forgets `stop()` or fails half-way leaves no redis-server behind. Returns the function that
 * forgets `pid` again (call it once the child exited, so a reused PID is never hit).
 *
 * Deaths by signal run no 'exit' handlers; `RedisProcess` covers those with `setpriv --pdeathsig`.
 */
export function killOnExit (pid: number): () => void {
  if (!hooked) {
    // One listener for every cluster in the process, so many clusters don't trip
    // MaxListenersExceededWarning.
    process.on('exit', killTracked)
    hooked = true
  }
  tracked.add(pid)
  return () => { tracked.delete(pid) }
}
