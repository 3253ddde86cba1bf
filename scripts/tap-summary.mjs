#!/usr/bin/env node
// tap 21 prints no "N passed, N failed" line; CI reads one. This reporter passes the TAP
// stream through untouched and closes with that line. A "test" is a subtest one level
// inside a test file (four-space indent); a file that crashes before any subtest counts
// as one failed test, so a broken file can never pass silently.
//
// With TAP_SUMMARY_FILE set (.ci/run runs the suite once per Node.js version), the counts go
// to that file as JSON and the closing line becomes a TAP comment naming the Node.js version,
// so that the run's only plain "N passed, N failed" line is the combined one .ci/run prints.
import { writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'

const point = /^( *)(not ok|ok) \d+/
let passed = 0
let failed = 0
let skipped = 0
let fileFailedInside = false
const rl = createInterface({ input: process.stdin })
rl.on('line', line => {
  process.stdout.write(line + '\n')
  const m = point.exec(line)
  if (!m) return
  const depth = m[1].length / 4
  const ok = m[2] === 'ok'
  const skip = /#\s*(SKIP|TODO)\b/i.test(line)
  if (depth === 1) {
    if (skip) skipped++
    else if (ok) passed++
    else { failed++; fileFailedInside = true }
  } else if (depth === 0) {
    if (!ok && !fileFailedInside) failed++
    fileFailedInside = false
  }
})
rl.on('close', () => {
  const counts = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`
  const file = process.env.TAP_SUMMARY_FILE
  if (file) {
    writeFileSync(file, JSON.stringify({ node: process.version, passed, failed, skipped }) + '\n')
    process.stdout.write(`\n# node ${process.version}: ${counts}\n`)
  } else {
    process.stdout.write(`\n${counts}\n`)
  }
})
