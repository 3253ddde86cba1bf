#!/usr/bin/env node
// Prints one "N passed, N failed" line for several test runs (.ci/run runs the suite once per
// Node.js version; tap-summary.mjs wrote each run's counts to a JSON file). A run that left no
// file (it crashed before its reporter closed) counts as one failed test.
import { readFileSync } from 'node:fs'

let passed = 0
let failed = 0
let skipped = 0
for (const file of process.argv.slice(2)) {
  try {
    const run = JSON.parse(readFileSync(file, 'utf8'))
    process.stdout.write(`# node ${run.node}: ${run.passed} passed, ${run.failed} failed${run.skipped ? `, ${run.skipped} skipped` : ''}\n`)
    passed += run.passed
    failed += run.failed
    skipped += run.skipped
  } catch (err) {
    process.stdout.write(`# ${file}: no summary (${err.code ?? err.message}): counted as one failure\n`)
    failed++
  }
}
process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`)
