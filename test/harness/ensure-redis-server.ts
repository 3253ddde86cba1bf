import { execFileSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { LocalClusterError } from './local-cluster-error.js'

/** Absolute path of executable `name` on `PATH` (plus the usual sbin/bin dirs), or undefined. */
export function findExecutable (name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/bin', '/usr/bin', '/usr/sbin', '/bin']
  for (const dir of dirs) {
    if (dir === '') continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch (err) {
      // Not there (ENOENT) or not executable (EACCES): try the next directory.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'EACCES') throw err
    }
  }
  return undefined
}

/**
 * Returns the path of `redis-server`. When it is missing, installs Debian's `redis-server` and
 * `redis-tools` with apt-get (as root, or through passwordless sudo) and returns the new path;
 * throws `SLOTGATE_ERR_DEV_NO_REDIS` saying what to do when it can't.
 */
export function ensureRedisServer (): string {
  const found = findExecutable('redis-server')
  if (found !== undefined) return found
  const isRoot = process.getuid?.() === 0
  const sudo = isRoot ? undefined : findExecutable('sudo')
  if (!isRoot && sudo === undefined) {
    throw new LocalClusterError('SLOTGATE_ERR_DEV_NO_REDIS', 'redis-server is not on PATH and this process is neither root nor has sudo: install it with `apt-get install -y redis-server redis-tools`')
  }
  const apt = (...args: string[]): void => {
    // apt's output goes to stderr so it never mixes into a TAP stream on stdout; `sudo -n`
    // fails at once instead of waiting for a password nobody will type.
    const [cmd, argv] = isRoot ? ['apt-get', args] : [sudo as string, ['-n', 'apt-get', ...args]]
    execFileSync(cmd, argv, { stdio: ['ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  }
  try {
    apt('update')
    apt('install', '-y', 'redis-server', 'redis-tools')
  } catch (err) {
    throw new LocalClusterError('SLOTGATE_ERR_DEV_NO_REDIS', `redis-server is not on PATH and installing it with apt-get failed: ${(err as Error).message}`, { cause: err })
  }
  const installed = findExecutable('redis-server')
  if (installed === undefined) {
    throw new LocalClusterError('SLOTGATE_ERR_DEV_NO_REDIS', 'apt-get installed redis-server but it is still not on PATH (looked in PATH, /usr/bin, /usr/local/bin)')
  }
  return installed
}
