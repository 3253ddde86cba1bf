/** Key range of every workload (`-r`): keys `key:000000000000` .. `key:000000099999`. */
export const KEYSPACE = 100_000

/** The backend command a workload turns into, for counting what reached the cluster. */
export interface BackendCommand {
  /** Lower-case name as `INFO commandstats` shows it (`cmdstat_<name>`). */
  readonly name: string
  /** Reads may land on replicas (with a read policy other than master); writes count on masters only. */
  readonly write: boolean
}

/** One workload: the redis-benchmark arguments through slotgate and straight to the cluster. */
export interface Workload {
  readonly id: string
  /** Human title for the tables. */
  readonly title: string
  readonly requests: number
  /** redis-benchmark arguments (without `-p`/`--csv`) for the run through slotgate. */
  readonly viaSlotgate: readonly string[]
  /** Arguments (without `-p`/`--csv`) for the `--cluster` run straight at a seed. */
  readonly direct: readonly string[]
  /**
   * False when the direct run is not the same work: redis-benchmark's `--cluster` mode puts one
   * `{tag}` in every key so that all keys of one command share a slot, while through slotgate
   * the keys spread over slots. Such direct numbers are a reference: ratios to them carry a †.
   */
  readonly comparable: boolean
  readonly backend: BackendCommand
  /** Multi-key workloads that slotgate may refuse (`-CROSSSLOT`) until split/merge exists. */
  readonly multiKey: boolean
  /** The best C++ proxy's figure on machines like ours (issue #8): ratio and CPU per request. */
  readonly peer: string
}

/** Issue #8's table: a C++ proxy on one thread, as ratios to redis-benchmark --cluster. */
const PEER: Readonly<Record<string, string>> = {
  set: '0.74, 16 µs',
  get: '0.78, 14 µs',
  'set-p16': '0.65, 2.6 µs',
  'get-p16': '0.57, 2.9 µs',
  'get-c1': 'p50 0.095 / 0.031 ms',
  mset: '0.61, 31 µs',
  mget: '—'
}

/** Sizes of one run, and redis-benchmark's thread count on both sides. */
export interface WorkloadSizes {
  /** -n of SET/GET -c 50; pipelined runs use 5×, GET -c 1 a quarter, MSET/MGET a quarter. */
  readonly requests: number
  readonly clientThreads: number
}

const tenKeys = (key: string): string[] => Array.from({ length: 10 }, () => key)

/** Every workload in run order (SET before GET, so GETs mostly hit). */
export function workloads ({ requests, clientThreads }: WorkloadSizes): Workload[] {
  // Sizes aim at runs of a few seconds each: redis-benchmark with threads ends a run only on
  // its 250 ms throughput tick, so shorter runs report ops/s up to 250 ms worth too low.
  const pipelined = requests * 5
  const single = Math.max(1000, Math.round(requests / 4))
  // A quarter, like GET -c 1: at a tenth the direct MSET/MGET runs lasted under a second (short run).
  const small = Math.max(1000, Math.round(requests / 4))
  // --threads on both sides: --cluster always runs threads (one per master unless told), so
  // the run through slotgate gets the same client capacity and the same end-of-run tick.
  const common = (n: number, clients: number): string[] => ['--threads', String(clientThreads), '-n', String(n), '-r', String(KEYSPACE), '-c', String(clients)]
  const both = (args: string[]): Pick<Workload, 'viaSlotgate' | 'direct'> => ({ viaSlotgate: args, direct: ['--cluster', ...args] })
  return [
    { id: 'set', title: 'SET -c 50', requests, ...both(['-t', 'set', ...common(requests, 50)]), comparable: true, backend: { name: 'set', write: true }, multiKey: false, peer: PEER.set },
    { id: 'get', title: 'GET -c 50', requests, ...both(['-t', 'get', ...common(requests, 50)]), comparable: true, backend: { name: 'get', write: false }, multiKey: false, peer: PEER.get },
    { id: 'set-p16', title: 'SET -c 50 -P 16', requests: pipelined, ...both(['-t', 'set', ...common(pipelined, 50), '-P', '16']), comparable: true, backend: { name: 'set', write: true }, multiKey: false, peer: PEER['set-p16'] },
    { id: 'get-p16', title: 'GET -c 50 -P 16', requests: pipelined, ...both(['-t', 'get', ...common(pipelined, 50), '-P', '16']), comparable: true, backend: { name: 'get', write: false }, multiKey: false, peer: PEER['get-p16'] },
    { id: 'get-c1', title: 'GET -c 1', requests: single, ...both(['-t', 'get', ...common(single, 1)]), comparable: true, backend: { name: 'get', write: false }, multiKey: false, peer: PEER['get-c1'] },
    {
      // -t mset sends MSET with 10 keys `key:__rand_int__` (each placeholder drawn on its own),
      // so through slotgate the keys spread over slots; with --cluster the keys become
      // `key{tag}:__rand_int__`, one slot per command.
      id: 'mset',
      title: 'MSET 10 keys -c 50',
      requests: small,
      viaSlotgate: ['-t', 'mset', ...common(small, 50)],
      direct: ['--cluster', '-t', 'mset', ...common(small, 50)],
      comparable: false,
      backend: { name: 'mset', write: true },
      multiKey: true,
      peer: PEER.mset
    },
    {
      // A command on the command line needs `{tag}` in its keys under --cluster (see
      // redis-benchmark --help), which again puts all 10 keys in one slot.
      id: 'mget',
      title: 'MGET 10 keys -c 50',
      requests: small,
      viaSlotgate: [...common(small, 50), 'MGET', ...tenKeys('key:__rand_int__')],
      direct: ['--cluster', ...common(small, 50), 'MGET', ...tenKeys('key{tag}:__rand_int__')],
      comparable: false,
      backend: { name: 'mget', write: false },
      multiKey: true,
      peer: PEER.mget
    }
  ]
}

/** A small untimed pass before round 1: slotgate's JIT (the split path too), and keys for the GETs. */
export function warmupArgs ({ requests, clientThreads }: WorkloadSizes): string[] {
  return ['--threads', String(clientThreads), '-t', 'set,get,mset', '-n', String(Math.max(1000, Math.round(requests / 4))), '-r', String(KEYSPACE), '-c', '50']
}
