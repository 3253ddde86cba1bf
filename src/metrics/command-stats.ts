import { LatencyBuckets } from './latency-buckets.js'
import type { CommandObserver, ObservedCommand } from './observers.js'

/** Values of the `result` label, in the order of {@link CommandStat.results}. */
export const COMMAND_RESULTS = ['ok', 'error', 'redirected', 'retried'] as const

/** The `command` label of commands slotgate does not know (and of any beyond the cap). */
export const UNKNOWN_COMMAND = 'unknown'

/**
 * Most distinct `command` label values. Names come from the cluster's COMMAND table (a few
 * hundred, modules included), so this only guards against a table gone wild.
 */
export const MAX_COMMAND_LABELS = 1000

const OK = 0
const ERROR = 1
const REDIRECTED = 2
const RETRIED = 3

/** Counts and latencies of one command name. */
export class CommandStat {
  /** Replies by result, indexed as {@link COMMAND_RESULTS}. */
  readonly results = [0, 0, 0, 0]
  readonly latency = new LatencyBuckets()
  constructor (readonly name: string) {}
}

/**
 * Per-command counts and latency, fed by the session for every reply it writes. A reply is
 * an `error` when it is one (`-` or RESP3 `!`), whatever happened on the way; otherwise
 * `retried` when a send was repeated (TRYAGAIN, CLUSTERDOWN, lost link), `redirected` when
 * a MOVED/ASK was followed, else `ok`.
 */
export class CommandStats implements CommandObserver {
  private readonly byName = new Map<string, CommandStat>()
  private readonly unknown = new CommandStat(UNKNOWN_COMMAND)

  /** @internal CommandObserver: one map lookup and a few additions. */
  commandDone (entry: ObservedCommand, now: number): void {
    const name = entry.command
    const stat = name === null ? this.unknown : this.byName.get(name) ?? this.add(name)
    const first = entry.reply === null ? 0x2d : entry.reply[0]
    const result = first === 0x2d || first === 0x21
      ? ERROR
      : (entry.retries ?? 0) > 0 ? RETRIED : (entry.redirects ?? 0) > 0 ? REDIRECTED : OK
    stat.results[result]++
    stat.latency.observeMs(now - entry.startedAt)
  }

  /** Every command seen so far. */
  * all (): Iterable<CommandStat> {
    if (this.unknown.latency.count > 0) yield this.unknown
    yield * this.byName.values()
  }

  private add (name: string): CommandStat {
    if (this.byName.size >= MAX_COMMAND_LABELS) return this.unknown
    const stat = new CommandStat(name)
    this.byName.set(name, stat)
    return stat
  }
}
