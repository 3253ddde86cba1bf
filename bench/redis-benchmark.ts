import { once } from 'node:events'
import { killChild, OutputTail, spawnTracked } from './child-processes.js'

/** What one `redis-benchmark --csv` invocation reported. Latencies in ms. */
export interface BenchOutcome {
  /** The CSV row's numbers; undefined when redis-benchmark printed no row (it aborted). */
  readonly rps?: number
  readonly avgMs?: number
  readonly p50Ms?: number
  readonly p99Ms?: number
  readonly maxMs?: number
  readonly exitCode: number | null
  readonly timedOut: boolean
  /** Error lines (error replies, connection failures), in the order printed. */
  readonly errors: string[]
  /** Lines that are neither CSV nor errors nor known chatter, kept for the report. */
  readonly other: string[]
  readonly wallMs: number
}

/** Path of redis-benchmark; Debian's by default. */
export const REDIS_BENCHMARK = process.env.REDIS_BENCHMARK ?? 'redis-benchmark'

// Chatter that is not a failure: the cluster banner of --cluster, and the warning printed when
// the server refuses CONFIG GET (slotgate does not proxy CONFIG; redis-benchmark only uses it to
// print the server's save/appendonly settings).
const BENIGN = [/^Cluster has \d+ master nodes:$/, /^Master \d+: /, /^WARNING: Could not fetch server CONFIG$/]
// redis-benchmark 7.0 exits(1) on the first error reply that is not MOVED/ASK/CLUSTERDOWN,
// printing `Error from server[ host:port]: <reply>`; connection problems print `Error: ...`
// or `Could not connect ...`.
const ERROR = /^(Error|Could not connect|Unexpected error|Writing to socket|Reading from socket)/i

/** Splits one CSV line of quoted fields (`"a","b"`) as redis-benchmark writes them. */
function csvFields (line: string): string[] {
  return [...line.matchAll(/"((?:[^"]|"")*)"/g)].map(m => (m[1] as string).replaceAll('""', '"'))
}

/** Reads redis-benchmark's stdout + stderr into an outcome (pure; exported for checks). */
export function parseOutput (stdout: string, stderr: string): Pick<BenchOutcome, 'rps' | 'avgMs' | 'p50Ms' | 'p99Ms' | 'maxMs' | 'errors' | 'other'> {
  const errors: string[] = []
  const other: string[] = []
  let header: string[] | undefined
  let row: string[] | undefined
  for (const raw of `${stdout}\n${stderr}`.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || BENIGN.some(re => re.test(line))) continue
    if (line.startsWith('"')) {
      const fields = csvFields(line)
      if (fields[0] === 'test') header = fields
      else row = fields
    } else if (ERROR.test(line)) {
      errors.push(line)
    } else {
      other.push(line)
    }
  }
  if (header === undefined || row === undefined) return { errors, other }
  const column = (name: string): number | undefined => {
    const i = (header as string[]).indexOf(name)
    const value = i < 0 ? NaN : Number((row as string[])[i])
    return Number.isFinite(value) ? value : undefined
  }
  return {
    rps: column('rps'),
    avgMs: column('avg_latency_ms'),
    p50Ms: column('p50_latency_ms'),
    p99Ms: column('p99_latency_ms'),
    maxMs: column('max_latency_ms'),
    errors,
    other
  }
}

/**
 * Runs `redis-benchmark --csv <args>` to its end, or SIGKILLs it (by PID) after `timeoutMs`,
 * so a proxy that stops answering shows up as a timeout instead of a hung bench.
 */
export async function runRedisBenchmark (args: readonly string[], timeoutMs: number): Promise<BenchOutcome> {
  const began = Date.now()
  const child = spawnTracked(REDIS_BENCHMARK, ['--csv', ...args])
  const stdout = new OutputTail(65_536)
  const stderr = new OutputTail(65_536)
  child.stdout?.on('data', (chunk: Buffer) => { stdout.push(chunk) })
  child.stderr?.on('data', (chunk: Buffer) => { stderr.push(chunk) })
  let timedOut = false
  const timer = setTimeout(() => { timedOut = true; killChild(child) }, timeoutMs)
  const [code] = await once(child, 'close') as [number | null]
  clearTimeout(timer)
  const parsed = parseOutput(stdout.text(), stderr.text())
  return { ...parsed, exitCode: code, timedOut, wallMs: Date.now() - began }
}
