import { parseArgs } from 'node:util'
import { PREDIXY_BIN } from './predixy-process.js'
import { methods, WORKLOAD_IDS, type Method } from './workloads.js'

/** What one `node dist/bench/run.js` was asked to do. */
export interface BenchOptions {
  readonly rounds: number
  readonly requests: number
  /** The regression guard (`npm run bench:quick`): see QUICK below. */
  readonly quick: boolean
  readonly methods: readonly Method[]
  readonly workloadIds: readonly string[]
  readonly writeResults: boolean
  readonly slotgateArgs: readonly string[]
  /** Arguments for node itself (V8 flags), before slotgate's script. */
  readonly nodeArgs: readonly string[]
  /** predixy's binary (`PREDIXY_BIN`); undefined: no peer in this run. */
  readonly predixyBin?: string
  /** `--workers` of the second slotgate; 0: none. */
  readonly workers: number
  /** Workloads the `--workers` slotgate runs too. */
  readonly workersFor: readonly string[]
  readonly help: boolean
}

/** The V8 flags the Docker image runs slotgate with (its NODE_OPTIONS), so the bench measures the same. */
export const DEFAULT_NODE_ARGS: readonly string[] = ['--max-semi-space-size=4']

/** Requests of the 50-client workloads, and rounds, by default. */
export const DEFAULT_REQUESTS = 200_000
export const DEFAULT_ROUNDS = 3
/** What --cluster picks by itself for a 3-master cluster (one thread per master). */
export const DEFAULT_CLIENT_THREADS = 3
const DEFAULT_WORKERS = 2
const DEFAULT_WORKERS_FOR = ['set', 'get', 'set-p16', 'get-p16']

/**
 * The regression guard: the users' method only, direct and slotgate, every workload but MGET at
 * half the default size, two rounds; no peer and no `--workers` slotgate (the guard compares
 * slotgate with itself before and after a change). Under 2 minutes with the build.
 */
const QUICK = { requests: 100_000, rounds: 2, methods: ['users'], workloads: ['set', 'get', 'set-p16', 'get-p16', 'get-c1', 'mset'] }

/** `--help` text. */
export const USAGE = `Usage: node dist/bench/run.js [options]   (or: npm run bench -- [options])

Starts a local 3-master/3-replica Redis Cluster, slotgate in front of it and, when PREDIXY_BIN
names its binary, the C++ peer (predixy, one worker thread, reads from masters); then runs each
workload with redis-benchmark straight at the cluster (--cluster) and through each proxy,
interleaved, for several rounds; prints medians, ratios and the goals. See bench/README.md.

  --rounds N          rounds of every workload (default ${DEFAULT_ROUNDS})
  --requests N        -n of SET/GET -c 50 (default ${DEFAULT_REQUESTS.toLocaleString('en-US')});
                      -P 16 runs use 5×, GET -c 1 a quarter, MSET and MGET a quarter
  --methods LIST      users (no --threads through the proxies), threads (--threads on every
                      side); default both
  --workloads LIST    comma-separated subset of: ${WORKLOAD_IDS.join(',')}
  --client-threads N  redis-benchmark --threads of the threads method (default ${DEFAULT_CLIENT_THREADS})
  --workers N         also run a slotgate with --workers N (default ${DEFAULT_WORKERS}; 0: none)
  --workers-for LIST  workloads the --workers slotgate runs (default ${DEFAULT_WORKERS_FOR.join(',')})
  --slotgate-arg ARG  extra slotgate CLI argument (repeat it: --slotgate-arg=--links-per-node --slotgate-arg=2)
  --node-arg ARG      node/V8 flag for slotgate's process, repeatable (default: the image's, ${DEFAULT_NODE_ARGS.join(' ')})
  --quick             the regression guard (npm run bench:quick): users method, direct and
                      slotgate only, ${QUICK.rounds} rounds of ${QUICK.workloads.join(',')} at
                      ${QUICK.requests.toLocaleString('en-US')} requests; compared with the previous --quick run
  --write-results     write the summary to bench/RESULTS.md
  -h, --help          this text

Environment: PREDIXY_BIN=/path/to/predixy adds the peer (ignored by --quick).
`

/** `value` as an integer of at least `min`, `fallback` when absent; throws a readable error otherwise. */
export function positiveInt (name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} needs an integer of at least ${min}, got "${value}"`)
  return n
}

/** A comma-separated list whose items must all be `known`. */
function listOf (name: string, value: string | undefined, known: readonly string[], fallback: readonly string[], allowEmpty = false): string[] {
  if (value === undefined) return [...fallback]
  const items = value.split(',').map(s => s.trim()).filter(s => s !== '')
  const unknown = items.filter(id => !known.includes(id))
  if (unknown.length > 0 || (items.length === 0 && !allowEmpty)) throw new Error(`--${name}: unknown ${unknown.join(',') || '(empty list)'}; known: ${known.join(',')}`)
  return items
}

/** Parses the command line; throws with a readable message on a bad one. */
export function parseOptions (argv: readonly string[], predixyBin = PREDIXY_BIN): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      rounds: { type: 'string' },
      requests: { type: 'string' },
      quick: { type: 'boolean', default: false },
      methods: { type: 'string' },
      workloads: { type: 'string' },
      'write-results': { type: 'boolean', default: false },
      'slotgate-arg': { type: 'string', multiple: true, default: [] },
      'node-arg': { type: 'string', multiple: true },
      'client-threads': { type: 'string' },
      workers: { type: 'string' },
      'workers-for': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  const quick = values.quick === true
  const clientThreads = positiveInt('client-threads', values['client-threads'], DEFAULT_CLIENT_THREADS)
  const all = methods(clientThreads)
  const methodIds = listOf('methods', values.methods, all.map(m => m.id), quick ? QUICK.methods : all.map(m => m.id))
  const workers = positiveInt('workers', values.workers, quick ? 0 : DEFAULT_WORKERS, 0)
  if (workers === 1) throw new Error('--workers 1 is slotgate as shipped: give 2 or more, or 0 for none')
  return {
    rounds: positiveInt('rounds', values.rounds, quick ? QUICK.rounds : DEFAULT_ROUNDS),
    requests: positiveInt('requests', values.requests, quick ? QUICK.requests : DEFAULT_REQUESTS),
    quick,
    methods: all.filter(m => methodIds.includes(m.id)),
    workloadIds: listOf('workloads', values.workloads, WORKLOAD_IDS, quick ? QUICK.workloads : WORKLOAD_IDS),
    writeResults: values['write-results'] === true,
    slotgateArgs: values['slotgate-arg'] ?? [],
    nodeArgs: values['node-arg'] ?? DEFAULT_NODE_ARGS,
    predixyBin: quick ? undefined : predixyBin,
    workers,
    workersFor: listOf('workers-for', values['workers-for'], WORKLOAD_IDS, DEFAULT_WORKERS_FOR, true),
    help: values.help === true
  }
}
