/**
 * The pino logger: JSON lines on stdout, secrets redacted.
 */
import { pino, type DestinationStream, type Logger } from 'pino'
import { SENSITIVE_KEYS, type LogFormat } from './config/schema.js'

/** What {@link createLogger} reads from the config. */
export interface LoggerConfig {
  logLevel: string;
  logFormat?: LogFormat;
}

/**
 * Paths pino censors: the config's secrets at the top of a log object or one level down
 * (`log.info({ config }, ...)`), and `password` the same way, as ioredis options call it.
 */
export const REDACT_PATHS: readonly string[] = [...SENSITIVE_KEYS, 'password'].flatMap((key) => [key, `*.${key}`])

/**
 * Creates the process logger. `destination` defaults to stdout, written synchronously: slotgate
 * logs events, not requests, and a synchronous write is not lost when the process exits right after.
 */
export function createLogger (config: LoggerConfig, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { name: 'slotgate', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names ("warn") rather than numbers (40), so log queries need no lookup table.
      formatters: { level: (label) => ({ level: label }) },
      redact: [...REDACT_PATHS],
    },
    destination ?? pino.destination({ fd: 1, sync: true })
  )
}

/** A logger that writes nothing, for tests and for modules used without one. */
export const silentLogger: Logger = createLogger({ logLevel: 'silent' }, { write: () => undefined })
