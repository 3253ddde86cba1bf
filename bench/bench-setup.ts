import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalCluster } from '../test/harness/local-cluster.js'
import { killAll, stopSpawning } from './child-processes.js'
import type { CountedNode } from './command-counts.js'
import type { BenchTargets } from './measure.js'
import { startPredixy } from './predixy-process.js'
import type { ProxyId } from './run-record.js'
import type { ServerProcess } from './server-process.js'
import { startSlotgate } from './slotgate-process.js'

/** What to start in front of the cluster. */
export interface SetupOptions {
  readonly slotgateArgs: readonly string[]
  /** node/V8 flags of the slotgate processes. */
  readonly nodeArgs?: readonly string[]
  /** predixy's binary: started too when given. */
  readonly predixyBin?: string
  /** Also start a second slotgate with `--workers N` (N ≥ 2) for the scaling rows. */
  readonly workers?: number
  /** Another checkout's slotgate CLI (`--baseline`): started too, with the same arguments as slotgate. */
  readonly baselineCli?: string
}

/**
 * The cluster and the proxies of one bench, with one idempotent `stop()` that is safe on every
 * path: after a full start, half-way through one (Ctrl-C while the cluster builds), or after a
 * proxy died.
 */
export class BenchSetup {
  #cluster: Promise<LocalCluster> | undefined
  readonly #proxies: Array<Promise<ServerProcess>> = []
  #dir: string | undefined
  #stopping: Promise<void> | undefined

  constructor (private readonly log: (msg: string) => void) {}

  /** Starts a 3-master/3-replica cluster, then slotgate (and the peer, a multi-process slotgate, the baseline) in front of it. */
  async start (options: SetupOptions): Promise<BenchTargets> {
    this.#cluster = LocalCluster.start({ masters: 3, replicasPerMaster: 1, log: msg => { this.log(`cluster: ${msg}`) } })
    const cluster = await this.#cluster
    const roles = await cluster.roles()
    const nodes: CountedNode[] = cluster.nodes.map(n => ({ host: '127.0.0.1', port: n.port, role: roles.get(n.port) ?? 'replica' }))
    const masters = nodes.filter(n => n.role === 'master')
    if (masters.length !== 3) throw new Error(`expected 3 masters, the cluster says ${masters.map(m => m.port).join(',')}`)
    const seeds = cluster.seeds()
    const proxies = new Map<ProxyId, ServerProcess>()
    const add = async (id: ProxyId, starting: () => Promise<ServerProcess>): Promise<void> => {
      if (this.#stopping !== undefined) throw new Error('the bench is stopping')
      const started = starting()
      this.#proxies.push(started)
      const proxy = await started
      proxies.set(id, proxy)
      this.log(`${proxy.name}: pid ${proxy.pid} on 127.0.0.1:${proxy.port}, in front of ${seeds.join(' ')}`)
    }
    await add('slotgate', async () => await startSlotgate(seeds, options.slotgateArgs, options.nodeArgs))
    const { predixyBin, workers = 0, baselineCli } = options
    if (predixyBin !== undefined) {
      this.#dir = await mkdtemp(join(tmpdir(), 'slotgate-bench-'))
      const dir = this.#dir
      await add('predixy', async () => await startPredixy(predixyBin, seeds, dir))
    }
    if (workers > 1) {
      await add('slotgate-workers', async () => await startSlotgate(seeds, [...options.slotgateArgs, '--workers', String(workers)], options.nodeArgs, `slotgate --workers ${workers}`))
    }
    if (baselineCli !== undefined) {
      await add('slotgate-baseline', async () => await startSlotgate(seeds, options.slotgateArgs, options.nodeArgs, 'slotgate-baseline', baselineCli))
    }
    const nodePids = cluster.nodes.map(n => n.pid).filter((pid): pid is number => pid !== undefined)
    return { slotgate: proxies.get('slotgate') as ServerProcess, proxies, seedPort: (masters[0] as CountedNode).port, nodes, nodePids }
  }

  /** Stops the proxies (SIGTERM, then SIGKILL), any redis-benchmark still running, then the cluster. */
  async stop (): Promise<void> {
    this.#stopping ??= (async () => {
      stopSpawning()
      // Starts still in flight settle first (failed or not), so nothing they started is missed.
      const proxies = await Promise.all(this.#proxies.map(async p => await p.catch(() => undefined)))
      await Promise.all(proxies.map(async p => { await p?.stop() }))
      killAll()
      const cluster = await this.#cluster?.catch(() => undefined)
      await cluster?.stop()
      if (this.#dir !== undefined) await rm(this.#dir, { recursive: true, force: true })
    })()
    await this.#stopping
  }
}
