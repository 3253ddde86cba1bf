import { setTimeout as sleep } from 'node:timers/promises'
import { LocalClusterError } from './local-cluster-error.js'

/** One look at the condition: done with a value, or not yet with a description of what was seen. */
export type Probe<T> = { done: true, value: T } | { done: false, seen: string }

/**
 * Polls `probe` every `intervalMs` until it reports done, and throws a `SLOTGATE_ERR_DEV_TIMEOUT`
 * naming `what` and the last thing seen once `timeoutMs` has passed. A probe that throws counts
 * as "not yet" (nodes refuse connections while they start or die), with the error as what was seen.
 */
export async function waitUntil<T> (
  what: string,
  timeoutMs: number,
  probe: () => Promise<Probe<T>>,
  intervalMs = 50
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let seen = 'nothing yet'
  for (;;) {
    try {
      const result = await probe()
      if (result.done) return result.value
      seen = result.seen
    } catch (err) {
      seen = err instanceof Error ? err.message : String(err)
    }
    if (Date.now() >= deadline) {
      throw new LocalClusterError('SLOTGATE_ERR_DEV_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${seen}`)
    }
    await sleep(intervalMs)
  }
}
