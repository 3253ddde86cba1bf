#!/usr/bin/env node
// Builds what a release ships and checks it as a user would get it (`npm run release:check`,
// run by .ci/run):
// - the npm package, from a clean build: `npm pack`, its file list (the CLI, the config
//   defaults, LICENSE, README, CHANGELOG; no tests, benchmarks, sources or source maps), then
//   installed with production dependencies only into an empty project, where `slotgate
//   --version`, `--help` and a start without seeds behave;
// - the Helm chart as the archive `helm package` makes (slotgate-<version>.tgz): Chart.yaml,
//   values.yaml, values.schema.json, README.md, templates, the dashboard.
// The container image cannot be built here (no Docker engine): test/unit/dockerfile.test.ts
// replays its stages instead.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const work = mkdtempSync(join(tmpdir(), 'slotgate-release-'))
const problems = []
const check = (ok, what) => { process.stdout.write(`${ok ? 'ok' : 'NOT OK'} - ${what}\n`); if (!ok) problems.push(what) }
const run = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })

try {
  // A clean build: a stale file in dist/ must not reach the package.
  rmSync(join(root, 'dist'), { recursive: true, force: true })
  run('npm', ['run', 'build', '--silent'])
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work]))
  const files = packed.files.map(f => f.path).sort()
  process.stdout.write(`# ${packed.filename}: ${files.length} files, ${packed.size} bytes packed, ${packed.unpackedSize} unpacked\n`)
  for (const must of ['package.json', 'LICENSE', 'README.md', 'CHANGELOG.md', 'config/default.json', 'dist/src/bin/slotgate.js', 'dist/src/bin/healthcheck.js', 'dist/src/main.js', 'dist/src/commands/command-snapshot.json']) {
    check(files.includes(must), `the package has ${must}`)
  }
  const stray = files.filter(f => !/^(package\.json|LICENSE|README\.md|CHANGELOG\.md|config\/default\.json|dist\/src\/.+\.(js|json))$/.test(f))
  check(stray.length === 0, `nothing else in the package (no bench, tests, sources, maps)${stray.length ? `: ${stray.join(', ')}` : ''}`)
  check(pkg.license === 'MIT' && /^MIT License/.test(readFileSync(join(root, 'LICENSE'), 'utf8')), 'LICENSE is the text of the declared license (MIT)')
  check(readFileSync(join(root, 'CHANGELOG.md'), 'utf8').includes(`## [${pkg.version}]`), `CHANGELOG.md has a section for ${pkg.version}`)

  // Installed as a user would: an empty project, production dependencies only.
  const app = join(work, 'app')
  execFileSync('mkdir', ['-p', app])
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'release-check', version: '1.0.0', private: true }))
  run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed.filename)], app)
  const bin = join(app, 'node_modules', '.bin', 'slotgate')
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' })
  check(version.status === 0 && version.stdout.trim() === pkg.version, `slotgate --version prints ${pkg.version}`)
  const help = spawnSync(bin, ['--help'], { encoding: 'utf8' })
  check(help.status === 0 && help.stdout.includes('--seeds HOST:PORT'), 'slotgate --help lists the options')
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLOTGATE_')))
  const noSeeds = spawnSync(bin, [], { encoding: 'utf8', env, timeout: 10_000 })
  // Fatal start errors are one JSON line on stdout (event config_invalid), as operators' log pipelines read them.
  const fatal = noSeeds.stdout.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l)).find(l => l.event === 'config_invalid')
  check(noSeeds.status === 2 && fatal !== undefined && JSON.stringify(fatal.problems).includes('seeds: required'), 'slotgate without seeds stops with exit status 2 and a config_invalid line')

  // The chart archive, as `helm package` lays it out (slotgate/...).
  const chart = readFileSync(join(root, 'helm', 'slotgate', 'Chart.yaml'), 'utf8')
  const chartVersion = /^version: (\S+)$/m.exec(chart)?.[1]
  check(/^appVersion: "([^"]+)"$/m.exec(chart)?.[1] === pkg.version, 'the chart\'s appVersion is the package version')
  const archive = join(work, `slotgate-${chartVersion}.tgz`)
  run('tar', ['-czf', archive, '-C', join(root, 'helm'), 'slotgate'])
  const listed = run('tar', ['-tzf', archive]).split('\n').filter(Boolean)
  for (const must of ['Chart.yaml', 'values.yaml', 'values.schema.json', 'README.md', 'dashboards/slotgate.json', 'templates/_helpers.tpl', 'templates/deployment.yaml', 'templates/NOTES.txt']) {
    check(listed.includes(`slotgate/${must}`), `the chart archive has ${must}`)
  }
  JSON.parse(readFileSync(join(root, 'helm', 'slotgate', 'values.schema.json'), 'utf8'))
  process.stdout.write(`# chart archive ${archive.split('/').at(-1)}: ${listed.length} entries\n`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
if (problems.length > 0) {
  process.stderr.write(`release check failed:\n${problems.map(p => `  - ${p}`).join('\n')}\n`)
  process.exit(1)
}
