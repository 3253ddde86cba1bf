#!/usr/bin/env node
// Installs what `npm run demo`, `npm test` and `npm run bench` need on a fresh machine:
// npm dependencies (npm ci) and Debian's redis-server/redis-tools (apt-get, as root).
// Uses only Node built-ins, so it runs before node_modules exists.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

function has (cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
}

function run (cmd, args) {
  process.stderr.write(`[ensure] ${cmd} ${args.join(' ')}\n`)
  execFileSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
}

if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
  run('npm', ['ci', '--no-audit', '--no-fund'])
}

if (!has('redis-server') || !has('redis-cli') || !has('redis-benchmark')) {
  const sudo = process.getuid && process.getuid() === 0 ? [] : ['sudo']
  const apt = (...a) => sudo.length ? run('sudo', ['apt-get', ...a]) : run('apt-get', a)
  apt('update')
  apt('install', '-y', 'redis-server', 'redis-tools')
}
