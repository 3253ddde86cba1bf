import { execFileSync } from 'node:child_process'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { REDIS_BENCHMARK } from './redis-benchmark.js'

/** Where a bench ran, for the report header and RESULTS.md. */
export interface Environment {
  readonly date: string
  readonly uname: string
  readonly nproc: number
  readonly cpu: string
  readonly node: string
  readonly redisServer: string
  readonly redisBenchmark: string
  readonly slotgateCommit: string
}

/** The repository's top level (this file runs as dist/bench/environment.js). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** A tool's trimmed output, run in `cwd` (the repository); a readable `unknown (...)` when it fails. */
export function command (file: string, args: string[], cwd = REPO_ROOT): string {
  try {
    return execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch (err) {
    // A missing tool only costs a line of the header; say so instead of failing the bench.
    return `unknown (${file}: ${(err as Error).message.split('\n')[0] as string})`
  }
}

/**
 * The short git commit the measured code of checkout `dir` (this one by default) is at,
 * `-dirty` when files under `paths` (default `src/`, the code being measured; `[]`: the whole
 * tree) differ from it.
 */
export function sourceCommit (paths: readonly string[] = ['src'], dir = REPO_ROOT): string {
  const head = command('git', ['rev-parse', '--short', 'HEAD'], dir)
  // Not a git checkout: say so once, not with a '-dirty' from the failed status too.
  if (head.startsWith('unknown (')) return head
  const dirty = command('git', ['status', '--porcelain', '--', ...paths], dir)
  return dirty === '' ? head : `${head}-dirty`
}

/** Collects the environment once, at the start. */
export function describeEnvironment (): Environment {
  return {
    date: new Date().toISOString(),
    uname: command('uname', ['-a']),
    nproc: availableParallelism(),
    cpu: cpuModel(),
    node: process.version,
    redisServer: command('redis-server', ['--version']),
    redisBenchmark: command(REDIS_BENCHMARK, ['--version']),
    slotgateCommit: sourceCommit()
  }
}

/** The CPU's model name (node reads /proc/cpuinfo on Linux). */
export function cpuModel (): string {
  return cpus()[0]?.model ?? 'unknown'
}

/** `1.23 0.98 0.75`: the machine's load averages, to spot other work sharing the cores. */
export function loadAverages (): string {
  return loadavg().map(v => v.toFixed(2)).join(' ')
}
