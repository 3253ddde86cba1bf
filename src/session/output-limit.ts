/** Redis' client-output-buffer-limit for one class of clients: hard bytes, soft bytes for seconds. */
export interface OutputLimitConfig {
  /** Disconnect at once past this many unsent bytes (0: no hard limit). */
  hardBytes: number
  /** Disconnect when past this many bytes for softSeconds in a row (0: no soft limit). */
  softBytes: number
  softSeconds: number
}

/**
 * Tracks one client's unsent reply bytes against its limits, as Redis does: over the hard
 * limit, or over the soft one for longer than its time, the client is disconnected, so a
 * reader slower than its replies cannot grow slotgate's memory without bound.
 */
export class OutputLimit {
  private softSince = 0

  /**
   * True when a client with `backlog` unsent bytes must be disconnected now. The clock is read
   * only over the soft limit: this runs after every flush.
   */
  exceeded (limit: OutputLimitConfig, backlog: number, clock: () => number = Date.now): boolean {
    if (limit.hardBytes > 0 && backlog > limit.hardBytes) return true
    if (limit.softBytes > 0 && backlog > limit.softBytes) {
      const now = clock()
      if (this.softSince === 0) this.softSince = now
      return now - this.softSince > limit.softSeconds * 1000
    }
    this.softSince = 0
    return false
  }
}
