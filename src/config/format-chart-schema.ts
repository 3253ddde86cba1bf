/**
 * The `config` part of the Helm chart's values.schema.json, generated from the config schema
 * like docs/configuration.md (`npm run docs:config` writes both; a test fails when either is
 * stale), so that `helm install` refuses a mistyped or out-of-range option before any pod
 * starts. Options the chart sets itself, and secrets (which come from a Secret), are left
 * out: the schema refuses them under `config`.
 */
import { FORMAT } from './formats.js'
import { CONFIG_KEYS, CONFIG_SCHEMA, type ConfigKey, type OptionSchema } from './schema.js'

/** Options the chart derives from `mode` and `ports` (helm/slotgate/templates/_helpers.tpl). */
export const CHART_SET_OPTIONS: readonly ConfigKey[] = ['bind', 'metricsBind', 'port', 'metricsPort', 'metricsEnabled']

/** Options a chart user may set under `config`: everything but the chart's own and secrets. */
export const CHART_CONFIG_KEYS: readonly ConfigKey[] = CONFIG_KEYS.filter(key =>
  !CHART_SET_OPTIONS.includes(key) && CONFIG_SCHEMA[key].sensitive !== true)

type JsonSchema = Record<string, unknown>

function integer (item: OptionSchema<unknown>): JsonSchema {
  return { type: 'integer', ...(item.min !== undefined ? { minimum: item.min } : {}), ...(item.max !== undefined ? { maximum: item.max } : {}) }
}

/** The JSON schema of one option's value as written in values.yaml. */
function optionSchema (item: OptionSchema<unknown>): JsonSchema {
  const description = item.doc
  if (Array.isArray(item.format)) return { description, enum: [...item.format] }
  switch (item.format) {
    case FORMAT.int: return { description, ...integer(item) }
    case FORMAT.intOrAuto: return { description, anyOf: [integer(item), { const: 'auto' }] }
    case FORMAT.boolean: return { description, type: 'boolean' }
    case FORMAT.nodeList: return { description, anyOf: [{ type: 'array', minItems: 1, items: { type: 'string', pattern: ':[0-9]{1,5}$' } }, { type: 'string', minLength: 1 }] }
    case FORMAT.commandList: return { description, anyOf: [{ type: 'array', items: { type: 'string', minLength: 1 } }, { type: 'string' }] }
    default: return { description, type: 'string' }
  }
}

/** The schema of the chart's `config` value. */
export function chartConfigSchema (): JsonSchema {
  const properties: Record<string, JsonSchema> = {}
  for (const key of CHART_CONFIG_KEYS) properties[key] = optionSchema(CONFIG_SCHEMA[key] as OptionSchema<unknown>)
  return {
    description: 'slotgate options by their file key (docs/configuration.md), each passed as its SLOTGATE_* variable. Not here: bind, metricsBind, port, metricsPort, metricsEnabled (set by the chart) and requirepass, clusterUsername, clusterPassword (from auth.existingSecret).',
    type: 'object',
    additionalProperties: false,
    properties
  }
}
