/** What a process does when asked to stop. */
export interface StopHandlers {
  /** First SIGTERM or SIGINT: drain gracefully. */
  drain (signal: NodeJS.Signals): void
  /** Any later one: stop at once. */
  now (signal: NodeJS.Signals): void
}

/**
 * SIGTERM (Kubernetes, Docker, systemd) and SIGINT (Ctrl-C) both start a drain; a second one
 * of either ends the process at once, for an operator who will not wait out the grace period.
 */
export function onStopSignals (handlers: StopHandlers): void {
  let signalled = false
  const handle = (signal: NodeJS.Signals): void => {
    if (signalled) { handlers.now(signal); return }
    signalled = true
    handlers.drain(signal)
  }
  process.on('SIGTERM', handle)
  process.on('SIGINT', handle)
}

/**
 * Worker processes leave signals to the primary (a Ctrl-C reaches the whole process group,
 * and the primary forwards the drain itself): they only drain when it says so.
 */
export function ignoreStopSignals (): void {
  process.on('SIGTERM', () => undefined)
  process.on('SIGINT', () => undefined)
}
