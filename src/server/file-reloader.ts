/**
 * Watches the files slotgate reads at start that may change under it (a certificate that
 * cert-manager renews, a Secret with users or a password that is rotated) and applies new
 * contents without a restart.
 *
 * Polling, by content digest: Kubernetes updates a mounted Secret by swapping a symlink, which
 * fs.watch on the file misses, and a digest also ignores touches that change nothing.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

/** A group of files applied together (a certificate with its key). */
export interface ReloadTarget {
  /** Label for logs and metrics (`tls`, `users`). */
  readonly name: string
  /** The files whose contents decide whether to apply again. */
  readonly paths: readonly string[]
  /** Reads the files and puts them in force; throws, changing nothing, when they cannot be used. */
  apply (): void
}

/** What one reload did. */
export interface ReloadReport {
  name: string
  outcome: 'reloaded' | 'failed'
  /** Why it failed. */
  error?: string
}

/** Options of {@link FileReloader}. */
export interface FileReloaderOptions {
  /** Check period in ms; 0: only when {@link FileReloader.check} is called (SIGHUP). */
  intervalMs: number
  /** Told of every reload, done or failed. */
  onReload (report: ReloadReport): void
}

/** Digest of the files' contents; an unreadable file counts by its error code. */
function digestOf (paths: readonly string[]): string {
  const hash = createHash('sha256')
  for (const path of paths) {
    hash.update(path).update('\0')
    try {
      hash.update(readFileSync(path))
    } catch (err) {
      hash.update(`unreadable:${(err as NodeJS.ErrnoException).code ?? String(err)}`)
    }
    hash.update('\0')
  }
  return hash.digest('hex')
}

/**
 * Polls each target's files and applies a target again when their contents changed. A
 * target whose new files fail to apply is reported once and keeps what it had; it is tried
 * again when the files change again, or on a forced check.
 */
export class FileReloader {
  private readonly seen = new Map<ReloadTarget, string>()
  private timer: NodeJS.Timeout | null = null

  /** `targets` are taken as applied already, with the files' contents as they are now. */
  constructor (private readonly targets: readonly ReloadTarget[], private readonly options: FileReloaderOptions) {
    for (const target of targets) this.seen.set(target, digestOf(target.paths))
  }

  /** Starts polling (nothing to do without targets or with a 0 interval). */
  start (): void {
    if (this.timer !== null || this.targets.length === 0 || this.options.intervalMs === 0) return
    this.timer = setInterval(() => { this.check() }, this.options.intervalMs)
    this.timer.unref()
  }

  /** Stops polling. */
  stop (): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }

  /** Applies every target whose files changed (every target with `force`); returns what it did. */
  check (force = false): ReloadReport[] {
    const reports: ReloadReport[] = []
    for (const target of this.targets) {
      const digest = digestOf(target.paths)
      if (!force && digest === this.seen.get(target)) continue
      this.seen.set(target, digest)
      let report: ReloadReport
      try {
        target.apply()
        report = { name: target.name, outcome: 'reloaded' }
      } catch (err) {
        report = { name: target.name, outcome: 'failed', error: err instanceof Error ? err.message : String(err) }
      }
      this.options.onReload(report)
      reports.push(report)
    }
    return reports
  }
}
