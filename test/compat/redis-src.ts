import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Raised when REDIS_SRC can't be used; the runner prints the message and exits 2. */
export class RedisSourceError extends Error {
  readonly code = 'SLOTGATE_ERR_COMPAT_REDIS_SRC'
}

/** `#define REDIS_VERSION "7.0.15"` in src/version.h → `7.0.15`, or undefined. */
export function parseVersionHeader (text: string): string | undefined {
  return /^#define REDIS_VERSION "([^"]+)"/m.exec(text)?.[1]
}

/** `Redis server v=7.0.15 sha=...` (what `redis-server --version` prints) → `7.0.15`, or undefined. */
export function parseServerVersion (text: string): string | undefined {
  return /\bv=(\S+)/.exec(text)?.[1]
}

/**
 * Checks that `dir` is a Redis source tree the suite can run from (tests/test_helper.tcl and
 * src/version.h) and returns its version.
 */
export function redisSourceVersion (dir: string | undefined): string {
  if (dir === undefined || dir === '') {
    throw new RedisSourceError('REDIS_SRC is not set: point it at a checkout of the redis/redis repository at the tag of your redis-server (see docs/compat.md)')
  }
  const helper = join(dir, 'tests', 'test_helper.tcl')
  const header = join(dir, 'src', 'version.h')
  if (!existsSync(helper) || !existsSync(header)) {
    throw new RedisSourceError(`REDIS_SRC=${dir} is not a Redis source tree: it needs tests/test_helper.tcl and src/version.h`)
  }
  const version = parseVersionHeader(readFileSync(header, 'utf8'))
  if (version === undefined) throw new RedisSourceError(`${header} has no REDIS_VERSION line`)
  return version
}

/** The version of `redis-server` at `serverPath`, or undefined when it does not say. */
export function serverVersion (serverPath: string): string | undefined {
  return parseServerVersion(execFileSync(serverPath, ['--version'], { encoding: 'utf8' }))
}
