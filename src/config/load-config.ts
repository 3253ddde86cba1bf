/**
 * Loads slotgate's configuration from, highest precedence first: CLI flags, `SLOTGATE_*`
 * env vars, the JSON file named by `--config` (or `SLOTGATE_CONFIG`), the schema defaults.
 * Every problem is collected before failing, so one run tells the operator everything to fix.
 */
import { readFileSync } from 'node:fs'
import convict from 'convict'
import { CONFIG_KEYS, CONFIG_SCHEMA, SENSITIVE_KEYS, schemaDefaults, type ConfigKey, type SlotgateConfig } from './schema.js'
import { guessKey, parseArgs, type ParsedArgs } from './parse-args.js'
import { ConfigError } from './config-error.js'
import { checkEnv } from './env-vars.js'
import { resolveSecretFiles } from './secret-files.js'

export { ConfigError }

/** Env var naming the JSON config file, like `--config`. */
export const CONFIG_FILE_ENV = 'SLOTGATE_CONFIG'

/** What {@link loadConfig} returns. */
export interface LoadedConfig {
  /** The validated config; the schema defaults alone when `help` or `version` is set. */
  config: SlotgateConfig;
  /** `--help` or `-h` was given: the caller prints `formatHelp()` and exits. */
  help: boolean;
  /** `--version` was given: the caller prints the version and exits. */
  version: boolean;
  /** Kubernetes service-link variables (`SLOTGATE_SERVICE_HOST`, ...) that were left out. */
  ignoredEnv: string[];
}

/** Options of {@link loadConfig}. */
export interface LoadOptions {
  /**
   * Whether a missing `seeds` is a problem (default true). The container's health check
   * reads the config for its ports only, and seeds may come from flags it never sees.
   */
  requireSeeds?: boolean;
}

/** The env vars slotgate reads: every option's, and the config file's. */
const KNOWN_ENV = [...CONFIG_KEYS.map(key => CONFIG_SCHEMA[key].env), CONFIG_FILE_ENV]

const SEEDS_REQUIRED = `seeds: required, and not set: list the cluster nodes to start from with --seeds, ${CONFIG_SCHEMA.seeds.env} or the config file's "seeds"`

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A file error's code (ENOENT, EISDIR, ...) when it has one, else its message. */
function errorText (err: unknown): string {
  if (err instanceof Error) return 'code' in err && typeof err.code === 'string' ? err.code : err.message
  return String(err)
}

/** Reads the config file: its known values, and a problem for anything else in it. */
function readConfigFile (path: string, problems: string[]): Partial<Record<ConfigKey, unknown>> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    problems.push(`config file ${path}: cannot read it (${errorText(err)})`)
    return {}
  }
  let parsed: unknown
  try {
    // Editors on Windows may save a byte-order mark, which JSON.parse rejects.
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (err) {
    problems.push(`config file ${path}: invalid JSON (${errorText(err)})`)
    return {}
  }
  if (!isPlainObject(parsed)) {
    problems.push(`config file ${path}: must hold one JSON object`)
    return {}
  }
  const values: Partial<Record<ConfigKey, unknown>> = {}
  for (const [name, value] of Object.entries(parsed)) {
    if (!Object.hasOwn(CONFIG_SCHEMA, name)) {
      const near = guessKey(name)
      problems.push(`config file ${path}: unknown key ${JSON.stringify(name)}${near ? ` (did you mean "${near}"?)` : ''}`)
    } else if (isPlainObject(value)) {
      // Convict would read an object as a nested schema and report a confusing "missing" param.
      problems.push(`config file ${path}: ${name} must be a value, not an object`)
    } else {
      values[name as ConfigKey] = value
    }
  }
  return values
}

/** Names the layer an option's final value came from, for problem messages. */
function sourceOf (key: ConfigKey, args: ParsedArgs, env: NodeJS.ProcessEnv, fileValues: object, file: string | undefined): string {
  if (args.values[key] !== undefined) return `--${CONFIG_SCHEMA[key].arg}`
  if (env[CONFIG_SCHEMA[key].env] !== undefined) return CONFIG_SCHEMA[key].env
  if (Object.hasOwn(fileValues, key)) return `config file ${file}`
  return 'default'
}

/**
 * Builds the config from `argv` (without the node and script paths) and `env`.
 *
 * @throws {@link ConfigError} listing every problem: invalid values (from any source), unknown
 * flags, `SLOTGATE_*` variables or stray arguments, unknown keys in the config file, an
 * unreadable or non-JSON file, no seeds, an unusable secret file.
 */
export function loadConfig (argv: string[], rawEnv: NodeJS.ProcessEnv, options: LoadOptions = {}): LoadedConfig {
  const args = parseArgs(argv)
  const { env, ignored, problems: envProblems } = checkEnv(rawEnv, KNOWN_ENV)
  if (args.help || args.version) {
    // Help and version must work whatever else is wrong (e.g. a missing config file).
    return { config: schemaDefaults(), help: args.help, version: args.version, ignoredEnv: ignored }
  }
  const problems = [...args.problems, ...envProblems]
  const file = args.configFile ?? (env[CONFIG_FILE_ENV] || undefined)
  const fileValues = file === undefined ? {} : readConfigFile(file, problems)

  // `args: []` keeps convict from reading process.argv itself; flags are set below instead.
  const conf = convict<SlotgateConfig>(CONFIG_SCHEMA, { env, args: [] })
  conf.load(fileValues) // convict re-applies env vars after a load, so env beats the file.
  for (const [key, value] of Object.entries(args.values)) conf.set(key, value)

  try {
    conf.validate({ allowed: 'strict' })
  } catch (err) {
    // Convict joins its findings into one message, one "key: reason" line per invalid value.
    for (const line of (err instanceof Error ? err.message : String(err)).split('\n')) {
      const match = /^(\w+): (.*)$/s.exec(line)
      const key = match?.[1]
      const source = key !== undefined && Object.hasOwn(CONFIG_SCHEMA, key) ? sourceOf(key as ConfigKey, args, env, fileValues, file) : undefined
      if (key === 'seeds' && source === 'default') {
        // Nothing set it: say so, rather than what the empty default fails.
        if (options.requireSeeds !== false) problems.push(SEEDS_REQUIRED)
      } else if (match && source !== undefined) {
        problems.push(`${key} (from ${source}): ${match[2]}`)
      } else {
        problems.push(line)
      }
    }
  }
  const config = conf.getProperties()
  problems.push(...resolveSecretFiles(config, key => sourceOf(key, args, env, fileValues, file)))
  if (problems.length > 0) throw new ConfigError(problems)
  return { config, help: false, version: false, ignoredEnv: ignored }
}

/** Marker that replaces secrets in {@link redactConfig}'s output (the same as pino's). */
export const REDACTED = '[Redacted]'

/** A copy of `config` fit to print or log: every sensitive value replaced by {@link REDACTED}. */
export function redactConfig (config: SlotgateConfig): Record<ConfigKey, unknown> {
  const copy: Record<ConfigKey, unknown> = { ...config }
  for (const key of SENSITIVE_KEYS) copy[key] = REDACTED
  return copy
}
