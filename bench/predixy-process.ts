import { spawnSync } from 'node:child_process'
import { accessSync, constants, statSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { freePorts } from '../test/harness/free-ports.js'
import { ServerProcess } from './server-process.js'

/**
 * The C++ peer the goals are set against (predixy, the joyieldInc/predixy repository), when
 * `PREDIXY_BIN` names its binary. Built outside the repository (bench/README.md says how);
 * nothing of it is kept here but the configuration below.
 */
export const PREDIXY_BIN = process.env.PREDIXY_BIN === '' ? undefined : process.env.PREDIXY_BIN

/** What predixyConfig sets, in words, for the reports. */
export const PREDIXY_SETTINGS = 'WorkerThreads 1, reads from masters (MasterReadPriority 100, replicas 0), ClientTimeout 0, no latency monitor, info logs off (bench/predixy-process.ts)'

/**
 * predixy's configuration for the bench's cluster: one worker thread, reads from masters only
 * (the same routing as slotgate's default read policy), no idle-client timeout (the 1,000-client
 * crowd sits idle), no latency monitors and no per-request logging (neither is on in slotgate).
 * Without an `Authority` section predixy lets every client run every command.
 */
export function predixyConfig (seeds: readonly string[], port: number, workerThreads = 1): string {
  return [
    'Name slotgate-bench-peer',
    `Bind 127.0.0.1:${port}`,
    `WorkerThreads ${workerThreads}`,
    'ClientTimeout 0',
    'LogVerbSample 0',
    'LogDebugSample 0',
    'LogInfoSample 0',
    'LogNoticeSample 1',
    'LogWarnSample 1',
    'LogErrorSample 1',
    'ClusterServerPool {',
    '    MasterReadPriority 100',
    '    StaticSlaveReadPriority 0',
    '    DynamicSlaveReadPriority 0',
    '    RefreshInterval 1',
    '    Servers {',
    ...seeds.map(seed => `        + ${seed}`),
    '    }',
    '}',
    ''
  ].join('\n')
}

/** `predixy-1.0.5` (it prints `<path> predixy-1.0.5` on stderr), or why the binary could not say. */
export function predixyVersion (bin: string): string {
  const result = spawnSync(bin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 })
  if (result.error !== undefined) return `unknown (${result.error.message})`
  const version = `${result.stdout}\n${result.stderr}`.trim().split(/\s+/).pop() ?? ''
  return version.startsWith('predixy-') ? version : `unknown (${bin} --version said "${version}")`
}

/** True when `path` is a file this process may run (checked before the cluster starts, to fail fast). */
export function isExecutable (path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    // Missing, not a file, or not ours to run: all say the same to the caller.
    return false
  }
}

/** Writes the configuration into `dir` and starts `bin` on a free loopback port in front of `seeds`. */
export async function startPredixy (bin: string, seeds: readonly string[], dir: string): Promise<ServerProcess> {
  const [port] = await freePorts(1, '127.0.0.1')
  const conf = join(dir, 'predixy.conf')
  await writeFile(conf, predixyConfig(seeds, port as number))
  return await ServerProcess.start('predixy', bin, [conf], port as number)
}
