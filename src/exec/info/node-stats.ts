import { errorText } from '../../resp/decode-reply.js'
import { LatencyBuckets } from '../../metrics/latency-buckets.js'
import type { CommandObserver, ObservedCommand } from '../../metrics/observers.js'
import { traffic } from '../../metrics/traffic.js'

/** One command's counts, as Redis keeps them for `INFO commandstats`. */
export class CommandCounts {
  /** Commands that ran (rejected ones excluded, failed ones included), as Redis counts `calls`. */
  calls = 0
  /** Time from reading the command to writing its reply, summed, in microseconds. */
  usec = 0
  /** Refused before running: arity, auth, ACL, CROSSSLOT, a denied command, ... */
  rejected = 0
  /** Ran and answered an error. */
  failed = 0
  readonly latency = new LatencyBuckets()
}

/** Most distinct error codes counted; Redis stops adding codes at 128 too (errorstats). */
export const MAX_ERROR_CODES = 128
/** Samples of the instantaneous rates, taken every SAMPLE_MS, as Redis' server cron does. */
const SAMPLES = 16
const SAMPLE_MS = 100

/**
 * Error replies that mean the command never ran (Redis' rejectCommand paths: lookup, arity,
 * auth, ACL, cluster redirection, OOM, BUSY, LOADING ...), so that `rejected_calls` and
 * `failed_calls` split as a node splits them.
 */
const REJECTED_CODES = new Set(['NOAUTH', 'NOPERM', 'CROSSSLOT', 'MOVED', 'ASK', 'TRYAGAIN', 'CLUSTERDOWN',
  'OOM', 'BUSY', 'LOADING', 'MASTERDOWN', 'MISCONF', 'NOREPLICAS', 'READONLY', 'NOPROTO'])
const REJECTED_ERR_PREFIXES = ['ERR wrong number of arguments', 'ERR unknown command', 'ERR unknown subcommand',
  'ERR Can\'t execute', 'ERR Command not allowed inside a transaction', 'ERR slotgate: \'']

/** True for an error text (without `-`) that Redis would count as a rejected call. */
export function isRejection (error: string): boolean {
  const space = error.indexOf(' ')
  const code = space === -1 ? error : error.slice(0, space)
  if (REJECTED_CODES.has(code)) return true
  return REJECTED_ERR_PREFIXES.some(p => error.startsWith(p))
}

/** The error code Redis counts an error reply under (`errorstat_<code>`): its first word. */
export function errorCode (error: string): string {
  const space = error.indexOf(' ')
  return (space === -1 ? error : error.slice(0, space)).slice(0, 128)
}

/**
 * What slotgate's own clients did, as one node would report it in INFO: commands processed
 * and their rate, per-command calls and time (`commandstats`, `latencystats`), error replies
 * by code (`errorstats`), and the client-side byte rates. Fed by the session for every reply
 * it writes (a CommandObserver), so it counts exactly what the clients saw.
 */
export class NodeStats implements CommandObserver {
  readonly commands = new Map<string, CommandCounts>()
  readonly errors = new Map<string, number>()
  /** Commands that ran, as `total_commands_processed`. */
  totalCommands = 0
  /** Error replies written, as `total_error_replies`. */
  totalErrorReplies = 0
  private readonly samples = { ops: new Float64Array(SAMPLES), input: new Float64Array(SAMPLES), output: new Float64Array(SAMPLES) }
  private sampleIndex = 0
  private last = { at: performance.now(), ops: 0, input: traffic.clientReceivedBytes, output: traffic.clientSentBytes }
  private readonly timer: NodeJS.Timeout

  constructor () {
    this.timer = setInterval(() => { this.sample() }, SAMPLE_MS)
    this.timer.unref()
  }

  /** @internal CommandObserver */
  commandDone (entry: ObservedCommand, now: number): void {
    const reply = entry.reply
    const isError = reply !== null && (reply[0] === 0x2d || reply[0] === 0x21)
    let rejected = false
    if (isError) {
      this.totalErrorReplies++
      const text = errorText(reply)
      this.countError(errorCode(text))
      rejected = isRejection(text)
    }
    // Unknown commands count as errors only, as on a node.
    if (entry.command === null) return
    let counts = this.commands.get(entry.command)
    if (counts === undefined) {
      counts = new CommandCounts()
      this.commands.set(entry.command, counts)
    }
    if (rejected) { counts.rejected++; return }
    this.totalCommands++
    counts.calls++
    if (isError) counts.failed++
    const ms = now - entry.startedAt
    counts.usec += Math.max(0, Math.round(ms * 1000))
    counts.latency.observeMs(ms)
  }

  /** Commands per second over the last 1.6 s, as `instantaneous_ops_per_sec`. */
  get opsPerSec (): number { return Math.round(average(this.samples.ops)) }
  /** Client bytes read per second, in KB/s (`instantaneous_input_kbps`). */
  get inputKbps (): number { return average(this.samples.input) / 1024 }
  /** Client bytes written per second, in KB/s (`instantaneous_output_kbps`). */
  get outputKbps (): number { return average(this.samples.output) / 1024 }

  /** CONFIG RESETSTAT: commands, errors and their counts start again from zero, as a node's do. */
  reset (): void {
    this.commands.clear()
    this.errors.clear()
    this.totalCommands = 0
    this.totalErrorReplies = 0
    this.last.ops = 0
  }

  /** Stops the sampling timer. */
  close (): void {
    clearInterval(this.timer)
  }

  private countError (code: string): void {
    const n = this.errors.get(code)
    if (n !== undefined) this.errors.set(code, n + 1)
    else if (this.errors.size < MAX_ERROR_CODES) this.errors.set(code, 1)
  }

  private sample (): void {
    const now = performance.now()
    const seconds = (now - this.last.at) / 1000
    if (seconds <= 0) return
    const input = traffic.clientReceivedBytes
    const output = traffic.clientSentBytes
    const i = this.sampleIndex++ % SAMPLES
    this.samples.ops[i] = (this.totalCommands - this.last.ops) / seconds
    this.samples.input[i] = (input - this.last.input) / seconds
    this.samples.output[i] = (output - this.last.output) / seconds
    this.last = { at: now, ops: this.totalCommands, input, output }
  }
}

function average (values: Float64Array): number {
  let sum = 0
  for (const v of values) sum += v
  return sum / values.length
}
