#!/usr/bin/env node
import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'
import type { Logger } from 'pino'
import { ConfigError, loadConfig } from '../config/load-config.js'
import { formatHelp } from '../config/format-help.js'
import { createLogger } from '../log.js'
import { startSlotgate } from '../main.js'
import { drainAndExit } from '../server/drain.js'
import { runPrimary } from '../server/primary.js'
import { ignoreStopSignals, onStopSignals } from '../server/stop-signals.js'
import { serveWorkerChannel } from '../server/worker-channel.js'
import { SLOTGATE_VERSION } from '../version.js'

/** The process logger, once the config says its level; until then, one at `info`. */
let logger: Logger | null = null

/**
 * A fatal error before or during start, as a JSON line like every other log line (log
 * collectors parse them all), then the exit: 2 for a bad configuration, 1 otherwise.
 */
function fatal (fields: Record<string, unknown>, msg: string, code: number): never {
  (logger ?? createLogger({ logLevel: 'info' })).fatal(fields, msg)
  process.exit(code)
}

/** The `slotgate` command: config from flags, env and file; exit 2 on a bad config. */
async function run (): Promise<void> {
  let loaded
  try {
    loaded = loadConfig(process.argv.slice(2), process.env)
  } catch (err) {
    if (err instanceof ConfigError) fatal({ event: 'config_invalid', problems: err.problems }, `invalid configuration: ${err.problems.join('; ')}`, 2)
    throw err
  }
  if (loaded.help) { process.stdout.write(formatHelp()); return }
  if (loaded.version) { process.stdout.write(`${SLOTGATE_VERSION}\n`); return }
  const { config } = loaded
  logger = createLogger(config)
  if (loaded.ignoredEnv.length > 0) logger.info({ variables: loaded.ignoredEnv }, 'ignored Kubernetes service-link variables')
  const workers = config.workers === 'auto' ? availableParallelism() : config.workers
  if (workers > 1 && cluster.isPrimary) {
    await runPrimary(config, logger, workers)
    return
  }
  const slotgate = await startSlotgate(config, logger)
  const log = logger
  // SIGHUP: re-read certificates and users now (they are also polled, fileReloadIntervalMs).
  process.on('SIGHUP', () => { slotgate.reload() })
  const drain = (why: string): void => { drainAndExit(slotgate, config.drainGraceMs, log, why) }
  if (cluster.isWorker) {
    ignoreStopSignals()
    serveWorkerChannel({ notReadyReason: () => slotgate.notReadyReason(), drain: () => { drain('asked by the primary') } })
  } else {
    onStopSignals({
      drain (signal) { drain(signal) },
      now (signal) { log.warn({ signal }, 'second signal: exiting now'); process.exit(1) }
    })
  }
}

run().catch((err: Error) => {
  fatal({ event: 'start_failed', err: `${err.name}: ${err.message}`, code: (err as NodeJS.ErrnoException).code, stack: err.stack }, `slotgate could not start: ${err.message}`, 1)
})
