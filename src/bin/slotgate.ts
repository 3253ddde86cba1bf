#!/usr/bin/env node
import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'
import { ConfigError, loadConfig } from '../config/load-config.js'
import { formatHelp } from '../config/format-help.js'
import { createLogger } from '../log.js'
import { startSlotgate } from '../main.js'
import { drainAndExit } from '../server/drain.js'
import { runPrimary } from '../server/primary.js'
import { ignoreStopSignals, onStopSignals } from '../server/stop-signals.js'
import { serveWorkerChannel } from '../server/worker-channel.js'
import { SLOTGATE_VERSION } from '../version.js'

/** The `slotgate` command: config from flags, env and file; exit 2 on a bad config. */
async function run (): Promise<void> {
  let loaded
  try {
    loaded = loadConfig(process.argv.slice(2), process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`slotgate: invalid configuration:\n${err.problems.map(p => `  - ${p}`).join('\n')}\n`)
      process.exit(2)
    }
    throw err
  }
  if (loaded.help) { process.stdout.write(formatHelp()); return }
  if (loaded.version) { process.stdout.write(`${SLOTGATE_VERSION}\n`); return }
  const { config } = loaded
  const logger = createLogger(config)
  if (loaded.ignoredEnv.length > 0) logger.info({ variables: loaded.ignoredEnv }, 'ignored Kubernetes service-link variables')
  const workers = config.workers === 'auto' ? availableParallelism() : config.workers
  if (workers > 1 && cluster.isPrimary) {
    await runPrimary(config, logger, workers)
    return
  }
  const slotgate = await startSlotgate(config, logger)
  // SIGHUP: re-read certificates and users now (they are also polled, fileReloadIntervalMs).
  process.on('SIGHUP', () => { slotgate.reload() })
  const drain = (why: string): void => { drainAndExit(slotgate, config.drainGraceMs, logger, why) }
  if (cluster.isWorker) {
    ignoreStopSignals()
    serveWorkerChannel({ notReadyReason: () => slotgate.notReadyReason(), drain: () => { drain('asked by the primary') } })
  } else {
    onStopSignals({
      drain (signal) { drain(signal) },
      now (signal) { logger.warn({ signal }, 'second signal: exiting now'); process.exit(1) }
    })
  }
}

run().catch((err: Error) => {
  process.stderr.write(`slotgate: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
