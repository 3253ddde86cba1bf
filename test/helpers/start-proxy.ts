import { startSlotgate, type Slotgate } from '../../src/main.js'
import { schemaDefaults, type SlotgateConfig } from '../../src/config/schema.js'
import { silentLogger, createLogger } from '../../src/log.js'

/**
 * Starts slotgate in-process on a free port in front of `seeds`, with test-friendly
 * settings, and waits until it has loaded the topology. Set SLOTGATE_TEST_LOG=debug to see
 * its logs.
 */
export async function startProxy (seeds: string[], overrides: Partial<SlotgateConfig> = {}): Promise<Slotgate> {
  const config: SlotgateConfig = {
    ...schemaDefaults(),
    seeds,
    port: 0,
    bind: '127.0.0.1',
    metricsEnabled: false,
    ...overrides
  }
  const level = process.env.SLOTGATE_TEST_LOG
  const logger = level ? createLogger({ logLevel: level }, process.stderr as unknown as { write: (s: string) => void }) : silentLogger
  const proxy = await startSlotgate(config, logger)
  await proxy.ready
  return proxy
}
