#!/usr/bin/env node
// Writes the `config` part of helm/slotgate/values.schema.json from the config schema
// (through the build in dist/; `npm run docs:config` runs it). With --check, only says
// whether it is stale. The rest of the file is written by hand.
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { chartConfigSchema } = await import(join(root, 'dist', 'src', 'config', 'format-chart-schema.js'))
const target = join(root, 'helm', 'slotgate', 'values.schema.json')
const current = readFileSync(target, 'utf8')
const schema = JSON.parse(current)
schema.properties.config = chartConfigSchema()
const text = JSON.stringify(schema, null, 2) + '\n'
if (process.argv.includes('--check')) {
  if (current !== text) {
    process.stderr.write('helm/slotgate/values.schema.json is stale: run npm run docs:config\n')
    process.exit(1)
  }
} else {
  writeFileSync(target, text)
  process.stdout.write(`wrote ${target}\n`)
}
