// Scaling a LocalCluster out and in, and resharding, the way an operator does it: extra
// redis-server processes started like the harness starts its own (RedisProcess: own dir,
// pdeathsig, killed on exit), joined with CLUSTER MEET, slots moved with
// `redis-cli --cluster reshard`, and nodes removed with `redis-cli --cluster del-node`.
// Everything started here is tracked by PID and stopped by stop().
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureRedisServer } from '../harness/ensure-redis-server.js'
import { freePorts } from '../harness/free-ports.js'
import { removeOnExit } from '../harness/kill-on-exit.js'
import { nodeCommand } from '../harness/node-command.js'
import { nodeConfig } from '../harness/node-config.js'
import { RedisProcess } from '../harness/redis-process.js'
import { waitUntil } from '../harness/wait-until.js'

export const HOST = '127.0.0.1'

/** Runs `redis-cli` with `args`; resolves with its stdout, rejects with stdout+stderr on failure. */
export async function redisCli (args: readonly string[], timeoutMs = 60_000): Promise<string> {
  return await new Promise((resolve, reject) => {
    execFile('redis-cli', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      // redis-cli --cluster exits 0 even after some "[ERR]" lines; those are failures too.
      if (err !== null || /\[ERR\]/.test(stdout)) reject(new Error(`redis-cli ${args.join(' ')} failed: ${err?.message ?? ''}\n${stdout.slice(-3000)}\n${stderr.slice(-2000)}`))
      else resolve(stdout)
    })
  })
}

/** The node id of the node at `port`. */
export async function nodeIdOf (port: number): Promise<string> {
  return String(await nodeCommand(HOST, port, 'CLUSTER', 'MYID'))
}

/**
 * Moves `slots` slots from the master at `fromPort` to the master at `toPort` with
 * `redis-cli --cluster reshard ... --cluster-yes` (the lowest-numbered slots of the source go
 * first). Resolves when redis-cli is done.
 */
export async function reshard (fromPort: number, toPort: number, slots: number): Promise<string> {
  const [from, to] = await Promise.all([nodeIdOf(fromPort), nodeIdOf(toPort)])
  return await redisCli(['--cluster', 'reshard', `${HOST}:${fromPort}`, '--cluster-from', from, '--cluster-to', to,
    '--cluster-slots', String(slots), '--cluster-yes'])
}

/** Slot ranges a node owns, per its own CLUSTER NODES line. */
export async function ownSlots (port: number): Promise<Array<[number, number]>> {
  const text = String(await nodeCommand(HOST, port, 'CLUSTER', 'NODES'))
  const me = text.split('\n').find(l => l.split(' ')[2]?.split(',').includes('myself'))
  if (me === undefined) return []
  return me.trim().split(' ').slice(8).filter(f => !f.startsWith('[')).map(f => {
    const [a, b] = f.split('-').map(Number)
    return [a, b ?? a] as [number, number]
  })
}

/** Extra nodes for one LocalCluster: start, join, remove; stop() ends every process it started. */
export class ExtraNodes {
  readonly #nodes: RedisProcess[] = []
  #dir: string | undefined
  #forgetDir: () => void = () => undefined

  constructor (private readonly nodeTimeoutMs: number, private readonly extraConfig: string[] = []) {}

  /** Starts one empty cluster-enabled redis-server on a free port (not part of any cluster yet). */
  async start (avoidPorts: readonly number[]): Promise<RedisProcess> {
    if (this.#dir === undefined) {
      this.#dir = await mkdtemp(join(tmpdir(), 'slotgate-extra-'))
      // Removed even when the test process ends without reaching stop().
      this.#forgetDir = removeOnExit(this.#dir)
    }
    const [port] = await freePorts(1, HOST, [...avoidPorts, ...this.#nodes.map(n => n.port)])
    const node = await RedisProcess.create({
      serverPath: ensureRedisServer(),
      host: HOST,
      port,
      dir: join(this.#dir, String(port)),
      config: nodeConfig(this.nodeTimeoutMs, this.extraConfig)
    })
    this.#nodes.push(node)
    await node.start()
    return node
  }

  /**
   * CLUSTER MEET from `viaPort`, then waits until every node in `memberPorts` knows the new node
   * and it knows them all (so redis-cli, which checks agreement first, accepts the cluster).
   */
  async join (node: RedisProcess, viaPort: number, memberPorts: readonly number[]): Promise<void> {
    await nodeCommand(HOST, viaPort, 'CLUSTER', 'MEET', HOST, node.port)
    const id = await nodeIdOf(node.port)
    const all = [...memberPorts, node.port]
    await waitUntil(`${node.address} to be known by all ${all.length} nodes`, 20_000, async () => {
      const views = await Promise.all(all.map(async p => String(await nodeCommand(HOST, p, 'CLUSTER', 'NODES'))))
      const bad = all.filter((_p, i) => {
        const lines = views[i].split('\n').filter(l => l.trim() !== '')
        return lines.length !== all.length || !views[i].includes(id) || lines.some(l => /handshake|noaddr|fail/.test(l.split(' ')[2] ?? ''))
      })
      return bad.length === 0 ? { done: true, value: undefined } : { done: false, seen: `not yet agreed: ${bad.join(',')}` }
    }, 100)
    // A node that just started keeps cluster_state:fail for a while (Redis' writable delay
    // after start), and as a MIGRATE target it answers CLUSTERDOWN until then.
    await waitUntil(`${node.address} to report cluster_state:ok`, 20_000, async () => {
      const info = String(await nodeCommand(HOST, node.port, 'CLUSTER', 'INFO'))
      return /cluster_state:ok/.test(info) ? { done: true, value: undefined } : { done: false, seen: info.split('\n')[0] }
    }, 100)
  }

  /**
   * `redis-cli --cluster del-node`: every other node forgets it, and redis-cli 7.0 resets it
   * (CLUSTER RESET SOFT; it no longer shuts it down). The node must own no slots; it keeps
   * running, alone, until stopNode().
   */
  async remove (node: RedisProcess, viaPort: number): Promise<string> {
    return await redisCli(['--cluster', 'del-node', `${HOST}:${viaPort}`, await nodeIdOf(node.port)])
  }

  /** Stops one node started here (SIGTERM to its PID) and waits for it to exit. */
  async stopNode (node: RedisProcess): Promise<void> {
    await node.kill('SIGTERM')
  }

  /** Stops every process started here (SIGKILL, by its PID through its child handle) and removes their dirs. */
  async stop (): Promise<void> {
    await Promise.all(this.#nodes.map(async n => { await n.kill('SIGKILL') }))
    if (this.#dir !== undefined) await rm(this.#dir, { recursive: true, force: true })
    this.#forgetDir()
  }
}
