/**
 * The convict schema: every slotgate option with its doc, format, default, env var and CLI
 * flag, grouped by side (options-client.ts, options-cluster.ts, options-operations.ts). It is
 * the single source of truth: `config/default.json`, `--help` and the logger's redaction list
 * are all derived from it (and a test keeps default.json equal to it).
 *
 * Naming rule, checked by the tests: key `fooBarMs` ↔ flag `--foo-bar-ms` ↔ env `SLOTGATE_FOO_BAR_MS`.
 */
import type { ConfigKey, ConfigSchema, SlotgateConfig } from './config-types.js'
import { CLIENT_OPTIONS } from './options-client.js'
import { CLUSTER_OPTIONS } from './options-cluster.js'
import { OPERATIONS_OPTIONS } from './options-operations.js'

export * from './config-types.js'
export { DEFAULT_DENIED_COMMANDS } from './options-client.js'

/** The schema. Options are listed in the order `--help` shows them: the cluster side, the client side, operations. */
export const CONFIG_SCHEMA: ConfigSchema = { ...CLUSTER_OPTIONS, ...CLIENT_OPTIONS, ...OPERATIONS_OPTIONS }

/** Every config key, in schema order. */
export const CONFIG_KEYS = Object.keys(CONFIG_SCHEMA) as ConfigKey[]

/** Keys whose values are secrets: never logged, never printed. */
export const SENSITIVE_KEYS: readonly ConfigKey[] = CONFIG_KEYS.filter((key) => CONFIG_SCHEMA[key].sensitive === true)

/** The schema's defaults as a config object (what `config/default.json` must hold). */
export function schemaDefaults (): SlotgateConfig {
  const defaults: Record<string, unknown> = {}
  for (const key of CONFIG_KEYS) defaults[key] = structuredClone(CONFIG_SCHEMA[key].default)
  return defaults as unknown as SlotgateConfig
}
