/**
 * Custom convict formats for slotgate's options.
 *
 * Convict's built-in coercions are lenient (`parseInt('80x')` is 80, any boolean string but
 * `false` is true), so every option uses a format from here: the coercion only converts a
 * string that is exactly of the expected shape and otherwise hands the string on unchanged,
 * so that validation rejects it with a message.
 *
 * Formats are registered in convict's module-wide table, hence the `slotgate-` prefix.
 */
import { isIP } from 'node:net'
import convict from 'convict'

/** Format names, as written in the schema's `format` field. */
export const FORMAT = {
  /** Integer within the schema item's `min`/`max`. */
  int: 'slotgate-int',
  /** `true`/`false` (strings `true`, `false`, `1`, `0`, any case). */
  boolean: 'slotgate-boolean',
  /** IP address or DNS name to listen on. */
  host: 'slotgate-host',
  /** Non-empty list of `host:port`; a string is split on commas, spaces around items dropped. */
  nodeList: 'slotgate-node-list',
  /** Integer within `min`/`max`, or the string `auto`. */
  intOrAuto: 'slotgate-int-or-auto',
  /** Any string (secrets, user names). */
  string: 'slotgate-string',
  /** List of command names (`get`, `config|set` or `config set`), lower-cased; a string is split on commas. */
  commandList: 'slotgate-command-list',
  /** One `host:port`, or empty for none. */
  optionalNode: 'slotgate-optional-node',
} as const

/** Bounds a schema item may carry for the integer formats. */
export interface IntBounds {
  min?: number;
  max?: number;
}

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens.
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/
const INTEGER = /^[+-]?\d+$/

/** True when `host` is an IPv4/IPv6 address or a valid DNS name. */
export function isHost (host: string): boolean {
  if (isIP(host) !== 0) return true
  // All-numeric labels ("10.0.0.256") are a mistyped IPv4 address, not a name: no TLD is numeric.
  return HOSTNAME.test(host) && !/^[\d.]+$/.test(host)
}

/**
 * True when `address` is `host:port` with a port in 1..65535. The port follows the last colon,
 * so an IPv6 host may be bare as Redis writes it (`::1:7000`) or bracketed (`[::1]:7000`).
 */
export function isNodeAddress (address: string): boolean {
  const colon = address.lastIndexOf(':')
  if (colon <= 0) return false
  const portText = address.slice(colon + 1)
  if (!/^\d{1,5}$/.test(portText)) return false
  const port = Number(portText)
  if (port < 1 || port > 65535) return false
  const host = address.slice(0, colon)
  if (host.startsWith('[') && host.endsWith(']')) return isIP(host.slice(1, -1)) === 6
  return isHost(host)
}

/** "an integer 0..65535" or "an integer, at least 1": an item's bounds, for messages and help. */
export function describeBounds (bounds: IntBounds): string {
  const min = bounds.min ?? Number.MIN_SAFE_INTEGER
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER
  if (max === Number.MAX_SAFE_INTEGER) return `an integer, at least ${min}`
  return `an integer ${min}..${max}`
}

function boundsOf (schema: convict.SchemaObj): IntBounds {
  const { min, max } = schema
  return { min: typeof min === 'number' ? min : undefined, max: typeof max === 'number' ? max : undefined }
}

function coerceInt (value: unknown): unknown {
  if (typeof value !== 'string') return value
  const text = value.trim()
  return INTEGER.test(text) ? Number(text) : value
}

function isIntWithin (value: unknown, bounds: IntBounds): boolean {
  const min = bounds.min ?? Number.MIN_SAFE_INTEGER
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max
}

convict.addFormats({
  [FORMAT.int]: {
    coerce: coerceInt,
    validate (value: unknown, schema: convict.SchemaObj): void {
      const bounds = boundsOf(schema)
      if (!isIntWithin(value, bounds)) throw new Error(`must be ${describeBounds(bounds)}`)
    },
  },
  [FORMAT.intOrAuto]: {
    coerce (value: unknown): unknown {
      if (typeof value === 'string' && value.trim().toLowerCase() === 'auto') return 'auto'
      return coerceInt(value)
    },
    validate (value: unknown, schema: convict.SchemaObj): void {
      const bounds = boundsOf(schema)
      if (value !== 'auto' && !isIntWithin(value, bounds)) {
        throw new Error(`must be "auto" or ${describeBounds(bounds)}`)
      }
    },
  },
  [FORMAT.boolean]: {
    coerce (value: unknown): unknown {
      if (typeof value !== 'string') return value
      const text = value.trim().toLowerCase()
      if (text === 'true' || text === '1') return true
      if (text === 'false' || text === '0') return false
      return value
    },
    validate (value: unknown): void {
      if (typeof value !== 'boolean') throw new Error('must be true or false')
    },
  },
  [FORMAT.host]: {
    validate (value: unknown): void {
      if (typeof value !== 'string' || !isHost(value)) {
        throw new Error('must be an IP address or a host name')
      }
    },
  },
  [FORMAT.commandList]: {
    coerce (value: unknown): unknown {
      if (typeof value !== 'string') return value
      const text = value.trim()
      return text === '' ? [] : text.split(',').map((item) => item.trim())
    },
    validate (value: unknown): void {
      if (!Array.isArray(value)) throw new Error('must be a comma-separated list of command names')
      const bad = value.filter((item) => typeof item !== 'string' || !/^[a-z0-9_-]+([| ][a-z0-9_-]+)?$/i.test(item))
      if (bad.length > 0) throw new Error(`must be command names like "debug" or "config|set"; bad: ${JSON.stringify(bad)}`)
    },
  },
  [FORMAT.optionalNode]: {
    coerce (value: unknown): unknown {
      return typeof value === 'string' ? value.trim() : value
    },
    validate (value: unknown): void {
      if (typeof value !== 'string' || (value !== '' && !isNodeAddress(value))) {
        throw new Error('must be host:port (port 1..65535), or empty')
      }
    },
  },
  [FORMAT.nodeList]: {
    coerce (value: unknown): unknown {
      // Env vars and flags are one string: "a:1, b:2" — spaces after commas are common.
      if (typeof value !== 'string') return value
      const text = value.trim()
      return text === '' ? [] : text.split(',').map((item) => item.trim())
    },
    validate (value: unknown): void {
      if (!Array.isArray(value) || value.length === 0) {
        throw new Error('must be a non-empty comma-separated list of host:port')
      }
      const bad = value.filter((item) => typeof item !== 'string' || !isNodeAddress(item))
      if (bad.length > 0) {
        throw new Error(`must be host:port items (port 1..65535); bad: ${JSON.stringify(bad)}`)
      }
    },
  },
  [FORMAT.string]: {
    validate (value: unknown): void {
      if (typeof value !== 'string') throw new Error('must be a string')
    },
  },
})
