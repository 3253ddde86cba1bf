import { createHash } from 'node:crypto'

/**
 * Script bodies slotgate has seen loaded (SCRIPT LOAD, EVAL), by SHA1, so that an EVALSHA
 * meeting NOSCRIPT on a node that never saw the script (a promoted replica, a new master)
 * can be healed by loading it there. Bounded: the oldest entries go first.
 */
export class ScriptCache {
  private readonly bodies = new Map<string, Buffer>()

  constructor (private readonly max = 10_000) {}

  /** Records a script body; returns its SHA1 (lower-case hex, as Redis prints it). */
  remember (body: Buffer): string {
    const sha = createHash('sha1').update(body).digest('hex')
    if (!this.bodies.has(sha)) {
      if (this.bodies.size >= this.max) this.bodies.delete(this.bodies.keys().next().value as string)
      this.bodies.set(sha, Buffer.from(body))
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
  }
}
