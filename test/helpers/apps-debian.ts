// Debian packages an application test needs (issue 15: Celery from `python3-celery`),
// installed the way the harness installs redis-server (test/harness/ensure-redis-server.ts):
// apt-get as root, or through passwordless sudo, `apt-get update` first. CI runs as root with
// apt, so there the packages get installed; a test skips only where that is impossible.
import { execFileSync, spawnSync } from 'node:child_process'
import { findExecutable } from '../harness/ensure-redis-server.js'

/** Either ready, or the reason a test has to skip. */
export type Ensured = { readonly ok: true } | { readonly ok: false, readonly reason: string }

let updated = false

/**
 * Makes `isReady()` true by installing `packages` with apt-get when it is false. Never throws:
 * a failed install comes back as `{ ok: false, reason }` naming the command to run by hand.
 */
export function ensureDebianPackages (packages: readonly string[], isReady: () => boolean): Ensured {
  if (isReady()) return { ok: true }
  const manual = `apt-get install -y ${packages.join(' ')}`
  const isRoot = process.getuid?.() === 0
  const sudo = isRoot ? undefined : findExecutable('sudo')
  if (findExecutable('apt-get') === undefined) return { ok: false, reason: `${packages.join(', ')} missing and there is no apt-get on this machine` }
  if (!isRoot && sudo === undefined) return { ok: false, reason: `${packages.join(', ')} missing, and this process is neither root nor has sudo: run \`${manual}\`` }
  const apt = (...args: string[]): void => {
    // Output to stderr, away from the TAP stream; `sudo -n` fails at once instead of asking.
    const [cmd, argv] = isRoot ? ['apt-get', args] : [sudo as string, ['-n', 'apt-get', ...args]]
    execFileSync(cmd, argv, { stdio: ['ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  }
  try {
    // Another apt (unattended upgrades, a second test run) may hold the lock for a while.
    if (!updated) apt('-o', 'DPkg::Lock::Timeout=120', 'update')
    updated = true
    apt('-o', 'DPkg::Lock::Timeout=120', 'install', '-y', ...packages)
  } catch (err) {
    return { ok: false, reason: `installing ${packages.join(', ')} with apt-get failed (${(err as Error).message.split('\n')[0]}): run \`${manual}\`` }
  }
  return isReady() ? { ok: true } : { ok: false, reason: `apt-get installed ${packages.join(', ')} but the check still fails` }
}

/** True when Debian's own Python (not a pyenv or venv one on PATH) imports every module named. */
export function debianPythonImports (...modules: string[]): boolean {
  return spawnSync('/usr/bin/python3', ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' }).status === 0
}
