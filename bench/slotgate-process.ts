import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePorts } from '../test/harness/free-ports.js'
import { ServerProcess } from './server-process.js'

/** The compiled CLI, next to this file's compiled form (dist/bench → dist/src/bin). */
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'bin', 'slotgate.js')

/**
 * Spawns `node dist/src/bin/slotgate.js` on a free loopback port in front of `seeds` and
 * resolves once it serves requests. `nodeArgs` go to node itself, before the script (V8 flags,
 * `--cpu-prof` for bench/profile.ts). `cli` is another checkout's build for `--baseline`.
 */
export async function startSlotgate (seeds: readonly string[], extraArgs: readonly string[] = [], nodeArgs: readonly string[] = [], name = 'slotgate', cli = CLI): Promise<ServerProcess> {
  const [port, metricsPort] = await freePorts(2, '127.0.0.1')
  // Metrics stay on, as shipped: what is measured is what runs in production.
  const args = [...nodeArgs, cli, '--seeds', seeds.join(','), '--port', String(port), '--bind', '127.0.0.1',
    '--metrics-port', String(metricsPort), '--metrics-bind', '127.0.0.1', '--log-level', 'warn', ...extraArgs]
  return await ServerProcess.start(name, process.execPath, args, port as number)
}
