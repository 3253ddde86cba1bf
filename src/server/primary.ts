import cluster from 'node:cluster'
import type { Logger } from 'pino'
import { AggregatorRegistry } from 'prom-client'
import type { SlotgateConfig } from '../config/schema.js'
import { SLOTGATE_VERSION } from '../version.js'
import { EventLog } from './event-log.js'
import { HttpServer } from './http-server.js'
import { onStopSignals } from './stop-signals.js'
import { WorkerSupervisor } from './worker-supervisor.js'

/**
 * Runs the primary of `--workers N`: forks the workers, serves the HTTP endpoints for all of
 * them (/metrics summed over workers, /readyz ready when every worker is), and on
 * SIGTERM/SIGINT drains the workers and exits 0; a second signal kills them and exits 1.
 */
export async function runPrimary (config: SlotgateConfig, logger: Logger, workers: number): Promise<void> {
  // Logged here once rather than by each worker (see event-wiring.ts).
  new EventLog(logger).configEffective(config, SLOTGATE_VERSION)
  const supervisor = new WorkerSupervisor(workers, logger)
  let http: HttpServer | null = null
  if (config.metricsEnabled) {
    const aggregator = new AggregatorRegistry()
    http = new HttpServer({ port: config.metricsPort, bind: config.metricsBind }, {
      metrics: async () => ({ contentType: aggregator.contentType, body: await aggregator.clusterMetrics() }),
      notReadyReason: async () => await supervisor.notReadyReason()
    })
    const port = await http.listen()
    logger.info({ port, bind: config.metricsBind }, 'HTTP endpoints listening (/metrics, /healthz, /readyz)')
  }
  supervisor.start()
  // Each worker reloads its own files: pass SIGHUP on.
  process.on('SIGHUP', () => { for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGHUP') })
  logger.info({ workers, port: config.port }, 'slotgate primary started its workers')
  onStopSignals({
    drain (signal) {
      logger.info({ signal, graceMs: config.drainGraceMs }, 'draining workers')
      void supervisor.drain(config.drainGraceMs).then(async () => {
        await http?.close()
        logger.info('every worker has exited')
        process.exit(0)
      })
    },
    now (signal) {
      logger.warn({ signal }, 'second signal: killing workers and exiting now')
      supervisor.kill()
      process.exit(1)
    }
  })
}
