import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { freePorts } from './free-ports.js'
import { RedisProcess } from './redis-process.js'

const START_ATTEMPTS = 5

/** Where and how to start a set of cluster nodes. */
export interface StartNodesOptions {
  readonly count: number
  readonly serverPath: string
  readonly host: string
  /** Parent dir; each node gets `<dir>/<port>/`. */
  readonly dir: string
  readonly config: readonly string[]
  readonly log: (msg: string) => void
}

/**
 * Starts `count` redis-server processes on free port pairs in parallel and resolves with them in
 * start order once all answer PING. A node whose port was taken by someone else between the
 * bind check and redis' own bind is retried on a new port. When any node can't start, the
 * others are killed before the error is rethrown, so a failed start leaves no process behind.
 */
export async function startNodes (options: StartNodesOptions): Promise<RedisProcess[]> {
  const { count, serverPath, host, dir, config, log } = options
  const ports = await freePorts(count, host)
  const inUse = new Set(ports)
  const started: RedisProcess[] = []
  const results = await Promise.allSettled(ports.map(async (firstPort, i) => {
    let port = firstPort
    for (let attempt = 1; ; attempt++) {
      const node = await RedisProcess.create({ serverPath, host, port, dir: join(dir, String(port)), config })
      try {
        await node.start()
        started[i] = node
        return
      } catch (err) {
        if (!node.addressInUse() || attempt >= START_ATTEMPTS) throw err
        await rm(node.dir, { recursive: true, force: true })
        port = (await freePorts(1, host, inUse))[0]
        inUse.add(port)
        log(`port ${node.port} was taken meanwhile, retrying node ${i} on ${port}`)
      }
    }
  }))
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed !== undefined) {
    await Promise.all(started.map(async node => await node.kill('SIGKILL')))
    throw failed.reason
  }
  return started
}
