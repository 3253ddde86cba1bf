// docs/configuration.md is generated from the config schema: this test fails when someone
// changes an option without regenerating it (`npm run docs:config`), and checks that the
// reference really lists every option with its flag, env var and default.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { chartConfigSchema } from '../../src/config/format-chart-schema.js'
import { formatReference } from '../../src/config/format-reference.js'
import { CONFIG_KEYS, CONFIG_SCHEMA } from '../../src/config/schema.js'

const committed = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8')
const generated = formatReference()

t.test('docs/configuration.md is up to date with the schema', async t => {
  const a = committed.split('\n')
  const b = generated.split('\n')
  const line = a.findIndex((l, i) => l !== b[i])
  t.ok(committed === generated, 'docs/configuration.md is stale: run `npm run docs:config` and commit the result' +
    (line < 0 ? '' : ` (first difference at line ${line + 1}: ${JSON.stringify(a[line] ?? '')} vs ${JSON.stringify(b[line] ?? '')})`))
})

t.test('every option is there with its flag, env var and default', async t => {
  for (const key of CONFIG_KEYS) {
    const item = CONFIG_SCHEMA[key]
    const row = generated.split('\n').find(l => l.startsWith(`| [\`${key}\`]`))
    t.ok(row?.includes(`\`--${item.arg}\``) === true && row.includes(`\`${item.env}\``), `${key}: table row with --${item.arg} and ${item.env}`)
    t.ok(generated.includes(`### \`${key}\`\n\n${item.doc}\n`), `${key}: section with its doc`)
  }
  t.match(generated, /### `seeds`[^#]*- Default: none: required/, 'seeds have no default')
  t.match(generated, /### `denyCommands`[^#]*- Default: `config\|set,config\|rewrite,/, 'lists as an env var takes them')
  t.match(generated, /### `clusterPassword`[^#]*- Secret: never logged/, 'secrets are marked')
})

t.test('the Helm chart\'s values.schema.json has the current options under config', async t => {
  const schema = JSON.parse(readFileSync(new URL('../../helm/slotgate/values.schema.json', import.meta.url), 'utf8')) as { properties: { config: unknown } }
  t.strictSame(schema.properties.config, chartConfigSchema(), 'stale: run `npm run docs:config` and commit the result')
  const keys = Object.keys((chartConfigSchema() as { properties: object }).properties)
  t.ok(keys.includes('seeds') && keys.includes('requirepassPath') && keys.includes('fileReloadIntervalMs'), 'options a chart user sets')
  for (const left of ['bind', 'port', 'metricsPort', 'requirepass', 'clusterPassword', 'clusterUsername']) t.notOk(keys.includes(left), `${left}: set by the chart or a secret`)
})
