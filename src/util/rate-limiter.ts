/** One key's window: when its last line went out, and how many were held back since. */
interface Window { at: number, suppressed: number }

/**
 * At most one admitted event per key per interval; the events held back in between are
 * counted, and the count goes out with the key's next admitted one (so a flapping node or a
 * client guessing passwords costs one log line a second, and the line says how many more
 * there were). Keys come from the outside world (client addresses, node names), so their
 * number is capped: past `maxKeys`, windows with nothing held back are forgotten, and when
 * none can be, new keys share the one window of `overflowKey` (the one key allowed past the cap).
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>()

  constructor (private readonly intervalMs: number, private readonly maxKeys = 1000) {}

  /**
   * `null` when the event with this `key` at `now` (ms) is held back; else the number held
   * back since the key's last admitted event (0 for the first). `overflowKey` is the shared
   * key used when the table is full of keys with events held back.
   */
  admit (key: string, now: number, overflowKey = '*'): number | null {
    let w = this.windows.get(key)
    if (w === undefined) {
      if (this.windows.size >= this.maxKeys && key !== overflowKey) {
        this.forgetQuiet(now)
        if (this.windows.size >= this.maxKeys) return this.admit(overflowKey, now, overflowKey)
      }
      w = { at: now, suppressed: 0 }
      this.windows.set(key, w)
      return 0
    }
    if (now - w.at < this.intervalMs) {
      w.suppressed++
      return null
    }
    const held = w.suppressed
    w.at = now
    w.suppressed = 0
    return held
  }

  /** Keys tracked now (tests). */
  get size (): number { return this.windows.size }

  /** Forgets windows past their interval with nothing held back: their next event is admitted anyway. */
  private forgetQuiet (now: number): void {
    for (const [key, w] of this.windows) {
      if (w.suppressed === 0 && now - w.at >= this.intervalMs) this.windows.delete(key)
    }
  }
}
