import { killAll } from './child-processes.js'

/**
 * The exit paths every bench tool shares: Ctrl-C or SIGTERM runs `stop()` (stop the proxies and
 * the cluster in order) and exits; a second signal kills every child at once; any exit kills
 * children still tracked. `stopping` tells `main` that an error came from being stopped.
 */
export class ToolSignals {
  stopping = false

  constructor (log: (msg: string) => void, stop: () => Promise<void>) {
    const onSignal = (signal: NodeJS.Signals, code: number): void => {
      if (this.stopping) { killAll(); process.exit(code) }
      this.stopping = true
      log(`${signal}: stopping the proxies and the cluster (again to force)`)
      void stop().finally(() => process.exit(code))
    }
    process.on('SIGINT', () => { onSignal('SIGINT', 130) })
    process.on('SIGTERM', () => { onSignal('SIGTERM', 143) })
    process.on('exit', killAll)
  }
}

/** Runs a tool's `main` and sets the exit code from it; an escaped error prints with `prefix`. */
export function runMain (prefix: string, main: () => Promise<number>): void {
  main().then(code => { process.exitCode = code }, (err: Error) => {
    process.stderr.write(`[${prefix}] ${err.stack ?? err.message}\n`)
    process.exitCode = 1
  })
}
