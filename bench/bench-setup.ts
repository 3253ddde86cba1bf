import { LocalCluster } from '../test/harness/local-cluster.js'
import { killAll, stopSpawning } from './child-processes.js'
import type { CountedNode } from './command-counts.js'
import type { BenchTargets } from './measure.js'
import { SlotgateProcess } from './slotgate-process.js'

/**
 * The cluster and the slotgate process of one bench, with one idempotent `stop()` that is safe
 * on every path: after a full start, half-way through one (Ctrl-C while the cluster builds),
 * or after slotgate died.
 */
export class BenchSetup {
  #cluster: Promise<LocalCluster> | undefined
  #slotgate: Promise<SlotgateProcess> | undefined
  #stopping: Promise<void> | undefined

  constructor (private readonly log: (msg: string) => void) {}

  /** Starts a 3-master/3-replica cluster, then slotgate's CLI in front of it. */
  async start (slotgateArgs: readonly string[], nodeArgs: readonly string[] = []): Promise<BenchTargets> {
    if (this.#stopping !== undefined) throw new Error('the bench is stopping')
    this.#cluster = LocalCluster.start({ masters: 3, replicasPerMaster: 1, log: msg => { this.log(`cluster: ${msg}`) } })
    const cluster = await this.#cluster
    const roles = await cluster.roles()
    const nodes: CountedNode[] = cluster.nodes.map(n => ({ host: '127.0.0.1', port: n.port, role: roles.get(n.port) ?? 'replica' }))
    const masters = nodes.filter(n => n.role === 'master')
    if (masters.length !== 3) throw new Error(`expected 3 masters, the cluster says ${masters.map(m => m.port).join(',')}`)
    if (this.#stopping !== undefined) throw new Error('the bench is stopping')
    this.#slotgate = SlotgateProcess.start(cluster.seeds(), slotgateArgs, nodeArgs)
    const slotgate = await this.#slotgate
    this.log(`slotgate pid ${slotgate.pid} on 127.0.0.1:${slotgate.port}, in front of ${cluster.seeds().join(' ')}`)
    const nodePids = cluster.nodes.map(n => n.pid).filter((pid): pid is number => pid !== undefined)
    return { slotgate, seedPort: (masters[0] as CountedNode).port, nodes, nodePids }
  }

  /** Stops slotgate (SIGTERM, then SIGKILL), any redis-benchmark still running, then the cluster. */
  async stop (): Promise<void> {
    this.#stopping ??= (async () => {
      stopSpawning()
      // A start still in flight settles first (failed or not), so nothing it started is missed.
      const slotgate = await this.#slotgate?.catch(() => undefined)
      await slotgate?.stop()
      killAll()
      const cluster = await this.#cluster?.catch(() => undefined)
      await cluster?.stop()
    })()
    await this.#stopping
  }
}
