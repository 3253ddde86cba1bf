import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { loadAverages, REPO_ROOT, sourceCommit } from './environment.js'
import { ProfiledRun, type Capture } from './profile-capture.js'
import { parseProfileOptions, PROFILE_USAGE, type ProfileOptions } from './profile-options.js'
import { writeProfile, type RunFacts } from './profile-write.js'
import { runMain, ToolSignals } from './tool-main.js'

const log = (msg: string): void => { process.stderr.write(`[profile] ${msg}\n`) }

/** A failed redis-benchmark run: its profile would describe something else than the workload. */
function failure (capture: Capture): string | undefined {
  const o = capture.outcome
  if (o.timedOut) return 'redis-benchmark timed out'
  if (o.exitCode !== 0) return `redis-benchmark exited with ${o.exitCode}: ${o.errors.join(' | ') || o.other.join(' | ') || 'no output'}`
  if (o.errors.length > 0) return `redis-benchmark reported errors: ${o.errors.join(' | ')}`
  return undefined
}

function factsOf (options: ProfileOptions, capture: Capture, date: string, loadAtStart: string): RunFacts {
  const o = capture.outcome
  return {
    workload: options.workload.id,
    title: options.workload.title,
    date,
    commit: sourceCommit(),
    command: `node dist/bench/profile.js ${process.argv.slice(2).join(' ')}`.trim(),
    benchCommand: capture.benchArgs.join(' '),
    rps: o.rps,
    latency: o.p50Ms === undefined ? 'no latency figures' : `p50 ${o.p50Ms} ms, p99 ${o.p99Ms} ms`,
    intervalUs: options.intervalUs,
    slotgateExit: capture.slotgateExit,
    slotgateCpu: capture.slotgateCpu,
    mainThread: capture.mainThread,
    load: `${loadAtStart} at the start, ${loadAverages()} at the end (${availableParallelism()} cores)`
  }
}

async function main (): Promise<number> {
  let options: ProfileOptions
  try {
    options = parseProfileOptions(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${PROFILE_USAGE}`)
    return 2
  }
  if (options.help) { process.stdout.write(PROFILE_USAGE); return 0 }
  const date = new Date().toISOString()
  const loadAtStart = loadAverages()
  if (loadavg()[0] as number > availableParallelism() / 2) log(`WARNING: load average ${loadAtStart} already: other work shares the cores, the profile shows more idle time`)
  log(`${options.workload.title} (${options.workload.method.id}), ${options.workload.requests} requests, sampling every ${options.intervalUs} µs`)
  const profileDir = await mkdtemp(join(tmpdir(), 'slotgate-cpuprof-'))
  const run = new ProfiledRun(log)
  const signals = new ToolSignals(log, async () => {
    await run.stop()
    await rm(profileDir, { recursive: true, force: true })
  })
  let capture: Capture
  try {
    capture = await run.capture(options, profileDir)
  } catch (err) {
    if (signals.stopping) return 130
    log(`FATAL: ${(err as Error).stack ?? String(err)}`)
    await rm(profileDir, { recursive: true, force: true })
    return 1
  } finally {
    await run.stop()
  }
  const failed = failure(capture)
  if (failed !== undefined) {
    log(`${failed}; nothing written, the raw profile stays in ${capture.profilePath}`)
    return 1
  }
  log(`${Math.round(capture.outcome.rps ?? 0)} ops/s, p50 ${capture.outcome.p50Ms} ms, p99 ${capture.outcome.p99Ms} ms (under the profiler)`)
  const outDir = resolve(REPO_ROOT, options.outDir)
  const files = await writeProfile(capture.profilePath, options.wholeRun ? undefined : capture.window, factsOf(options, capture, date, loadAtStart), REPO_ROOT, outDir)
  await rm(profileDir, { recursive: true, force: true })
  log(`wrote ${files.map(f => relative(REPO_ROOT, f)).join(', ')}; flame graph: npx speedscope ${relative(REPO_ROOT, files[1] as string)}`)
  return 0
}

runMain('profile', main)
