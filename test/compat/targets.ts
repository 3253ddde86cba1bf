import { join } from 'node:path'
import { freePorts } from '../harness/free-ports.js'
import { ensureRedisServer, LocalCluster } from '../harness/local-cluster.js'
import { nodeCommand } from '../harness/node-command.js'
import { RedisProcess } from '../harness/redis-process.js'
import { describeConfigResets, flushNode, readConfig, restoreConfig, unbusy, type NodeRef } from './node-hygiene.js'
import { SlotgateProcess } from './slotgate-process.js'

/** What the suite runs against: it gives a port and is cleaned between files. */
export interface Target {
  /** Where the tests connect (changes when the target had to be restarted). */
  readonly port: number
  /** Brings the target back to an empty, healthy state after a file; returns what was repaired. */
  reset (): Promise<string[]>
  stop (): Promise<void>
}

const HOST = '127.0.0.1'
// Redis' own default: the issue measures with it, and a lower one would let a test's long
// script (BUSY for seconds) trigger a failover that a user's cluster would not see.
const REDIS_DEFAULT_NODE_TIMEOUT_MS = 15_000
const CLUSTER_OK_TIMEOUT_MS = 60_000

function ref (port: number): NodeRef {
  return { host: HOST, port }
}

async function baselines (ports: readonly number[]): Promise<Map<number, Map<string, string>>> {
  return new Map(await Promise.all(ports.map(async port => [port, await readConfig(ref(port))] as const)))
}

/** A local 3-master/3-replica cluster (harness) with slotgate in front, as its own process. */
export class SlotgateTarget implements Target {
  #cluster: LocalCluster
  #gate: SlotgateProcess
  #baseline: Map<number, Map<string, string>>
  #generation: number

  private constructor (readonly dir: string, readonly log: (msg: string) => void, cluster: LocalCluster, gate: SlotgateProcess, baseline: Map<number, Map<string, string>>, generation: number) {
    this.#cluster = cluster
    this.#gate = gate
    this.#baseline = baseline
    this.#generation = generation
  }

  /** Starts the cluster (node dirs and logs under `dir/cluster-N`) and slotgate (`dir/slotgate.log`). */
  static async start (dir: string, log: (msg: string) => void, generation = 1): Promise<SlotgateTarget> {
    const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: REDIS_DEFAULT_NODE_TIMEOUT_MS, dir: join(dir, `cluster-${generation}`), log })
    try {
      const baseline = await baselines(cluster.nodes.map(n => n.port))
      const gate = await SlotgateProcess.start(cluster.seeds(), join(dir, 'slotgate.log'))
      log(`slotgate on ${HOST}:${gate.port} in front of ${cluster.seeds().join(' ')}`)
      return new SlotgateTarget(dir, log, cluster, gate, baseline, generation)
    } catch (err) {
      await cluster.stop()
      throw err
    }
  }

  get port (): number {
    return this.#gate.port
  }

  async reset (): Promise<string[]> {
    const repairs: string[] = []
    try {
      for (const node of this.#cluster.nodes) repairs.push(...await unbusy(ref(node.port)))
      const roles = await this.#cluster.roles()
      const resets = []
      for (const node of this.#cluster.nodes) {
        await flushNode(ref(node.port), roles.get(node.port) === 'master')
        resets.push(await restoreConfig(ref(node.port), this.#baseline.get(node.port) as Map<string, string>))
      }
      repairs.push(...describeConfigResets(resets))
      await this.#cluster.waitForClusterOk(CLUSTER_OK_TIMEOUT_MS)
    } catch (err) {
      repairs.push(`cluster and slotgate restarted: ${(err as Error).message}`)
      await this.#restartAll()
      return repairs
    }
    const alive = this.#gate.running ? await pingThrough(this.#gate.port) : 'process exited'
    if (alive !== 'PONG') {
      repairs.push(`slotgate restarted: ${alive}`)
      await this.#gate.stop()
      this.#gate = await SlotgateProcess.start(this.#cluster.seeds(), join(this.dir, 'slotgate.log'))
    }
    return repairs
  }

  async #restartAll (): Promise<void> {
    await this.stop()
    const next = await SlotgateTarget.start(this.dir, this.log, this.#generation + 1)
    this.#cluster = next.#cluster
    this.#gate = next.#gate
    this.#baseline = next.#baseline
    this.#generation = next.#generation
  }

  async stop (): Promise<void> {
    await this.#gate.stop()
    await this.#cluster.stop()
  }
}

async function pingThrough (port: number): Promise<string> {
  try {
    return String(await nodeCommand(HOST, port, 'PING'))
  } catch (err) {
    return (err as Error).message
  }
}

/** A plain redis-server without cluster mode: the reference the suite was written for. */
export class DirectTarget implements Target {
  #node: RedisProcess
  #baseline: Map<string, string>
  #generation: number

  private constructor (readonly dir: string, node: RedisProcess, baseline: Map<string, string>, generation: number) {
    this.#node = node
    this.#baseline = baseline
    this.#generation = generation
  }

  /** Starts the node with its dir and log under `dir/direct-N`. */
  static async start (dir: string, log: (msg: string) => void, generation = 1): Promise<DirectTarget> {
    const [port] = await freePorts(1, HOST)
    const node = await RedisProcess.create({
      serverPath: ensureRedisServer(),
      host: HOST,
      port,
      dir: join(dir, `direct-${generation}`),
      config: ['protected-mode no', 'daemonize no', 'appendonly no', 'save ""']
    })
    await node.start()
    log(`redis-server on ${node.address}`)
    return new DirectTarget(dir, node, await readConfig(ref(port)), generation)
  }

  get port (): number {
    return this.#node.port
  }

  async reset (): Promise<string[]> {
    const node = ref(this.#node.port)
    const repairs: string[] = []
    try {
      repairs.push(...await unbusy(node))
      await flushNode(node, true)
      repairs.push(...describeConfigResets([await restoreConfig(node, this.#baseline)]))
    } catch (err) {
      repairs.push(`redis-server restarted: ${(err as Error).message}`)
      await this.stop()
      const next = await DirectTarget.start(this.dir, () => undefined, this.#generation + 1)
      this.#node = next.#node
      this.#baseline = next.#baseline
      this.#generation = next.#generation
    }
    return repairs
  }

  async stop (): Promise<void> {
    await this.#node.kill('SIGKILL')
  }
}
