#!/usr/bin/env node
// Writes docs/configuration.md from the config schema (through the build in dist/; run with
// `npm run docs:config`, which builds first). With --check, only says whether it is stale.
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { formatReference } = await import(join(root, 'dist', 'src', 'config', 'format-reference.js'))
const target = join(root, 'docs', 'configuration.md')
const text = formatReference()
if (process.argv.includes('--check')) {
  let current = ''
  try { current = readFileSync(target, 'utf8') } catch { current = '' }
  if (current !== text) {
    process.stderr.write('docs/configuration.md is stale: run npm run docs:config\n')
    process.exit(1)
  }
} else {
  writeFileSync(target, text)
  process.stdout.write(`wrote ${target}\n`)
}
