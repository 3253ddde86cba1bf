/**
 * `slotgate --help`, generated from the schema so that it can never miss an option.
 */
import { CONFIG_FILE_ENV } from './load-config.js'
import { describeBounds, FORMAT } from './formats.js'
import { CONFIG_KEYS, CONFIG_SCHEMA, type ConfigKey, type OptionSchema } from './schema.js'

const WIDTH = 80
const INDENT = '      '

/** Words of `text` laid out in lines no wider than WIDTH, each starting with `indent`. */
function wrap (text: string, indent: string): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line)
      line = word
    } else {
      line = line === '' ? word : `${line} ${word}`
    }
  }
  if (line !== '') lines.push(indent + line)
  return lines
}

/** The placeholder after the flag, e.g. `N`, `HOST`, `master|replica`. */
export function metavar (item: OptionSchema<unknown>): string {
  if (Array.isArray(item.format)) return item.format.join('|')
  switch (item.format) {
    case FORMAT.int: return 'N'
    case FORMAT.intOrAuto: return 'N|auto'
    case FORMAT.boolean: return 'true|false'
    case FORMAT.host: return 'HOST'
    case FORMAT.nodeList: return 'HOST:PORT,...'
    default: return 'STRING'
  }
}

function showDefault (item: OptionSchema<unknown>): string {
  const value = item.default
  if (item.sensitive === true && value !== '') return '(hidden)'
  if (value === '') return '(empty)'
  if (Array.isArray(value) && value.length === 0) return '(none: required)'
  // A space after each comma lets a long list wrap at 80 columns.
  return Array.isArray(value) ? value.join(', ') : String(value)
}

/** One option's entry: flag line, then where else to set it and its default, then the doc. */
function formatOption (key: ConfigKey): string[] {
  const item = CONFIG_SCHEMA[key] as OptionSchema<unknown>
  const facts = [`env ${item.env}`, `file key ${key}`, `default ${showDefault(item)}`]
  if (item.format === FORMAT.int || item.format === FORMAT.intOrAuto) facts.push(describeBounds(item))
  if (item.format === FORMAT.boolean) facts.push(`--no-${item.arg} for false`)
  return [`  --${item.arg} ${metavar(item)}`, ...wrap(facts.join('; '), INDENT), ...wrap(item.doc, INDENT), '']
}

/**
 * The full help text: usage line, how the sources combine, the meta flags, then every
 * option with its CLI flag, env var, default and doc. Ends with a newline.
 */
export function formatHelp (): string {
  const lines = [
    'Usage: slotgate [options]',
    '',
    ...wrap('Redis Cluster sidecar proxy: one Redis address in front of a Redis Cluster, for clients that do not speak the cluster protocol.', ''),
    '',
    ...wrap('Each option is read from, highest precedence first: its flag (--flag value or --flag=value), its SLOTGATE_* env var, the JSON file given by --config (keys as listed below), the default. Durations are in milliseconds, sizes in bytes.', ''),
    '',
    'General:',
    '  --config FILE',
    ...wrap(`env ${CONFIG_FILE_ENV}. JSON file with an object of options; unknown keys are errors.`, INDENT),
    '  -h, --help',
    ...wrap('Print this help and exit.', INDENT),
    '  --version',
    ...wrap('Print the version and exit.', INDENT),
    '',
    'Options:',
  ]
  for (const key of CONFIG_KEYS) lines.push(...formatOption(key))
  return `${lines.join('\n').trimEnd()}\n`
}
