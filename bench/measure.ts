import { cpuSnapshot, foreignShare } from './cpu-share.js'
import { callsBetween, snapshotCalls, type CountedNode } from './command-counts.js'
import { cpuMicrosPerRequest, sampleProc } from './proc-stats.js'
import { runRedisBenchmark } from './redis-benchmark.js'
import type { RunRecord, Target } from './run-record.js'
import type { SlotgateProcess } from './slotgate-process.js'
import type { Workload } from './workloads.js'

/** What a run needs to know about the running setup. */
export interface BenchTargets {
  readonly slotgate: SlotgateProcess
  /** Port of the seed the --cluster runs start from. */
  readonly seedPort: number
  readonly nodes: readonly CountedNode[]
  /** The redis-server processes, so their CPU counts as the bench's own, not as other work. */
  readonly nodePids: readonly number[]
}

/** Thrown when slotgate is gone after a run: no later number would mean anything. */
export class SlotgateDiedError extends Error {
  override readonly name = 'SlotgateDiedError'
}

/**
 * Generous per-invocation limit: 30 s plus 0.5 ms per request (2,000 requests/s, far below
 * anything healthy here), so only a stuck run hits it.
 */
export function timeoutFor (requests: number): number {
  return 30_000 + requests / 2
}

/** redis-benchmark arguments for one target (`-p` of slotgate, or `--cluster -p <seed>`). */
export function argsFor (targets: BenchTargets, workload: Workload, target: Target): string[] {
  return target === 'slotgate'
    ? ['-h', '127.0.0.1', '-p', String(targets.slotgate.port), ...workload.viaSlotgate]
    : ['-h', '127.0.0.1', '-p', String(targets.seedPort), ...workload.direct]
}

/**
 * Runs one workload once against one target and measures around it: the cluster's command
 * counts, and for slotgate runs its CPU time and RSS from /proc.
 */
export async function measureRun (targets: BenchTargets, workload: Workload, round: number, target: Target): Promise<RunRecord> {
  const { slotgate } = targets
  const countsBefore = await snapshotCalls(targets.nodes)
  const ours = [slotgate.pid, ...targets.nodePids]
  const cpuBefore = cpuSnapshot(ours)
  const procBefore = target === 'slotgate' ? sampleProc(slotgate.pid) : undefined
  const outcome = await runRedisBenchmark(argsFor(targets, workload, target), timeoutFor(workload.requests))
  const cpuAfter = cpuSnapshot(ours)
  if (!slotgate.alive) {
    throw new SlotgateDiedError(`slotgate ${slotgate.exitStatus} during ${workload.title} via ${target} (round ${round}); its last output:\n${slotgate.output()}`)
  }
  const procAfter = procBefore === undefined ? undefined : sampleProc(slotgate.pid)
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
