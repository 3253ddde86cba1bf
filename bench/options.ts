import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { PREDIXY_BIN } from './predixy-process.js'
import type { Target } from './run-record.js'
import { TARGET_IDS } from './targets.js'
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
  /** `--baseline DIR`, absolute: another built checkout of slotgate, run as `slotgate-baseline`; undefined: none. */
  readonly baseline?: string
  /**
   * The targets every round runs (`--targets`, or by default direct, slotgate and each of
   * predixy, the `--workers` slotgate and the baseline that is configured). Consistent with the
   * fields above: predixy is listed exactly when `predixyBin` is set, and so on.
   */
  readonly targets: readonly Target[]
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
  --baseline DIR      also run DIR's build of slotgate (another checkout, built: DIR/dist/src/bin/slotgate.js)
                      as the target slotgate-baseline in every round, with the same arguments:
                      before/after a change in one run (summaries add slotgate/baseline, CPU s / b)
  --targets LIST      run only these targets, a subset of ${TARGET_IDS.join(',')}
                      (slotgate always; default every one configured)
  --slotgate-arg ARG  extra slotgate CLI argument (repeat it: --slotgate-arg=--links-per-node --slotgate-arg=2);
                      every slotgate gets them, the baseline too
  --node-arg ARG      node/V8 flag for slotgate's process, repeatable (default: the image's, ${DEFAULT_NODE_ARGS.join(' ')})
  --quick             the regression guard (npm run bench:quick): users method, direct and
                      slotgate only, ${QUICK.rounds} rounds of ${QUICK.workloads.join(',')} at
                      ${QUICK.requests.toLocaleString('en-US')} requests; compared with the previous --quick run.
                      With --baseline DIR: before and after in one run (the recommended guard)
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
      baseline: { type: 'string' },
      targets: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  const quick = values.quick === true
  const clientThreads = positiveInt('client-threads', values['client-threads'], DEFAULT_CLIENT_THREADS)
  const all = methods(clientThreads)
  const methodIds = listOf('methods', values.methods, all.map(m => m.id), quick ? QUICK.methods : all.map(m => m.id))
  const workers = positiveInt('workers', values.workers, quick ? 0 : DEFAULT_WORKERS, 0)
  if (workers === 1) throw new Error('--workers 1 is slotgate as shipped: give 2 or more, or 0 for none')
  if (values.baseline === '') throw new Error('--baseline needs a directory: a built checkout of slotgate')
  const chosen = chooseTargets(values.targets, {
    predixyBin: quick ? undefined : predixyBin,
    workers,
    workersGiven: values.workers !== undefined,
    baseline: values.baseline === undefined ? undefined : resolve(values.baseline)
  })
  return {
    rounds: positiveInt('rounds', values.rounds, quick ? QUICK.rounds : DEFAULT_ROUNDS),
    requests: positiveInt('requests', values.requests, quick ? QUICK.requests : DEFAULT_REQUESTS),
    quick,
    methods: all.filter(m => methodIds.includes(m.id)),
    workloadIds: listOf('workloads', values.workloads, WORKLOAD_IDS, quick ? QUICK.workloads : WORKLOAD_IDS),
    writeResults: values['write-results'] === true,
    slotgateArgs: values['slotgate-arg'] ?? [],
    nodeArgs: values['node-arg'] ?? DEFAULT_NODE_ARGS,
    workersFor: listOf('workers-for', values['workers-for'], WORKLOAD_IDS, DEFAULT_WORKERS_FOR, true),
    ...chosen,
    help: values.help === true
  }
}

/** The optional targets as configured, before `--targets` narrows them. */
interface Configured {
  readonly predixyBin?: string
  readonly workers: number
  /** True when `--workers` was on the command line (not the default). */
  readonly workersGiven: boolean
  readonly baseline?: string
}

/**
 * The run's targets, and the optional ones' settings made to agree with them: a target
 * `--targets` leaves out is not started (a default `--workers` becomes 0, `PREDIXY_BIN` is
 * ignored); one it names must be configured, and an explicit `--workers N` or `--baseline`
 * it leaves out is an error rather than silently dropped.
 */
function chooseTargets (list: string | undefined, c: Configured): Pick<BenchOptions, 'predixyBin' | 'workers' | 'baseline' | 'targets'> {
  const configured: Target[] = ['direct', 'slotgate']
  if (c.predixyBin !== undefined) configured.push('predixy')
  if (c.workers > 1) configured.push('slotgate-workers')
  if (c.baseline !== undefined) configured.push('slotgate-baseline')
  const targets = listOf('targets', list, TARGET_IDS, configured) as Target[]
  if (!targets.includes('slotgate')) throw new Error('--targets must include slotgate: every summary compares with it')
  const missing: Partial<Record<Target, string>> = {
    predixy: 'PREDIXY_BIN=/path/to/predixy (and no --quick)',
    'slotgate-workers': '--workers N (N ≥ 2)',
    'slotgate-baseline': '--baseline DIR'
  }
  const lacking = targets.find(t => !configured.includes(t))
  if (lacking !== undefined) throw new Error(`--targets ${lacking} needs ${missing[lacking] ?? 'more options'}`)
  if (c.workersGiven && c.workers > 1 && !targets.includes('slotgate-workers')) throw new Error(`--workers ${c.workers} given, but --targets leaves slotgate-workers out`)
  if (c.baseline !== undefined && !targets.includes('slotgate-baseline')) throw new Error('--baseline given, but --targets leaves slotgate-baseline out')
  return {
    predixyBin: targets.includes('predixy') ? c.predixyBin : undefined,
    workers: targets.includes('slotgate-workers') ? c.workers : 0,
    baseline: c.baseline,
    // In TARGET_IDS' order, whatever order the list had.
    targets: TARGET_IDS.filter(t => targets.includes(t))
  }
}
