/**
 * Command-line parsing for slotgate: `--flag value`, `--flag=value`, bare boolean flags and
 * `--no-flag`, plus the meta flags `--config`, `--help`/`-h` and `--version`.
 *
 * Done here rather than through convict's `args` option because convict silently ignores
 * flags it does not know, and a mistyped flag must stop the start instead.
 */
import { CONFIG_KEYS, CONFIG_SCHEMA, type ConfigKey } from './schema.js'
import { FORMAT } from './formats.js'
import { closest } from './suggest.js'

/** What the command line said. Values are raw strings; convict coerces and validates them. */
export interface ParsedArgs {
  /** Option values by config key; a repeated flag keeps its last value. */
  values: Partial<Record<ConfigKey, string>>;
  /** The `--config FILE` value, if given. */
  configFile: string | undefined;
  help: boolean;
  version: boolean;
  /** One message per unusable argument: unknown flag, missing value, stray argument. */
  problems: string[];
}

const KEY_BY_FLAG: ReadonlyMap<string, ConfigKey> = new Map(CONFIG_KEYS.map((key) => [CONFIG_SCHEMA[key].arg, key]))

/** The config key a misspelt name most likely meant ("log_level", "read-policey" → …), if any. */
export function guessKey (name: string): ConfigKey | undefined {
  return closest(name, CONFIG_KEYS)
}

function isBooleanOption (key: ConfigKey): boolean {
  return CONFIG_SCHEMA[key].format === FORMAT.boolean
}

/**
 * Parses `argv` (without the node and script paths). Never throws: every unusable argument
 * becomes a problem, so that the caller can report all of them at once.
 */
export function parseArgs (argv: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { values: {}, configFile: undefined, help: false, version: false, problems: [] }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '-h' || arg === '--help') {
      parsed.help = true
      continue
    }
    if (arg === '--version') {
      parsed.version = true
      continue
    }
    if (/^-[^-]/.test(arg)) {
      // -h is the only short flag; skip a value after any other so it isn't reported twice.
      parsed.problems.push(`unknown option ${arg.split('=')[0]}`)
      if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) i++
      continue
    }
    if (!arg.startsWith('--') || arg === '--') {
      // slotgate takes no positional arguments, so one is most likely a value missing its flag.
      parsed.problems.push(`unexpected argument ${JSON.stringify(arg)}`)
      continue
    }
    const eq = arg.indexOf('=')
    const flag = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
    const inline = eq === -1 ? undefined : arg.slice(eq + 1)
    const next = argv[i + 1]
    const nextIsValue = next !== undefined && !next.startsWith('--')

    if (flag === 'help' || flag === 'version') {
      parsed.problems.push(`--${flag} takes no value`)
      continue
    }
    if (flag === 'config') {
      if (inline !== undefined) parsed.configFile = inline
      else if (nextIsValue) parsed.configFile = argv[++i]
      else parsed.problems.push('--config needs a value (a JSON file)')
      continue
    }

    const negated = inline === undefined && flag.startsWith('no-') ? KEY_BY_FLAG.get(flag.slice(3)) : undefined
    if (negated !== undefined && isBooleanOption(negated)) {
      parsed.values[negated] = 'false'
      continue
    }
    const key = KEY_BY_FLAG.get(flag)
    if (key === undefined) {
      // Name the flag only: its value may be a secret given to a misspelt flag. Take the next
      // argument as its value, or it would be reported again as a stray argument.
      const near = guessKey(flag)
      parsed.problems.push(`unknown option --${flag}${near ? ` (did you mean --${CONFIG_SCHEMA[near].arg}?)` : ''}`)
      if (inline === undefined && nextIsValue) i++
      continue
    }
    if (inline !== undefined) {
      parsed.values[key] = inline
    } else if (isBooleanOption(key)) {
      // A bare boolean flag means true; it consumes the next argument only if that is a boolean.
      if (next !== undefined && /^(true|false|1|0)$/i.test(next)) parsed.values[key] = argv[++i]!
      else parsed.values[key] = 'true'
    } else if (nextIsValue) {
      parsed.values[key] = argv[++i]!
    } else {
      parsed.problems.push(`--${flag} needs a value`)
    }
  }
  return parsed
}
