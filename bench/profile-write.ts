import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
// flamebearer calls Map.groupBy, which Node has from 21 on; core-js supplies it on Node 20.
import 'core-js/actual/map/group-by.js'
import { formatReport, parseInput } from 'flamebearer'
import { markdownTable } from './markdown-table.js'

/** The parts of node's `.cpuprofile` (Chrome DevTools `Profiler.Profile`) the window cut touches; times in µs. */
export interface CpuProfile {
  readonly nodes: readonly unknown[]
  readonly startTime: number
  readonly endTime: number
  /** Id of the top node of each sample, in time order. */
  readonly samples: readonly number[]
  /** µs between samples; the first one is relative to `startTime`. */
  readonly timeDeltas: readonly number[]
}

/** Samples between these monotonic timestamps (µs, the clock of `startTime`) are kept. */
export interface SampleWindow {
  readonly fromUs: number
  readonly toUs: number
}

/**
 * The profile with only the samples taken inside `window`, starting at the window's first sample,
 * so every viewer and summary shows the load alone (not startup, the key fill or shutdown).
 * Nodes are kept whole (the ids the samples name); undefined when no sample falls inside.
 */
export function cutToWindow (profile: CpuProfile, window: SampleWindow): CpuProfile | undefined {
  const samples: number[] = []
  const timeDeltas: number[] = []
  let time = profile.startTime
  let last: number | undefined
  let first: number | undefined
  profile.samples.forEach((id, i) => {
    time += profile.timeDeltas[i] ?? 0
    if (time < window.fromUs || time > window.toUs) return
    first ??= time
    samples.push(id)
    timeDeltas.push(last === undefined ? 0 : time - last)
    last = time
  })
  if (first === undefined || last === undefined) return undefined
  return { ...profile, startTime: first, endTime: last, samples, timeDeltas }
}

/** What the page says about the run besides the profile. */
export interface RunFacts {
  readonly workload: string
  readonly title: string
  readonly date: string
  readonly commit: string
  readonly command: string
  readonly benchCommand: string
  readonly rps?: number
  /** `p50 0.9 ms, p99 3.1 ms`, or why there are none. */
  readonly latency: string
  readonly intervalUs: number
  readonly slotgateExit: string
  readonly slotgateCpu: string
  readonly mainThread: string
  readonly load: string
}

/** Rows of flamebearer's Top CPU list on the page. */
const TOP = 30

/**
 * Writes `<outDir>/<id>.cpuprofile` (the samples of `window`, or all of them without one: open
 * it in speedscope for the flame graph) and `<outDir>/<id>.md`: the run's facts and flamebearer's
 * summary of the profile (heaviest stacks, top functions by self time, hot lines), with slotgate's
 * frames mapped to its TypeScript sources. Returns the files written.
 */
export async function writeProfile (profilePath: string, window: SampleWindow | undefined, facts: RunFacts, repoRoot: string, outDir: string): Promise<string[]> {
  const whole = JSON.parse(await readFile(profilePath, 'utf8')) as CpuProfile
  const notes: string[] = []
  let profile = whole
  if (window !== undefined) {
    const cut = cutToWindow(whole, window)
    if (cut === undefined) notes.push('No sample falls inside the redis-benchmark run (clock mismatch?): the whole profile is kept.')
    else profile = cut
  }
  const span = (profile.endTime - profile.startTime) / 1e6
  notes.push(profile === whole
    ? `Every sample of the profile is kept: startup, key fill and shutdown included (${whole.samples.length} samples over ${span.toFixed(1)} s).`
    : `Only the ${profile.samples.length} samples taken while redis-benchmark ran are kept (${span.toFixed(1)} s; the whole profile had ${whole.samples.length}). The per-line counts V8 keeps per function (flamebearer's "Hot lines") cover the whole profile.`)
  notes.push('Samples are wall-clock: while the main thread waits for a core (schedstat row) its samples go to what it last ran, mostly `writeBuffer` and `(idle)`; weigh them against the /proc rows. flamebearer counts `(program)` as idle.')
  await mkdir(outDir, { recursive: true })
  const id = facts.workload
  const raw = join(outDir, `${id}.cpuprofile`)
  const text = JSON.stringify(profile)
  await writeFile(raw, text)
  // The checkout's path means nothing on another machine.
  const summary = formatReport(parseInput(Buffer.from(text), raw), { top: TOP, color: false })
    .replaceAll(pathToFileURL(repoRoot).href, '<repository>')
    .replaceAll(repoRoot, '<repository>')
  const rps = facts.rps === undefined ? 'no result' : `${Math.round(facts.rps).toLocaleString('en-US')} ops/s`
  const rel = relative(repoRoot, raw)
  const page = [
    `# CPU profile: ${facts.title} (\`${id}\`)`,
    '',
    markdownTable(['', ''], [
      ['date (UTC)', facts.date],
      ['commit', facts.commit],
      ['command', `\`${facts.command}\``],
      ['workload', `\`redis-benchmark --csv ${facts.benchCommand}\``],
      ['throughput (under the profiler)', `${rps}, ${facts.latency}`],
      ['profiler', `node ${process.version} --cpu-prof --cpu-prof-interval ${facts.intervalUs} (µs); ${profile.samples.length} samples in ${span.toFixed(1)} s`],
      ['slotgate CPU during the run (/proc, all threads)', facts.slotgateCpu],
      ['main thread during the run (/proc schedstat)', facts.mainThread],
      ['slotgate', facts.slotgateExit],
      ['load average', facts.load],
      ['flame graph', `\`npx speedscope ${rel}\` (offline; the .cpuprofile is not committed: rerun to get it)`]
    ].map(([k, v]) => [k as string, (v as string).replace(/\|/g, '\\|')]), ['left', 'left']),
    '',
    ...notes.map(n => `- ${n}`),
    '',
    '## Summary (flamebearer)',
    '',
    `\`npm run bench:summary -- ${rel} --stacks <function>\` drills into one function (flamebearer; the script supplies Map.groupBy on Node 20).`,
    '',
    '```text',
    summary.trimEnd(),
    '```',
    ''
  ].join('\n')
  const md = join(outDir, `${id}.md`)
  await writeFile(md, page)
  return [md, raw]
}
