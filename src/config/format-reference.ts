/**
 * docs/configuration.md, generated from the schema like `--help` (scripts/gen-config-reference.mjs
 * writes it; a test fails when the file in the repository differs from this output).
 */
import { CONFIG_FILE_ENV } from './load-config.js'
import { describeBounds, FORMAT } from './formats.js'
import { metavar } from './format-help.js'
import { CONFIG_KEYS, CONFIG_SCHEMA, type ConfigKey, type OptionSchema } from './schema.js'

/** What values an option takes, in words. */
function accepts (item: OptionSchema<unknown>): string {
  if (Array.isArray(item.format)) return `one of ${item.format.map(v => `\`${String(v)}\``).join(', ')}`
  switch (item.format) {
    case FORMAT.int: return describeBounds(item)
    case FORMAT.intOrAuto: return `\`auto\` or ${describeBounds(item)}`
    case FORMAT.boolean: return '`true` or `false` (also `1`, `0`)'
    case FORMAT.host: return 'an IP address or a host name'
    case FORMAT.nodeList: return 'a non-empty list of `host:port` (comma-separated in flags and env vars, a JSON array in the file)'
    case FORMAT.commandList: return 'a list of command names, `name` or `container|sub` (comma-separated in flags and env vars, a JSON array in the file)'
    default: return 'a string'
  }
}

/** A default as an operator would type it in an env var. */
function defaultText (item: OptionSchema<unknown>): string {
  const value = item.default
  if (value === '') return '(empty)'
  if (Array.isArray(value) && value.length === 0) return 'none: required'
  return `\`${Array.isArray(value) ? value.join(',') : String(value)}\``
}

/** Escapes `|` inside a table cell. */
const cell = (text: string): string => text.replace(/\|/g, '\\|')

function section (key: ConfigKey): string[] {
  const item = CONFIG_SCHEMA[key] as OptionSchema<unknown>
  return [
    `### \`${key}\``,
    '',
    item.doc,
    '',
    `- Flag: \`--${item.arg} ${metavar(item)}\`${item.format === FORMAT.boolean ? ` (or \`--${item.arg}\` / \`--no-${item.arg}\`)` : ''}`,
    `- Environment: \`${item.env}\``,
    `- File key: \`${key}\``,
    `- Default: ${defaultText(item)}`,
    `- Accepts: ${accepts(item)}`,
    ...(item.sensitive === true ? ['- Secret: never logged nor printed; give it by env var or file rather than by flag (flags show in the process list)'] : []),
    ''
  ]
}

/** The whole reference, Markdown, ending with a newline. */
export function formatReference (): string {
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs:config`. Do not edit by hand:',
    '     test/unit/config-reference.test.ts fails when this file is stale. -->',
    '',
    'Every option can be set three ways; the first one found wins:',
    '',
    '1. a command-line flag, `--flag value` or `--flag=value` (booleans also `--flag` and `--no-flag`);',
    '2. an environment variable `SLOTGATE_*` (what the container image and the Helm chart use);',
    `3. a key of the JSON file named by \`--config FILE\` (or \`${CONFIG_FILE_ENV}\`), \`config/default.json\` showing them all;`,
    '',
    'then the default. Durations are in milliseconds, sizes in bytes. `seeds` has no default and must be given.',
    'An invalid value, an unknown flag, an unknown file key or an unknown `SLOTGATE_*` environment variable stops',
    'slotgate with exit status 2 and a message naming every problem (with the name it most likely meant); the',
    'service-link variables Kubernetes injects for a Service named `slotgate...` (`SLOTGATE_SERVICE_HOST`,',
    '`SLOTGATE_PORT=tcp://...`, `SLOTGATE_PORT_6379_TCP_ADDR`, ...) are recognised and ignored. Secrets can be',
    'read from files (`requirepassPath`, `clusterPasswordPath`, `clusterUsernamePath`). `slotgate --help` prints',
    'the same list.',
    '',
    '| Option (file key) | Flag | Environment variable | Default |',
    '| --- | --- | --- | --- |',
    ...CONFIG_KEYS.map(key => {
      const item = CONFIG_SCHEMA[key] as OptionSchema<unknown>
      // A long default (a list) would stretch the table: its section shows it.
      const shown = defaultText(item).length > 60 ? `see [below](#${key.toLowerCase()})` : cell(defaultText(item))
      return `| [\`${key}\`](#${key.toLowerCase()}) | \`--${item.arg}\` | \`${item.env}\` | ${shown} |`
    }),
    '',
    '## Options',
    '',
    ...CONFIG_KEYS.flatMap(section)
  ]
  return `${lines.join('\n').trimEnd()}\n`
}
