import { createHash } from 'node:crypto'

/**
 * Script bodies slotgate has seen loaded (SCRIPT LOAD, EVAL), by SHA1, so that an EVALSHA
 * meeting NOSCRIPT on a node that never saw the script (a promoted replica, a new master)
 * can be healed by loading it there. Bounded in bytes: the oldest entries go first.
 */
export class ScriptCache {
  private readonly bodies = new Map<string, Buffer>()
  private total = 0

  constructor (readonly maxBytes = 16 * 1024 * 1024) {}

  /** Bytes of script bodies held. */
  get bytes (): number { return this.total }

  /** Records a script body; returns its SHA1 (lower-case hex, as Redis prints it). */
  remember (body: Buffer): string {
    const sha = createHash('sha1').update(body).digest('hex')
    if (!this.bodies.has(sha) && body.length <= this.maxBytes) {
      this.bodies.set(sha, Buffer.from(body))
      this.total += body.length
      for (const [old, b] of this.bodies) {
        if (this.total <= this.maxBytes) break
        this.bodies.delete(old)
        this.total -= b.length
      }
    }
    return sha
  }

  /** The body of `sha` (any case), if seen. */
  get (sha: string): Buffer | undefined {
    return this.bodies.get(sha.toLowerCase())
  }

  /** Forgets everything (SCRIPT FLUSH). */
  clear (): void {
    this.bodies.clear()
    this.total = 0
  }
}
