/** Key range of every workload (`-r`): keys `key:000000000000` .. `key:000000099999`. */
export const KEYSPACE = 100_000

/**
 * How redis-benchmark is run through the proxies. `users`: as a user would, one client thread
 * (no `--threads`); `threads`: `--threads N` on both sides, the same client capacity as the
 * `--cluster` run. The direct run always uses `--cluster`, which runs one thread per master
 * unless told otherwise.
 */
export interface Method {
  readonly id: 'users' | 'threads'
  readonly title: string
  /** redis-benchmark `--threads` through the proxies (and direct); undefined: none through the proxies. */
  readonly clientThreads?: number
}

/** Both methods; `threads` takes its thread count from the options. */
export function methods (clientThreads: number): Method[] {
  return [
    { id: 'users', title: 'what users see: redis-benchmark without --threads through the proxies' },
    { id: 'threads', title: `equal client threads: redis-benchmark --threads ${clientThreads} on every side`, clientThreads }
  ]
}

/** The backend command a workload turns into, for counting what reached the cluster. */
export interface BackendCommand {
  /** Lower-case name as `INFO commandstats` shows it (`cmdstat_<name>`). */
  readonly name: string
  /** Reads may land on replicas (with a read policy other than master); writes count on masters only. */
  readonly write: boolean
}

/** One workload of one method: the redis-benchmark arguments through a proxy and straight to the cluster. */
export interface Workload {
  readonly id: string
  /** Human title for the tables. */
  readonly title: string
  readonly method: Method
  readonly requests: number
  /** redis-benchmark arguments (without `-h`/`-p`/`--csv`) for a run through a proxy. */
  readonly viaProxy: readonly string[]
  /** Arguments (without `-h`/`-p`/`--csv`) for the `--cluster` run straight at a seed. */
  readonly direct: readonly string[]
  /**
   * False when the direct run is not the same work: redis-benchmark's `--cluster` mode puts one
   * `{tag}` in every key so that all keys of one command share a slot, while through a proxy
   * the keys spread over slots. Such direct numbers are a reference: ratios to them carry a †.
   */
  readonly comparable: boolean
  readonly backend: BackendCommand
  /** Multi-key workloads, split by the proxy over slots. */
  readonly multiKey: boolean
  /** Judged on its p50 latency too (one client: the latency a request pays for the hop). */
  readonly latency: boolean
}

/** Sizes of one run. */
export interface WorkloadSizes {
  /** -n of SET/GET -c 50; pipelined runs use 5×, GET -c 1 a quarter, MSET/MGET a quarter. */
  readonly requests: number
}

/** Every workload id, in run order. */
export const WORKLOAD_IDS = ['set', 'get', 'set-p16', 'get-p16', 'get-c1', 'mset', 'mget'] as const

const tenKeys = (key: string): string[] => Array.from({ length: 10 }, () => key)

/** Every workload of `method` in run order (SET before GET, so GETs mostly hit). */
export function workloads ({ requests }: WorkloadSizes, method: Method): Workload[] {
  // Sizes aim at runs of a few seconds each: redis-benchmark with threads ends a run only on
  // its 250 ms throughput tick, so shorter runs report ops/s up to 250 ms worth too low.
  const pipelined = requests * 5
  const single = Math.max(1000, Math.round(requests / 4))
  // A quarter, like GET -c 1: at a tenth the direct MSET/MGET runs lasted under a second (short run).
  const small = Math.max(1000, Math.round(requests / 4))
  const threads = method.clientThreads === undefined ? [] : ['--threads', String(method.clientThreads)]
  const common = (n: number, clients: number): string[] => ['-n', String(n), '-r', String(KEYSPACE), '-c', String(clients)]
  const both = (args: string[]): Pick<Workload, 'viaProxy' | 'direct'> => ({ viaProxy: [...threads, ...args], direct: ['--cluster', ...threads, ...args] })
  const single1 = { method, comparable: true, multiKey: false, latency: false }
  const set = { name: 'set', write: true }
  const get = { name: 'get', write: false }
  return [
    { id: 'set', title: 'SET -c 50', requests, ...both(['-t', 'set', ...common(requests, 50)]), ...single1, backend: set },
    { id: 'get', title: 'GET -c 50', requests, ...both(['-t', 'get', ...common(requests, 50)]), ...single1, backend: get },
    { id: 'set-p16', title: 'SET -c 50 -P 16', requests: pipelined, ...both(['-t', 'set', ...common(pipelined, 50), '-P', '16']), ...single1, backend: set },
    { id: 'get-p16', title: 'GET -c 50 -P 16', requests: pipelined, ...both(['-t', 'get', ...common(pipelined, 50), '-P', '16']), ...single1, backend: get },
    { id: 'get-c1', title: 'GET -c 1', requests: single, ...both(['-t', 'get', ...common(single, 1)]), ...single1, latency: true, backend: get },
    // -t mset sends MSET with 10 keys `key:__rand_int__` (each placeholder drawn on its own),
    // so through a proxy the keys spread over slots; with --cluster the keys become
    // `key{tag}:__rand_int__`, one slot per command.
    { id: 'mset', title: 'MSET 10 keys -c 50', requests: small, ...both(['-t', 'mset', ...common(small, 50)]), method, comparable: false, multiKey: true, latency: false, backend: { name: 'mset', write: true } },
    {
      // A command on the command line needs `{tag}` in its keys under --cluster (see
      // redis-benchmark --help), which again puts all 10 keys in one slot.
      id: 'mget',
      title: 'MGET 10 keys -c 50',
      requests: small,
      viaProxy: [...threads, ...common(small, 50), 'MGET', ...tenKeys('key:__rand_int__')],
      direct: ['--cluster', ...threads, ...common(small, 50), 'MGET', ...tenKeys('key{tag}:__rand_int__')],
      method,
      comparable: false,
      multiKey: true,
      latency: false,
      backend: { name: 'mget', write: false }
    }
  ]
}

/** A small untimed pass before round 1: the proxies' JIT and connections (the split path too), and keys for the GETs. */
export function warmupArgs ({ requests }: WorkloadSizes): string[] {
  return ['-t', 'set,get,mset', '-n', String(Math.max(1000, Math.round(requests / 4))), '-r', String(KEYSPACE), '-c', '50']
}
