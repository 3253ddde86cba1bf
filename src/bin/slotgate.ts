#!/usr/bin/env node
import { ConfigError, loadConfig } from '../config/load-config.js'
import { formatHelp } from '../config/format-help.js'
import { createLogger } from '../log.js'
import { startSlotgate } from '../main.js'
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
  const logger = createLogger(loaded.config)
  const slotgate = await startSlotgate(loaded.config, logger)
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) { logger.warn({ signal }, 'second signal: exiting now'); process.exit(1) }
    stopping = true
    logger.info({ signal }, 'stopping')
    slotgate.close().then(() => { process.exit(0) }, (err: Error) => {
      logger.error({ err: err.message }, 'error while stopping')
      process.exit(1)
    })
  }
  process.on('SIGTERM', () => { stop('SIGTERM') })
  process.on('SIGINT', () => { stop('SIGINT') })
}

run().catch((err: Error) => {
  process.stderr.write(`slotgate: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
