import { parseArgs } from 'node:util'
import { DEFAULT_CLIENT_THREADS, positiveInt } from './options.js'
import { methods, workloads, WORKLOAD_IDS, type Workload } from './workloads.js'

/** What one `node dist/bench/profile.js` was asked to do. */
export interface ProfileOptions {
  readonly workload: Workload
  /** -n of the -c 50 workloads; the others scale from it as in the bench (workloads.ts). */
  readonly requests: number
  /** node's --cpu-prof-interval, µs. */
  readonly intervalUs: number
  readonly slotgateArgs: readonly string[]
  /** Directory for the results (bench/profiles by default, relative to the repository). */
  readonly outDir: string
  /** Keep startup, fill and shutdown samples instead of only those of the redis-benchmark run. */
  readonly wholeRun: boolean
  readonly help: boolean
}

/** 300,000 GETs at ~30k ops/s: ~10 s of load, ~100,000 samples at 100 µs. */
export const DEFAULT_PROFILE_REQUESTS = 300_000
const DEFAULT_INTERVAL_US = 100
const ids = WORKLOAD_IDS

/** `--help` text. */
export const PROFILE_USAGE = `Usage: node dist/bench/profile.js [options]   (or: npm run bench:profile -- [options])

Starts a local 3-master/3-replica cluster and slotgate under node --cpu-prof, runs one
redis-benchmark workload through slotgate, stops slotgate (SIGTERM) and keeps the samples of the
run as bench/profiles/<workload>.cpuprofile (flame graph: npx speedscope <file>) with a summary
by flamebearer in bench/profiles/<workload>.md.

  --workload ID       one of: ${ids.join(', ')} (default get)
  --requests N        -n of SET/GET -c 50 (default ${DEFAULT_PROFILE_REQUESTS.toLocaleString('en-US')}); -P 16 runs use 5×,
                      GET -c 1 a quarter, MSET and MGET a quarter, as in the bench
  --interval US       node --cpu-prof-interval in µs (default ${DEFAULT_INTERVAL_US})
  --method M          users (redis-benchmark without --threads, default) or threads
  --client-threads N  redis-benchmark --threads of the threads method (default ${DEFAULT_CLIENT_THREADS})
  --slotgate-arg ARG  extra slotgate CLI argument, repeatable
  --out DIR           where to write (default bench/profiles)
  --whole-run         analyse every sample, not only those taken while redis-benchmark ran
  -h, --help          this text
`

/** Parses the command line; throws with a readable message on a bad one. */
export function parseProfileOptions (argv: readonly string[]): ProfileOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      workload: { type: 'string', default: 'get' },
      requests: { type: 'string' },
      interval: { type: 'string' },
      method: { type: 'string', default: 'users' },
      'client-threads': { type: 'string' },
      'slotgate-arg': { type: 'string', multiple: true, default: [] },
      out: { type: 'string', default: 'bench/profiles' },
      'whole-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  const requests = positiveInt('requests', values.requests, DEFAULT_PROFILE_REQUESTS)
  const clientThreads = positiveInt('client-threads', values['client-threads'], DEFAULT_CLIENT_THREADS)
  const method = methods(clientThreads).find(m => m.id === values.method)
  if (method === undefined) throw new Error(`--method: unknown "${values.method}"; known: users, threads`)
  const workload = workloads({ requests }, method).find(w => w.id === values.workload)
  if (workload === undefined) throw new Error(`--workload: unknown "${values.workload}"; known: ${ids.join(', ')}`)
  return {
    workload,
    requests,
    intervalUs: positiveInt('interval', values.interval, DEFAULT_INTERVAL_US),
    slotgateArgs: values['slotgate-arg'] ?? [],
    outDir: values.out ?? 'bench/profiles',
    wholeRun: values['whole-run'] === true,
    help: values.help === true
  }
}
