import cluster from 'node:cluster'

/** IPC message types between the primary and its workers (`--workers N`). */
export const WORKER_MESSAGE = {
  /** Primary → worker: answer with your readiness (`id` echoes back). */
  readinessQuery: 'slotgate:readiness-query',
  /** Worker → primary: `{ id, reason }`, reason null when ready. */
  readinessReply: 'slotgate:readiness-reply',
  /** Primary → worker: drain and exit. */
  drain: 'slotgate:drain'
} as const

/** A message on the worker channel. */
export interface WorkerMessage {
  type: string
  id?: number
  reason?: string | null
}

/** True for messages of this channel (prom-client shares the IPC channel for its metrics). */
export function isWorkerMessage (message: unknown): message is WorkerMessage {
  return typeof message === 'object' && message !== null &&
    typeof (message as { type?: unknown }).type === 'string' && (message as { type: string }).type.startsWith('slotgate:')
}

/**
 * The worker side: answers the primary's readiness queries, and drains when the primary
 * says so or disappears (its IPC channel closing means nobody will ever say so).
 */
export function serveWorkerChannel (handlers: { notReadyReason: () => string | null, drain: () => void }): void {
  if (!cluster.isWorker) return
  process.on('message', (message: unknown) => {
    if (!isWorkerMessage(message)) return
    if (message.type === WORKER_MESSAGE.readinessQuery) {
      process.send?.({ type: WORKER_MESSAGE.readinessReply, id: message.id, reason: handlers.notReadyReason() })
    } else if (message.type === WORKER_MESSAGE.drain) {
      handlers.drain()
    }
  })
  process.on('disconnect', () => { handlers.drain() })
}
