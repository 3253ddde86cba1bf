import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildCluster } from './build-cluster.js'
import { clusterOk, failedOver, hasRole, type NodeView, ownsSlot, readViews } from './cluster-probe.js'
import { SLOT_COUNT, type SlotRange } from './cluster-view.js'
import { ensureRedisServer } from './ensure-redis-server.js'
import { removeOnExit } from './kill-on-exit.js'
import { LocalClusterError } from './local-cluster-error.js'
import { nodeCommand } from './node-command.js'
import { nodeConfig } from './node-config.js'
import type { LocalNode, RedisProcess } from './redis-process.js'
import { assignSlot, migrateKeys } from './slot-migration.js'
import { startNodes } from './start-nodes.js'
import { waitUntil } from './wait-until.js'

export { ensureRedisServer } from './ensure-redis-server.js'
export { LocalClusterError } from './local-cluster-error.js'
export type { LocalNode } from './redis-process.js'

/** How to start a `LocalCluster`. */
export interface LocalClusterOptions {
  /** Shards; default 3. */
  masters?: number
  /** Replicas of each master; default 1. */
  replicasPerMaster?: number
  /** `cluster-node-timeout`; default 2000, low so failover tests stay fast. */
  nodeTimeoutMs?: number
  /** Address every node binds and announces; default `127.0.0.1`. */
  host?: string
  /** Working dir (one sub-dir per node); default a fresh temp dir, removed by `stop()`. */
  dir?: string
  /** Extra redis.conf lines, appended after the harness' own (so they win). */
  extraConfig?: string[]
  /** Progress messages; default silent. */
  log?: (msg: string) => void
}

const STOP_GRACE_MS = 1500
/** How long to wait for one CLUSTER FAILOVER: Redis' own 5 s (CLUSTER_MF_TIMEOUT), plus time for every node to see it. */
const MANUAL_FAILOVER_WINDOW_MS = 7000

/**
 * A throwaway Redis Cluster of local `redis-server` processes on free loopback ports, for the
 * integration tests, `npm run demo` and the benchmark. Several can run at once on one machine.
 * Nodes are controlled with short-lived ioredis connections; nothing stays open between calls.
 */
export class LocalCluster {
  /** Every node, masters first in start order (roles change with failovers; ask `roles()`). */
  readonly nodes: LocalNode[]
  /** The working dir holding one sub-dir per node. */
  readonly dir: string
  readonly #procs: RedisProcess[]
  readonly #ownsDir: boolean
  readonly #log: (msg: string) => void
  #ids = new Map<number, string>()
  // Slots each master held when last seen, so waitForFailover knows what a dead master owned.
  readonly #slotsByPort = new Map<number, readonly SlotRange[]>()
  readonly #migrations = new Map<number, { source: RedisProcess, target: RedisProcess }>()
  #stopping: Promise<void> | undefined
  #forgetDir: () => void = () => undefined

  private constructor (dir: string, ownsDir: boolean, log: (msg: string) => void) {
    this.#procs = []
    this.nodes = this.#procs
    this.dir = dir
    this.#ownsDir = ownsDir
    this.#log = log
  }

  /** Starts the nodes, builds the cluster and resolves once it is fully up (see `buildCluster`). */
  static async start (options: LocalClusterOptions = {}): Promise<LocalCluster> {
    const began = Date.now()
    const masters = options.masters ?? 3
    const replicasPerMaster = options.replicasPerMaster ?? 1
    const host = options.host ?? '127.0.0.1'
    if (!Number.isInteger(masters) || masters < 1 || masters > SLOT_COUNT || !Number.isInteger(replicasPerMaster) || replicasPerMaster < 0) {
      throw new LocalClusterError('SLOTGATE_ERR_DEV_BAD_ARGUMENT', `need an integer masters in 1..${SLOT_COUNT} and replicasPerMaster >= 0, got ${masters} and ${replicasPerMaster}`)
    }
    const serverPath = ensureRedisServer()
    const dir = options.dir ?? await mkdtemp(join(tmpdir(), 'slotgate-cluster-'))
    const cluster = new LocalCluster(dir, options.dir === undefined, options.log ?? (() => undefined))
    if (options.dir === undefined) cluster.#forgetDir = removeOnExit(dir)
    const config = nodeConfig(options.nodeTimeoutMs ?? 2000, options.extraConfig)
    try {
      cluster.#procs.push(...await startNodes({ count: masters * (1 + replicasPerMaster), serverPath, host, dir, config, log: cluster.#log }))
      cluster.#log(`started ${cluster.#procs.length} redis-server processes on ${cluster.seeds().join(' ')} in ${Date.now() - began} ms`)
      cluster.#ids = await buildCluster(cluster.#procs, masters, replicasPerMaster, 20_000)
      await cluster.#rememberSlots()
      cluster.#log(`cluster of ${masters} masters x ${replicasPerMaster} replicas ok in ${Date.now() - began} ms (dir ${dir})`)
      return cluster
    } catch (err) {
      await cluster.stop()
      throw err
    }
  }

  /** Every node's `host:port`. */
  seeds (): string[] {
    return this.#procs.map(p => p.address)
  }

  /** The node id of the node on `port` (kept across restarts). */
  nodeId (port: number): string {
    return this.#ids.get(this.#node(port).port) as string
  }

  /** Current roles by port, as `CLUSTER NODES` of the first live node that answers says. */
  async roles (): Promise<Map<number, 'master' | 'replica'>> {
    const { entries } = await this.#firstView()
    return new Map(entries.map(e => [e.port, e.role]))
  }

  /** The port of the master owning `slot`, per `CLUSTER SLOTS` of the first live node that answers. */
  async masterPortForSlot (slot: number): Promise<number> {
    checkSlot(slot)
    const errors: string[] = []
    for (const node of this.#live()) {
      try {
        const ranges = await nodeCommand(node.host, node.port, 'CLUSTER', 'SLOTS') as Array<[number, number, [string, number, ...unknown[]]]>
        const range = ranges.find(([start, end]) => start <= slot && slot <= end)
        if (range === undefined) throw new LocalClusterError('SLOTGATE_ERR_DEV_NODE_STATE', `${node.address} says no node owns slot ${slot}`)
        return Number(range[2][1])
      } catch (err) {
        errors.push((err as Error).message)
      }
    }
    throw new LocalClusterError('SLOTGATE_ERR_DEV_NODE_STATE', `no live node told the owner of slot ${slot}: ${errors.join('; ')}`)
  }

  /** Sends `signal` (default SIGKILL) to the node and resolves once its process exited. */
  async kill (port: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const node = this.#node(port)
    if (!node.running) return
    await this.#rememberSlots()
    await node.kill(signal)
    this.#log(`killed ${node.address} with ${signal}`)
  }

  /** Starts a stopped node again on its port with its nodes.conf (same node id); resolves when it answers PING. */
  async restart (port: number): Promise<void> {
    await this.#node(port).start()
    this.#log(`restarted ${this.#node(port).address}`)
  }

  /** Freezes the node with SIGSTOP: it keeps its sockets but answers nothing, like a hung host. */
  async pause (port: number): Promise<void> {
    await this.#rememberSlots()
    await this.#node(port).pause()
    this.#log(`paused ${this.#node(port).address}`)
  }

  /** Thaws a paused node with SIGCONT. */
  async resume (port: number): Promise<void> {
    await this.#node(port).resume()
    this.#log(`resumed ${this.#node(port).address}`)
  }

  /** Resolves once every running, unpaused node reports `cluster_state:ok` and all agree on slot owners. */
  async waitForClusterOk (timeoutMs = 15_000): Promise<void> {
    await waitUntil('cluster_state:ok on every live node', timeoutMs, async () => clusterOk(await readViews(this.#live())))
  }

  /**
   * Resolves with the port of the node that took over the slots `deadPort` owned when it was
   * killed or paused, once every live node agrees on it and it says it is a master.
   */
  async waitForFailover (deadPort: number, timeoutMs = 30_000): Promise<number> {
    const dead = this.#node(deadPort)
    const slots = this.#slotsByPort.get(dead.port)
    if (slots === undefined || slots.length === 0) {
      throw new LocalClusterError('SLOTGATE_ERR_DEV_BAD_ARGUMENT', `${dead.address} owned no slots when last seen, so nothing fails over from it (was it a replica?)`)
    }
    const began = Date.now()
    const promoted = await waitUntil(`a replica to take over ${dead.address}'s slots`, timeoutMs,
      async () => failedOver(await readViews(this.#live()), slots, dead.port))
    await this.#rememberSlots()
    this.#log(`${dead.address} failed over to port ${promoted} in ${Date.now() - began} ms`)
    return promoted
  }

  /**
   * Runs `CLUSTER FAILOVER [mode]` on a replica and resolves once every live node sees it as a
   * master with slots. Redis gives a manual failover 5 s (CLUSTER_MF_TIMEOUT) and then drops it
   * without a word (in the node's log only: the replica had not caught up with its paused master,
   * or its election got no majority), so, as an operator would, this asks again while the node
   * is still a replica, up to 20 s in all.
   */
  async failover (replicaPort: number, mode?: 'FORCE' | 'TAKEOVER'): Promise<void> {
    const node = this.#node(replicaPort)
    const what = `${node.address} to be a master with slots after CLUSTER FAILOVER ${mode ?? ''}`
    const deadline = Date.now() + 20_000
    for (;;) {
      await nodeCommand(node.host, node.port, 'CLUSTER', 'FAILOVER', ...(mode === undefined ? [] : [mode]))
      try {
        await waitUntil(what, Math.min(MANUAL_FAILOVER_WINDOW_MS, deadline - Date.now()),
          async () => hasRole(await readViews(this.#live()), node.port, 'master', true))
        break
      } catch (err) {
        if (Date.now() >= deadline || (await this.roles()).get(node.port) !== 'replica') throw err
        this.#log(`${node.address}: CLUSTER FAILOVER ${mode ?? ''} did not complete in ${MANUAL_FAILOVER_WINDOW_MS} ms; asking again`)
      }
    }
    await this.#rememberSlots()
  }

  /**
   * Resolves once the node on `port` says it has `role` (a replica also with its master link up)
   * and every live node agrees, e.g. a restarted old master that has become a replica.
   */
  async waitForRole (port: number, role: 'master' | 'replica', timeoutMs = 15_000): Promise<void> {
    const node = this.#node(port)
    await waitUntil(`${node.address} to be a ${role}`, timeoutMs, async () => hasRole(await readViews(this.#live()), node.port, role))
  }

  /** Marks `slot` IMPORTING on the node at `toPort`, then MIGRATING on its current owner. */
  async beginSlotMigration (slot: number, toPort: number): Promise<void> {
    const target = this.#node(toPort)
    const source = this.#node(await this.masterPortForSlot(slot))
    if (source === target) throw new LocalClusterError('SLOTGATE_ERR_DEV_BAD_ARGUMENT', `slot ${slot} is already owned by ${target.address}`)
    // Target first, as the CLUSTER SETSLOT docs say: once the source answers ASK, the target must accept ASKING.
    await nodeCommand(target.host, target.port, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', this.nodeId(source.port))
    await nodeCommand(source.host, source.port, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', this.nodeId(target.port))
    this.#migrations.set(slot, { source, target })
    this.#log(`slot ${slot}: migrating ${source.address} -> ${target.address}`)
  }

  /** Moves up to `maxKeys` (default all) keys of a slot being migrated to its target; returns how many moved. */
  async migrateSlotKeys (slot: number, maxKeys = Number.POSITIVE_INFINITY): Promise<number> {
    const { source, target } = this.#migration(slot)
    return await migrateKeys(source, target, slot, maxKeys)
  }

  /**
   * `CLUSTER SETSLOT <slot> NODE <target>` on the target, the source and every other live master,
   * then waits until every live node (replicas learn by gossip) sees the target as owner.
   */
  async finishSlotMigration (slot: number): Promise<void> {
    const { source, target } = this.#migration(slot)
    const { entries } = await this.#firstView()
    const others = this.#live().filter(n => n !== source && n !== target && entries.some(e => e.port === n.port && e.role === 'master'))
    await assignSlot(slot, this.nodeId(target.port), target, source, others)
    this.#migrations.delete(slot)
    await waitUntil(`every live node to see slot ${slot} at ${target.address}`, 15_000,
      async () => ownsSlot(await readViews(this.#live()), slot, target.port))
    await this.#rememberSlots()
    this.#log(`slot ${slot}: now owned by ${target.address}`)
  }

  /** beginSlotMigration + migrateSlotKeys (all keys) + finishSlotMigration. */
  async moveSlot (slot: number, toPort: number): Promise<void> {
    await this.beginSlotMigration(slot, toPort)
    await this.migrateSlotKeys(slot)
    await this.finishSlotMigration(slot)
  }

  /** Stops every process this cluster started (SIGTERM, SIGKILL after a grace period) and removes its temp dir; idempotent. */
  async stop (): Promise<void> {
    this.#stopping ??= (async () => {
      await Promise.all(this.#procs.map(async node => {
        try {
          await node.kill('SIGTERM', STOP_GRACE_MS)
        } catch (err) {
          if (!(err instanceof LocalClusterError)) throw err
          this.#log(`${err.message}; sending SIGKILL`)
          await node.kill('SIGKILL')
        }
      }))
      if (this.#ownsDir) await rm(this.dir, { recursive: true, force: true })
      this.#forgetDir()
      this.#log(`stopped ${this.#procs.length} nodes`)
    })()
    await this.#stopping
  }

  #node (port: number): RedisProcess {
    const node = this.#procs.find(p => p.port === port)
    if (node === undefined) throw new LocalClusterError('SLOTGATE_ERR_DEV_BAD_ARGUMENT', `no node on port ${port} in this cluster (ports ${this.#procs.map(p => p.port).join(',')})`)
    return node
  }

  /** Running, unpaused nodes: the ones that can answer. */
  #live (): RedisProcess[] {
    return this.#procs.filter(p => p.running && !p.paused)
  }

  async #firstView (): Promise<NodeView> {
    const errors: string[] = []
    for (const node of this.#live()) {
      try {
        return (await readViews([node]))[0]
      } catch (err) {
        errors.push((err as Error).message)
      }
    }
    throw new LocalClusterError('SLOTGATE_ERR_DEV_NODE_STATE', `no live node answered CLUSTER NODES${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`)
  }

  #migration (slot: number): { source: RedisProcess, target: RedisProcess } {
    const migration = this.#migrations.get(slot)
    if (migration === undefined) throw new LocalClusterError('SLOTGATE_ERR_DEV_BAD_ARGUMENT', `slot ${slot} is not being migrated: call beginSlotMigration(${slot}, toPort) first`)
    return migration
  }

  /**
   * Records which slots each master holds now. A failed master that already lost its slots keeps
   * its record (waitForFailover needs it); a node seen as a replica has none.
   */
  async #rememberSlots (): Promise<void> {
    let entries
    try {
      ({ entries } = await this.#firstView())
    } catch (err) {
      // Nothing answers (say the last nodes are being killed): keep what was known before.
      if (!(err instanceof LocalClusterError)) throw err
      this.#log(`could not refresh the slot map: ${err.message}`)
      return
    }
    for (const entry of entries) {
      if (entry.slots.length > 0) this.#slotsByPort.set(entry.port, entry.slots)
      else if (entry.role === 'replica') this.#slotsByPort.delete(entry.port)
    }
  }
}

function checkSlot (slot: number): void {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) throw new LocalClusterError('SLOTGATE_ERR_DEV_BAD_ARGUMENT', `slot must be an integer in 0..${SLOT_COUNT - 1}, got ${slot}`)
}
