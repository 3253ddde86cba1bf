import { cpuSnapshot, foreignShare } from './cpu-share.js'
import { callsBetween, snapshotCalls, type CountedNode } from './command-counts.js'
import { cpuMicrosPerRequest, sampleProc } from './proc-stats.js'
import { runRedisBenchmark } from './redis-benchmark.js'
import type { ProxyId, RunRecord, Target } from './run-record.js'
import type { ServerProcess } from './server-process.js'
import type { Workload } from './workloads.js'

/** What a run needs to know about the running setup. */
export interface BenchTargets {
  /** slotgate as shipped (also in `proxies`). */
  readonly slotgate: ServerProcess
  /** Every proxy started: slotgate, and the peer and the multi-process slotgate when asked for. */
  readonly proxies: ReadonlyMap<ProxyId, ServerProcess>
  /** Port of the seed the --cluster runs start from. */
  readonly seedPort: number
  readonly nodes: readonly CountedNode[]
  /** The redis-server processes, so their CPU counts as the bench's own, not as other work. */
  readonly nodePids: readonly number[]
}

/** Thrown when a proxy is gone after a run: no later number would mean anything. */
export class ProxyDiedError extends Error {
  override readonly name = 'ProxyDiedError'
}

/**
 * Generous per-invocation limit: 30 s plus 0.5 ms per request (2,000 requests/s, far below
 * anything healthy here), so only a stuck run hits it.
 */
export function timeoutFor (requests: number): number {
  return 30_000 + requests / 2
}

/** The proxy a target names; throws when it was not started. */
export function proxyOf (targets: BenchTargets, target: ProxyId): ServerProcess {
  const proxy = targets.proxies.get(target)
  if (proxy === undefined) throw new Error(`${target} was not started`)
  return proxy
}

/** redis-benchmark arguments for one target (`-p` of the proxy, or `--cluster -p <seed>`). */
export function argsFor (targets: BenchTargets, workload: Workload, target: Target): string[] {
  return target === 'direct'
    ? ['-h', '127.0.0.1', '-p', String(targets.seedPort), ...workload.direct]
    : ['-h', '127.0.0.1', '-p', String(proxyOf(targets, target).port), ...workload.viaProxy]
}

/** Every process the bench itself runs besides redis-benchmark: the proxies and the nodes. */
export function benchPids (targets: BenchTargets): number[] {
  return [...[...targets.proxies.values()].map(p => p.pid), ...targets.nodePids]
}

/**
 * Runs one workload once against one target and measures around it: the cluster's command
 * counts, and for proxy runs the proxy's CPU time and RSS from /proc.
 */
export async function measureRun (targets: BenchTargets, workload: Workload, round: number, target: Target): Promise<RunRecord> {
  const proxy = target === 'direct' ? undefined : proxyOf(targets, target)
  const countsBefore = await snapshotCalls(targets.nodes)
  const ours = benchPids(targets)
  const cpuBefore = cpuSnapshot(ours)
  const procBefore = proxy === undefined ? undefined : sampleProc(proxy.pid)
  const outcome = await runRedisBenchmark(argsFor(targets, workload, target), timeoutFor(workload.requests))
  const cpuAfter = cpuSnapshot(ours)
  for (const p of targets.proxies.values()) {
    if (!p.alive) throw new ProxyDiedError(`${p.name} ${p.exitStatus} during ${workload.title} via ${target} (round ${round}); its last output:\n${p.output()}`)
  }
  const procAfter = proxy === undefined ? undefined : sampleProc(proxy.pid)
  const countsAfter = await snapshotCalls(targets.nodes)
  return {
    workload,
    round,
    target,
    outcome,
    backendCalls: callsBetween(targets.nodes, countsBefore, countsAfter, workload.backend),
    cpuMicrosPerRequest: procBefore === undefined || procAfter === undefined ? undefined : cpuMicrosPerRequest(procBefore, procAfter, workload.requests),
    rssKib: procAfter?.rssKib,
    foreignCpuShare: foreignShare(cpuBefore, cpuAfter)
  }
}
