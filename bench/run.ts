import { availableParallelism, loadavg } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { BenchSetup } from './bench-setup.js'
import { killAll } from './child-processes.js'
import { describeEnvironment, loadAverages } from './environment.js'
import { argsFor, measureRun, timeoutFor, type BenchTargets } from './measure.js'
import { probeMultiKey, type ProbeResult } from './multi-key-probe.js'
import { parseOptions, USAGE, type BenchOptions } from './options.js'
import { sampleProc } from './proc-stats.js'
import { CROWD_CLIENTS, rssWithClients } from './client-crowd.js'
import { runRedisBenchmark } from './redis-benchmark.js'
import { probeLine, summarize, summaryTable, workloadTable } from './report.js'
import { writeResults } from './results-file.js'
import { NOISY_SHARE, runNotes, succeeded, type RunRecord, type Target } from './run-record.js'
import { median } from './stats.js'
import { warmupArgs, workloads, type Workload } from './workloads.js'

const log = (msg: string): void => { process.stderr.write(`[bench] ${msg}\n`) }
const PROBE_COMMANDS = 200

/** Everything measured so far, kept outside `main` so a fatal error can still print it. */
interface Measured {
  readonly runs: RunRecord[]
  readonly probes: Map<string, ProbeResult>
  idleRssKib?: number
  /** RSS with CROWD_CLIENTS clients connected, after the runs. */
  crowdRssKib?: number
}

function describeRun (run: RunRecord): string {
  const o = run.outcome
  const cpu = run.cpuMicrosPerRequest === undefined ? '' : ` CPU ${run.cpuMicrosPerRequest.toFixed(1)} µs/req, RSS ${((run.rssKib ?? 0) / 1024).toFixed(1)} MiB`
  const numbers = succeeded(run) ? `${Math.round(o.rps as number)} ops/s, p50 ${o.p50Ms} ms, p99 ${o.p99Ms} ms${cpu}` : 'FAILED'
  const notes = runNotes(run)
  return `round ${run.round} ${run.workload.title} via ${run.target}: ${numbers} (${(o.wallMs / 1000).toFixed(1)} s)${notes.length > 0 ? ` — ${notes.map(n => n.text).join('; ')}` : ''}`
}

/** Untimed pass both ways: JIT warm-up for slotgate, keys for the GETs, and an early error check. */
async function warmUp (targets: BenchTargets, options: BenchOptions): Promise<void> {
  const args = warmupArgs(options)
  const warmup: Workload = { ...workloads(options)[0] as Workload, viaSlotgate: args, direct: ['--cluster', ...args] }
  for (const target of ['slotgate', 'direct'] as const) {
    const outcome = await runRedisBenchmark(argsFor(targets, warmup, target), timeoutFor(options.requests))
    // exitCode null without a timeout: killed by our own cleanup (Ctrl-C), nothing to report.
    if ((outcome.exitCode !== 0 && (outcome.exitCode !== null || outcome.timedOut)) || outcome.errors.length > 0) log(`warm-up via ${target} failed: exit ${outcome.exitCode}, ${outcome.errors.join(' | ') || 'no error line'}`)
  }
}

async function runAll (targets: BenchTargets, options: BenchOptions, measured: Measured): Promise<void> {
  const selected = workloads(options).filter(w => options.workloadIds.includes(w.id))
  await sleep(1000)
  measured.idleRssKib = sampleProc(targets.slotgate.pid).rssKib
  log(`slotgate idle RSS ${(measured.idleRssKib / 1024).toFixed(1)} MiB; load average ${loadAverages()}`)
  log('warm-up (not recorded)')
  await warmUp(targets, options)
  if (selected.some(w => w.multiKey)) {
    try {
      for (const probe of await probeMultiKey(targets.slotgate.port, targets.nodes.map(n => `${n.host}:${n.port}`), PROBE_COMMANDS)) {
        measured.probes.set(probe.command, probe)
        log(`probe through slotgate: ${probeLine(probe)}`)
      }
    } catch (err) {
      // The rounds still say what redis-benchmark sees; the report just lacks an error rate.
      log(`PROBE FAILED (no error rate for MSET/MGET): ${(err as Error).message}`)
    }
  }
  for (let round = 1; round <= options.rounds; round++) {
    // A B in odd rounds, B A in even ones: whichever runs second no longer always meets the
    // state (page cache, key count, JIT) the first one left.
    const order: Target[] = round % 2 === 1 ? ['slotgate', 'direct'] : ['direct', 'slotgate']
    for (const workload of selected) {
      for (const target of order) {
        const run = await measureRun(targets, workload, round, target)
        measured.runs.push(run)
        log(describeRun(run))
      }
    }
  }
}

function report (options: BenchOptions, measured: Measured, finalRssKib: number | undefined, loadAtStart: string): { summary: string, notes: string[], details: string } {
  const selected = workloads(options).filter(w => measured.runs.some(r => r.workload.id === w.id))
  const details = selected.map(w => workloadTable(w, measured.runs.filter(r => r.workload.id === w.id))).join('\n\n')
  const summary = summaryTable(selected.map(w => summarize(w, measured.runs.filter(r => r.workload.id === w.id))), measured.probes)
  const mib = (kib: number | undefined): string => kib === undefined ? '—' : `${(kib / 1024).toFixed(1)} MiB`
  const foreign = median(measured.runs.map(r => r.foreignCpuShare))
  const noisy = measured.runs.filter(r => (r.foreignCpuShare ?? 0) > NOISY_SHARE).length
  const peak = Math.max(0, ...measured.runs.map(r => r.rssKib ?? 0))
  const notes = [
    `slotgate RSS: ${mib(measured.idleRssKib)} idle at start, ${mib(peak || undefined)} peak after a run, ${mib(finalRssKib)} at the end, ${mib(measured.crowdRssKib)} with ${CROWD_CLIENTS.toLocaleString('en-US')} clients connected after the runs (goal: under 64 MiB idle, under 128 MiB with 1,000 clients; the C++ peer: 4.3 MB).`,
    ...[...measured.probes.values()].map(p => `Probe of ${PROBE_COMMANDS} commands of 10 keys across slots through slotgate: ${probeLine(p)}.`),
    `Load average (1/5/15 min) at the start: ${loadAtStart}, at the end: ${loadAverages()}; ${availableParallelism()} cores shared by the cluster, slotgate, redis-benchmark and anything else running.`,
    `Other processes used ${foreign === undefined ? '—' : `${(foreign * 100).toFixed(0)}%`} of the CPU during the median run (${noisy} of ${measured.runs.length} runs above ${NOISY_SHARE * 100}%, marked noisy).`
  ]
  return { summary, notes, details }
}

async function main (): Promise<number> {
  let options: BenchOptions
  try {
    options = parseOptions(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (options.help) { process.stdout.write(USAGE); return 0 }
  const env = describeEnvironment()
  log(`${env.date} | ${env.uname} | nproc ${env.nproc} | node ${env.node} | ${env.redisServer} | slotgate ${env.slotgateCommit}`)
  const loadAtStart = loadAverages()
  if (loadavg()[0] as number > availableParallelism() / 2) log(`WARNING: load average ${loadAtStart} already: other work shares the ${availableParallelism()} cores, expect noisy numbers`)
  log(`${options.rounds} round(s), ${options.requests} requests, redis-benchmark --threads ${options.clientThreads}, workloads ${options.workloadIds.join(',')}; load average ${loadAverages()}`)
  const setup = new BenchSetup(log)
  const measured: Measured = { runs: [], probes: new Map() }
  let exitCode = 0
  let finalRssKib: number | undefined
  let stopping = false
  const onSignal = (signal: NodeJS.Signals, code: number): void => {
    if (stopping) { killAll(); process.exit(code) }
    stopping = true
    log(`${signal}: stopping slotgate and the cluster (again to force)`)
    void setup.stop().finally(() => process.exit(code))
  }
  process.on('SIGINT', () => { onSignal('SIGINT', 130) })
  process.on('SIGTERM', () => { onSignal('SIGTERM', 143) })
  process.on('exit', killAll)
  try {
    const targets = await setup.start(options.slotgateArgs, options.nodeArgs)
    await runAll(targets, options, measured)
    finalRssKib = sampleProc(targets.slotgate.pid).rssKib
    measured.crowdRssKib = await rssWithClients(targets.slotgate.port, targets.slotgate.pid)
    log(`slotgate RSS with ${CROWD_CLIENTS.toLocaleString('en-US')} connected clients: ${(measured.crowdRssKib / 1024).toFixed(1)} MiB`)
  } catch (err) {
    if (stopping) return 130
    log(`FATAL: ${(err as Error).stack ?? String(err)}`)
    exitCode = 1
  } finally {
    await setup.stop()
  }
  if (measured.runs.length === 0) return exitCode
  const { summary, notes, details } = report(options, measured, finalRssKib, loadAtStart)
  process.stdout.write(`\n## Per workload\n\n${details}\n\n## Summary (medians over ${options.rounds} round(s))\n\n${summary}\n\n${notes.map(n => `- ${n}`).join('\n')}\n`)
  if (exitCode !== 0) process.stdout.write('\n(PARTIAL: the bench stopped early, see the FATAL line above)\n')
  if (options.writeResults && exitCode === 0) {
    const command = `node dist/bench/run.js ${process.argv.slice(2).join(' ')}`.trim()
    log(`wrote ${await writeResults(env, { command, rounds: options.rounds, requests: options.requests, clientThreads: options.clientThreads, slotgateCommand: ['node', ...options.nodeArgs, 'dist/src/bin/slotgate.js', ...options.slotgateArgs].join(' '), summary, notes, details })}`)
  }
  return exitCode
}

main().then(code => { process.exitCode = code }, (err: Error) => {
  process.stderr.write(`[bench] ${err.stack ?? err.message}\n`)
  process.exitCode = 1
})
