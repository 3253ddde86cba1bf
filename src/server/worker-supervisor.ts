import cluster, { type Worker } from 'node:cluster'
import type { Logger } from 'pino'
import { isWorkerMessage, WORKER_MESSAGE } from './worker-channel.js'

const READINESS_TIMEOUT_MS = 1000
const RESPAWN_MIN_MS = 500
const RESPAWN_MAX_MS = 30_000
/** A worker that lived this long resets the respawn backoff. */
const STABLE_MS = 30_000

/**
 * The primary process of `--workers N`: forks N workers that share the RESP port through
 * node:cluster (each with its own links to the cluster), replaces a worker that dies (with
 * a backoff, so a crash loop does not spin), asks them about readiness, and drains them.
 * The primary serves no clients itself.
 */
export class WorkerSupervisor {
  private draining = false
  private respawnDelay = RESPAWN_MIN_MS
  private nextQuery = 1
  private readonly startedAt = new Map<Worker, number>()

  constructor (private readonly count: number, private readonly logger: Logger) {}

  /** Forks the workers. */
  start (): void {
    cluster.on('exit', (worker, code, signal) => { this.onExit(worker, code, signal) })
    for (let i = 0; i < this.count; i++) this.fork()
  }

  /** Workers alive now. */
  workers (): Worker[] {
    return Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead())
  }

  /** Null when every worker is ready, else the first reason found. */
  async notReadyReason (): Promise<string | null> {
    if (this.draining) return 'draining: slotgate is shutting down'
    const workers = this.workers()
    if (workers.length < this.count) return `${workers.length} of ${this.count} workers running`
    const reasons = await Promise.all(workers.map(async w => await this.askReadiness(w)))
    const i = reasons.findIndex(r => r !== null)
    return i < 0 ? null : `worker ${workers[i].process.pid ?? '?'}: ${reasons[i] as string}`
  }

  /** Tells every worker to drain and resolves once all have exited (killing them after `graceMs` + 2 s). */
  async drain (graceMs: number): Promise<void> {
    this.draining = true
    const workers = this.workers()
    const exited = Promise.all(workers.map(async w => await new Promise<void>(resolve => {
      if (w.isDead()) { resolve(); return }
      w.once('exit', () => { resolve() })
    })))
    for (const w of workers) if (w.isConnected()) w.send({ type: WORKER_MESSAGE.drain })
    const killer = setTimeout(() => { this.kill() }, graceMs + 2000)
    await exited
    clearTimeout(killer)
  }

  /** Kills every worker at once. */
  kill (): void {
    this.draining = true
    for (const w of this.workers()) w.process.kill('SIGKILL')
  }

  private fork (): void {
    const worker = cluster.fork()
    this.startedAt.set(worker, Date.now())
  }

  private onExit (worker: Worker, code: number | null, signal: string | null): void {
    const lived = Date.now() - (this.startedAt.get(worker) ?? 0)
    this.startedAt.delete(worker)
    if (this.draining) return
    if (lived >= STABLE_MS) this.respawnDelay = RESPAWN_MIN_MS
    this.logger.error({ workerPid: worker.process.pid, code, signal, respawnInMs: this.respawnDelay }, 'worker died; starting another')
    setTimeout(() => { if (!this.draining) this.fork() }, this.respawnDelay)
    this.respawnDelay = Math.min(RESPAWN_MAX_MS, this.respawnDelay * 2)
  }

  private async askReadiness (worker: Worker): Promise<string | null> {
    if (!worker.isConnected()) return 'not connected to the primary'
    const id = this.nextQuery++
    return await new Promise<string | null>(resolve => {
      const timer = setTimeout(() => { done(`no answer within ${READINESS_TIMEOUT_MS} ms`) }, READINESS_TIMEOUT_MS)
      const onMessage = (message: unknown): void => {
        if (isWorkerMessage(message) && message.type === WORKER_MESSAGE.readinessReply && message.id === id) done(message.reason ?? null)
      }
      const done = (reason: string | null): void => {
        clearTimeout(timer)
        worker.off('message', onMessage)
        resolve(reason)
      }
      worker.on('message', onMessage)
      worker.send({ type: WORKER_MESSAGE.readinessQuery, id })
    })
  }
}
