import { parseArgs } from 'node:util'
import { workloads } from './workloads.js'

/** What one `node dist/bench/run.js` was asked to do. */
export interface BenchOptions {
  readonly rounds: number
  readonly requests: number
  readonly quick: boolean
  readonly workloadIds: readonly string[]
  readonly writeResults: boolean
  readonly slotgateArgs: readonly string[]
  /** Arguments for node itself (V8 flags), before slotgate's script. */
  readonly nodeArgs: readonly string[]
  /** redis-benchmark --threads, on both sides. */
  readonly clientThreads: number
  readonly help: boolean
}

/** The V8 flags the Docker image runs slotgate with (its NODE_OPTIONS), so the bench measures the same. */
export const DEFAULT_NODE_ARGS: readonly string[] = ['--max-semi-space-size=4']

/** Requests of the 50-client workloads, and rounds, by default and with --quick. */
export const DEFAULT_REQUESTS = 200_000
export const DEFAULT_ROUNDS = 3
/** What --cluster picks by itself for a 3-master cluster (one thread per master). */
export const DEFAULT_CLIENT_THREADS = 3
const QUICK_REQUESTS = 20_000
const QUICK_ROUNDS = 1

/** `--help` text. */
export const USAGE = `Usage: node dist/bench/run.js [options]   (or: npm run bench -- [options])

Starts a local 3-master/3-replica Redis Cluster and slotgate in front of it, then runs each
workload with redis-benchmark through slotgate and straight at the cluster (--cluster),
interleaved, for several rounds; prints medians and ratios. See bench/README.md.

  --rounds N          rounds of every workload (default ${DEFAULT_ROUNDS}; ${QUICK_ROUNDS} with --quick)
  --requests N        -n of SET/GET -c 50 (default ${DEFAULT_REQUESTS.toLocaleString('en-US')}; ${QUICK_REQUESTS.toLocaleString('en-US')} with --quick);
                      -P 16 runs use 5×, GET -c 1 a quarter, MSET and MGET a quarter
  --quick             a smoke run: fewer requests and one round
  --workloads LIST    comma-separated subset of: ${workloads({ requests: 1, clientThreads: 1 }).map(w => w.id).join(',')}
  --slotgate-arg ARG  extra slotgate CLI argument (repeat it: --slotgate-arg=--links-per-node --slotgate-arg=2)
  --node-arg ARG      node/V8 flag for slotgate's process, repeatable (default: the image's, ${DEFAULT_NODE_ARGS.join(' ')})
  --client-threads N  redis-benchmark --threads on both sides (default ${DEFAULT_CLIENT_THREADS})
  --write-results     write the summary to bench/RESULTS.md
  -h, --help          this text
`

/** `value` as a positive integer, `fallback` when absent; throws a readable error otherwise. */
export function positiveInt (name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a positive integer, got "${value}"`)
  return n
}

/** Parses the command line; throws with a readable message on a bad one. */
export function parseOptions (argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      rounds: { type: 'string' },
      requests: { type: 'string' },
      quick: { type: 'boolean', default: false },
      workloads: { type: 'string' },
      'write-results': { type: 'boolean', default: false },
      'slotgate-arg': { type: 'string', multiple: true, default: [] },
      'node-arg': { type: 'string', multiple: true },
      'client-threads': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  const quick = values.quick === true
  const known = workloads({ requests: 1, clientThreads: 1 }).map(w => w.id)
  const workloadIds = values.workloads === undefined ? known : values.workloads.split(',').map(s => s.trim()).filter(s => s !== '')
  const unknown = workloadIds.filter(id => !known.includes(id))
  if (unknown.length > 0 || workloadIds.length === 0) throw new Error(`--workloads: unknown ${unknown.join(',') || '(empty list)'}; known: ${known.join(',')}`)
  return {
    rounds: positiveInt('rounds', values.rounds, quick ? QUICK_ROUNDS : DEFAULT_ROUNDS),
    requests: positiveInt('requests', values.requests, quick ? QUICK_REQUESTS : DEFAULT_REQUESTS),
    quick,
    workloadIds,
    writeResults: values['write-results'] === true,
    slotgateArgs: values['slotgate-arg'] ?? [],
    nodeArgs: values['node-arg'] ?? DEFAULT_NODE_ARGS,
    clientThreads: positiveInt('client-threads', values['client-threads'], DEFAULT_CLIENT_THREADS),
    help: values.help === true
  }
}
