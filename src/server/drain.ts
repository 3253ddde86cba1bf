import type { Logger } from 'pino'

/** A client connection that can be drained. */
export interface DrainableSession {
  /** Takes no new commands; ends the connection once the replies already queued are written. */
  drain (): void
}

/** The RESP listener, as draining sees it. */
export interface DrainableServer {
  readonly clientCount: number
  /** Stops accepting; resolves once every connection has ended. */
  stopAccepting (): Promise<void>
  sessions (): Iterable<DrainableSession>
  closeAll (): void
}

/** How a drain ended. */
export interface DrainOutcome {
  /** Clients still connected when the grace period ran out (closed then, replies pending). */
  cut: number
  /** How long it took. */
  ms: number
}

const POLL_MS = 10

/**
 * Graceful drain: stop accepting, let every connection finish the commands it already sent
 * (each session ends itself after its last queued reply), and close whatever is left when
 * `graceMs` runs out. New commands on a draining connection are not taken, so a client that
 * pipelines without pause cannot hold the drain open.
 */
export async function drainClients (server: DrainableServer, graceMs: number): Promise<DrainOutcome> {
  const began = performance.now()
  // Not awaited here: net.Server.close() resolves only once the last connection has ended.
  const listenerClosed = server.stopAccepting()
  for (const session of [...server.sessions()]) session.drain()
  const deadline = began + graceMs
  while (server.clientCount > 0 && performance.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, POLL_MS))
  }
  const cut = server.clientCount
  if (cut > 0) server.closeAll()
  await listenerClosed
  return { cut, ms: Math.round(performance.now() - began) }
}

/** Something that drains and then closes: a running slotgate. */
export interface DrainTarget {
  drain (graceMs: number): Promise<DrainOutcome>
  close (): Promise<void>
}

let exiting = false

/**
 * Drains `target`, closes it and exits 0 (also when the grace period cut clients: the
 * shutdown itself went as asked). Later calls are ignored: one drain per process.
 */
export function drainAndExit (target: DrainTarget, graceMs: number, logger: Logger, why: string): void {
  if (exiting) return
  exiting = true
  logger.info({ why, graceMs }, 'draining: no new clients, finishing commands in flight')
  target.drain(graceMs)
    .then(async outcome => {
      if (outcome.cut > 0) logger.warn({ ...outcome }, 'grace period over: closed clients with commands still in flight')
      else logger.info({ ...outcome }, 'drained: every command answered')
      await target.close()
      process.exit(0)
    })
    .catch((err: Error) => {
      logger.error({ err: err.message }, 'error while draining')
      process.exit(1)
    })
}
