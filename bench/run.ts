import { availableParallelism, loadavg } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { findBaseline, type Baseline } from './baseline.js'
import { BenchSetup } from './bench-setup.js'
import { CROWD_CLIENTS, rssWithClients } from './client-crowd.js'
import { describeEnvironment, loadAverages, type Environment } from './environment.js'
import { argsFor, measureRun, proxyOf, timeoutFor, type BenchTargets } from './measure.js'
import { probeMultiKey, type ProbeResult } from './multi-key-probe.js'
import { DEFAULT_REQUESTS, DEFAULT_ROUNDS, parseOptions, USAGE, type BenchOptions } from './options.js'
import { isExecutable, PREDIXY_SETTINGS, predixyVersion } from './predixy-process.js'
import { sampleProc } from './proc-stats.js'
import { compareQuick, QUICK_FILE, quickRecord, readQuick, writeQuick } from './quick-compare.js'
import { runRedisBenchmark } from './redis-benchmark.js'
import { targetOrder } from './targets.js'
import { memoryTable, probeLine, summarize, summaryTable, TARGET_NAMES, workloadTable, type MemoryFigures, type WorkloadSummary } from './report.js'
import { writeResults } from './results-file.js'
import { NOISY_SHARE, runNotes, succeeded, type ProxyId, type RunRecord, type Target } from './run-record.js'
import { median } from './stats.js'
import { ToolSignals, runMain } from './tool-main.js'
import { warmupArgs, workloads, type Method, type Workload } from './workloads.js'

const log = (msg: string): void => { process.stderr.write(`[bench] ${msg}\n`) }
const PROBE_COMMANDS = 200

/** Everything measured so far, kept outside `main` so a fatal error can still print it. */
interface Measured {
  readonly runs: RunRecord[]
  readonly probes: Map<string, ProbeResult>
  readonly memory: Map<ProxyId, MemoryFigures>
}

function describeRun (run: RunRecord, names: Readonly<Record<Target, string>>): string {
  const o = run.outcome
  const cpu = run.cpuMicrosPerRequest === undefined ? '' : ` CPU ${run.cpuMicrosPerRequest.toFixed(1)} µs/req, RSS ${((run.rssKib ?? 0) / 1024).toFixed(1)} MiB`
  const numbers = succeeded(run) ? `${Math.round(o.rps as number)} ops/s, p50 ${o.p50Ms} ms, p99 ${o.p99Ms} ms${cpu}` : 'FAILED'
  const notes = runNotes(run)
  return `round ${run.round} ${run.workload.method.id} ${run.workload.title} via ${names[run.target]}: ${numbers} (${(o.wallMs / 1000).toFixed(1)} s)${notes.length > 0 ? ` — ${notes.map(n => n.text).join('; ')}` : ''}`
}

const selectedWorkloads = (options: BenchOptions, method: Method): Workload[] => workloads(options, method).filter(w => options.workloadIds.includes(w.id))

/** Untimed pass through every target: JIT and connections of the proxies, keys for the GETs, and an early error check. */
async function warmUp (targets: BenchTargets, options: BenchOptions): Promise<void> {
  const args = warmupArgs(options)
  const method = options.methods[0] as Method
  const warmup: Workload = { ...workloads(options, method)[0] as Workload, viaProxy: args, direct: ['--cluster', ...args] }
  for (const target of ['direct', ...targets.proxies.keys()] as Target[]) {
    const outcome = await runRedisBenchmark(argsFor(targets, warmup, target), timeoutFor(options.requests))
    // exitCode null without a timeout: killed by our own cleanup (Ctrl-C), nothing to report.
    if ((outcome.exitCode !== 0 && (outcome.exitCode !== null || outcome.timedOut)) || outcome.errors.length > 0) log(`warm-up via ${target} failed: exit ${outcome.exitCode}, ${outcome.errors.join(' | ') || 'no error line'}`)
  }
}

/** The proxies whose memory is reported: slotgate as shipped, the peer and the baseline. */
const reported = (targets: BenchTargets): ProxyId[] => (['slotgate', 'predixy', 'slotgate-baseline'] as const).filter(id => targets.proxies.has(id))

async function runAll (targets: BenchTargets, options: BenchOptions, measured: Measured, names: Readonly<Record<Target, string>>): Promise<void> {
  await sleep(1000)
  for (const id of reported(targets)) measured.memory.set(id, { idle: sampleProc(proxyOf(targets, id).pid).rssKib })
  log(`idle RSS: ${reported(targets).map(id => `${id} ${((measured.memory.get(id)?.idle ?? 0) / 1024).toFixed(1)} MiB`).join(', ')}; load average ${loadAverages()}`)
  log('warm-up (not recorded)')
  await warmUp(targets, options)
  if (options.workloadIds.some(id => id === 'mset' || id === 'mget')) {
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
    for (const method of options.methods) {
      for (const workload of selectedWorkloads(options, method)) {
        for (const target of targetOrder(options, workload.id, round)) {
          const run = await measureRun(targets, workload, round, target)
          measured.runs.push(run)
          log(describeRun(run, names))
        }
      }
    }
  }
  // The crowd's load: GET -c 50 as users run it, half the default size.
  const users = workloads({ requests: Math.max(1000, Math.round(options.requests / 2)) }, { id: 'users', title: 'users' })
  const load = users.find(w => w.id === 'get') as Workload
  for (const id of reported(targets)) {
    const proxy = proxyOf(targets, id)
    const memory = measured.memory.get(id) ?? {}
    const end = sampleProc(proxy.pid).rssKib
    const peakAfterRun = Math.max(0, ...measured.runs.filter(r => r.target === id).map(r => r.rssKib ?? 0)) || undefined
    const crowd = await rssWithClients(proxy.port, proxy.pid, async () => await runRedisBenchmark(argsFor(targets, load, id), timeoutFor(load.requests)))
    measured.memory.set(id, { ...memory, end, peakAfterRun, crowdConnected: crowd.connectedKib, crowdUnderLoad: crowd.underLoadKib })
    log(`${proxy.name} RSS with ${CROWD_CLIENTS.toLocaleString('en-US')} connected clients: ${(crowd.connectedKib / 1024).toFixed(1)} MiB idle, ${(crowd.underLoadKib / 1024).toFixed(1)} MiB peak under load`)
  }
}

interface Report {
  readonly methods: Array<{ title: string, summary: string }>
  readonly summaries: WorkloadSummary[]
  readonly memory: string
  readonly notes: string[]
  readonly details: string
}

/** Who s and b are in the summaries' baseline columns. */
function baselineLegend (env: Environment, baseline: Baseline): string {
  return `s = slotgate ${env.slotgateCommit} (this checkout), b = slotgate-baseline ${baseline.commit} (${baseline.dir}), same arguments and node flags, in the same rounds. slotgate/baseline above 1.00: slotgate has more ops/s; in brackets, from 6 rounds on, a 95% interval for that median (order statistics of the per-round ratios): an interval that holds 1.00 is a difference this run cannot tell from the machine's noise. CPU s above b: slotgate spends more per request.`
}

function report (options: BenchOptions, measured: Measured, loadAtStart: string, names: Readonly<Record<Target, string>>, legend?: string): Report {
  const summaries: WorkloadSummary[] = []
  const methods: Report['methods'] = []
  const details: string[] = []
  for (const method of options.methods) {
    const runsOf = (w: Workload): RunRecord[] => measured.runs.filter(r => r.workload.id === w.id && r.workload.method.id === method.id)
    const selected = selectedWorkloads(options, method).filter(w => runsOf(w).length > 0)
    const mine = selected.map(w => summarize(w, runsOf(w)))
    summaries.push(...mine)
    const table = summaryTable(mine, measured.probes, names['slotgate-workers'])
    methods.push({ title: method.title, summary: legend === undefined ? table : `${legend}\n\n${table}` })
    details.push(`### ${method.title}\n\n${selected.map(w => workloadTable(w, runsOf(w), names)).join('\n\n')}`)
  }
  const foreign = median(measured.runs.map(r => r.foreignCpuShare))
  const noisy = measured.runs.filter(r => (r.foreignCpuShare ?? 0) > NOISY_SHARE).length
  const notes = [
    ...[...measured.probes.values()].map(p => `Probe of ${PROBE_COMMANDS} commands of 10 keys across slots through slotgate: ${probeLine(p)}.`),
    `Load average (1/5/15 min) at the start: ${loadAtStart}, at the end: ${loadAverages()}; ${availableParallelism()} cores shared by the cluster, the proxies, redis-benchmark and anything else running.`,
    `Other processes used ${foreign === undefined ? '—' : `${(foreign * 100).toFixed(0)}%`} of the CPU during the median run (${noisy} of ${measured.runs.length} runs above ${NOISY_SHARE * 100}%, marked noisy).`
  ]
  const memory = memoryTable({ slotgate: measured.memory.get('slotgate') ?? {}, predixy: measured.memory.get('predixy'), baseline: measured.memory.get('slotgate-baseline') }, CROWD_CLIENTS)
  return { methods, summaries, memory, notes, details: details.join('\n\n') }
}

/** Why a run's figures are not a measurement, if they are not: RESULTS.md says so at the top. */
function caveat (options: BenchOptions, measured: Measured): string | undefined {
  const why: string[] = []
  if (options.rounds < DEFAULT_ROUNDS || options.requests < DEFAULT_REQUESTS) why.push(`${options.rounds} round(s) of ${options.requests.toLocaleString('en-US')} requests, below the default ${DEFAULT_ROUNDS} × ${DEFAULT_REQUESTS.toLocaleString('en-US')}`)
  const foreign = median(measured.runs.map(r => r.foreignCpuShare)) ?? 0
  if (foreign > NOISY_SHARE) why.push(`other processes used ${(foreign * 100).toFixed(0)}% of the CPU in the median run`)
  if (options.predixyBin === undefined) why.push('no predixy in the run, so no goal is judged')
  return why.length === 0 ? undefined : `Smoke run, not a measurement: ${why.join('; ')}.`
}

async function writeQuickComparison (env: Environment, loadAtStart: string, measured: Measured, summaries: WorkloadSummary[]): Promise<void> {
  const memory = measured.memory.get('slotgate')
  const now = quickRecord(env.date, env.slotgateCommit, loadAtStart, summaries, memory?.idle, memory?.crowdUnderLoad)
  const before = await readQuick()
  process.stdout.write(before === undefined
    ? `\n## Regression guard\n\nNo earlier --quick run to compare with: this one is kept in ${QUICK_FILE} for the next.\n`
    : `\n## Regression guard: the previous --quick run and this one\n\n${compareQuick(before, now)}\n`)
  await writeQuick(now)
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
  if (options.predixyBin !== undefined && !isExecutable(options.predixyBin)) {
    process.stderr.write(`PREDIXY_BIN=${options.predixyBin} is not an executable file (bench/README.md says how to build predixy)\n`)
    return 2
  }
  let baseline: Baseline | undefined
  try {
    baseline = options.baseline === undefined ? undefined : findBaseline(options.baseline)
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    return 2
  }
  const started = Date.now()
  const env = describeEnvironment()
  log(`${env.date} | ${env.uname} | nproc ${env.nproc} | node ${env.node} | ${env.redisServer} | slotgate ${env.slotgateCommit}`)
  const loadAtStart = loadAverages()
  if (loadavg()[0] as number > availableParallelism() / 2) log(`WARNING: load average ${loadAtStart} already: other work shares the ${availableParallelism()} cores, expect noisy numbers`)
  const peer = options.predixyBin === undefined ? 'not in this run (PREDIXY_BIN unset, or --quick)' : `${predixyVersion(options.predixyBin)} (${options.predixyBin})`
  log(`${options.rounds} round(s), ${options.requests} requests, methods ${options.methods.map(m => m.id).join(',')}, workloads ${options.workloadIds.join(',')}, targets ${options.targets.join(',')}; predixy: ${peer}; load average ${loadAtStart}`)
  if (baseline !== undefined) log(`baseline: slotgate ${baseline.commit} from ${baseline.cli}, against this checkout's ${env.slotgateCommit}`)
  const names: Record<Target, string> = { ...TARGET_NAMES, 'slotgate-workers': `slotgate --workers ${options.workers}`, 'slotgate-baseline': `baseline ${baseline?.commit ?? ''}`.trim() }
  const setup = new BenchSetup(log)
  const signals = new ToolSignals(log, async () => { await setup.stop() })
  const measured: Measured = { runs: [], probes: new Map(), memory: new Map() }
  let exitCode = 0
  try {
    const targets = await setup.start({ slotgateArgs: options.slotgateArgs, nodeArgs: options.nodeArgs, predixyBin: options.predixyBin, workers: options.workers, baselineCli: baseline?.cli })
    await runAll(targets, options, measured, names)
  } catch (err) {
    if (signals.stopping) return 130
    log(`FATAL: ${(err as Error).stack ?? String(err)}`)
    exitCode = 1
  } finally {
    await setup.stop()
  }
  if (measured.runs.length === 0) return exitCode
  const legend = baseline === undefined ? undefined : baselineLegend(env, baseline)
  const r = report(options, measured, loadAtStart, names, legend)
  const heading = `# slotgate ${env.slotgateCommit}${baseline === undefined ? '' : ` against the baseline ${baseline.commit} (${baseline.dir})`}\n`
  process.stdout.write(`\n${heading}\n## Per workload\n\n${r.details}\n\n${r.methods.map(m => `## ${m.title}\n\n${m.summary}`).join('\n\n')}\n\n## Memory\n\n${r.memory}\n\n${r.notes.map(n => `- ${n}`).join('\n')}\n`)
  if (exitCode !== 0) process.stdout.write('\n(PARTIAL: the bench stopped early, see the FATAL line above)\n')
  if (options.quick && exitCode === 0) await writeQuickComparison(env, loadAtStart, measured, r.summaries)
  if (options.writeResults && exitCode === 0) {
    const command = `node dist/bench/run.js ${process.argv.slice(2).join(' ')}`.trim()
    const peerText = options.predixyBin === undefined ? peer : `${peer}: ${PREDIXY_SETTINGS}`
    log(`wrote ${await writeResults(env, { command, rounds: options.rounds, requests: options.requests, slotgateCommand: ['node', ...options.nodeArgs, 'dist/src/bin/slotgate.js', ...options.slotgateArgs].join(' '), peer: peerText, baseline: baseline === undefined ? undefined : `slotgate ${baseline.commit} (${baseline.cli}), same process arguments`, caveat: caveat(options, measured), methods: r.methods, memory: r.memory, notes: r.notes, details: r.details })}`)
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  return exitCode
}

runMain('bench', main)
