import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { foldedStacks } from './flame-folded.js'
import { buildCallTree, spanUs, type CpuProfile, type SampleWindow } from './flame-profile.js'
import { shares, summaryMarkdown } from './flame-summary.js'
import { flameGraphSvg } from './flame-svg.js'
import { indexComment, writeIndex, type ProfileIndexEntry } from './profile-index.js'
import { locator } from './profile-locate.js'

/** Raw profiles at or above this size are gzipped, and dropped if still that big. */
export const RAW_LIMIT_BYTES = 5 * 1024 * 1024

/** What the pages say about the run besides the profile. */
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

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`

/** Keeps the raw profile as `<id>.cpuprofile` when small, else gzipped or not at all; says which. */
async function keepRaw (raw: Buffer, outDir: string, id: string): Promise<{ note: string, file?: string }> {
  const plain = join(outDir, `${id}.cpuprofile`)
  const gz = `${plain}.gz`
  await rm(plain, { force: true })
  await rm(gz, { force: true })
  if (raw.length < RAW_LIMIT_BYTES) {
    await writeFile(plain, raw)
    return { file: plain, note: `raw profile: \`${id}.cpuprofile\` (${mib(raw.length)}; opens in Chrome DevTools, VS Code or speedscope)` }
  }
  const packed = gzipSync(raw, { level: 9 })
  if (packed.length < RAW_LIMIT_BYTES) {
    await writeFile(gz, packed)
    return { file: gz, note: `raw profile: \`${id}.cpuprofile.gz\` (${mib(raw.length)}, gzipped to ${mib(packed.length)}: gunzip before opening)` }
  }
  return { note: `raw profile dropped: ${mib(raw.length)}, still ${mib(packed.length)} gzipped (limit ${mib(RAW_LIMIT_BYTES)}); rerun with fewer --requests to keep one` }
}

/**
 * Turns the `.cpuprofile` at `profilePath` into `<outDir>/<id>.svg`, `.folded.txt`, `.md` and
 * the raw profile (see keepRaw), then rebuilds `<outDir>/README.md`. Returns the files written.
 */
export async function writeProfile (profilePath: string, window: SampleWindow | undefined, facts: RunFacts, repoRoot: string, outDir: string): Promise<string[]> {
  const raw = await readFile(profilePath)
  const profile = JSON.parse(raw.toString('utf8')) as CpuProfile
  const notes: string[] = []
  let used = window
  if (used !== undefined && spanUs(profile, used) <= 0) {
    notes.push('The redis-benchmark run does not overlap the profile\'s time span (clock mismatch?): every sample is counted.')
    used = undefined
  }
  const tree = buildCallTree(profile, locator(repoRoot), used)
  if (tree.total === 0) throw new Error(`no samples in ${profilePath}${used === undefined ? '' : ' while redis-benchmark ran'}`)
  const all = profile.samples?.length ?? 0
  const span = spanUs(profile, used) / 1e6
  const s = shares(tree)
  await mkdir(outDir, { recursive: true })
  const id = facts.workload
  notes.push(used === undefined
    ? `Every sample of the profile is counted: startup, key fill and shutdown included (${all} samples over ${span.toFixed(1)} s).`
    : `Only the ${tree.total} samples taken while redis-benchmark ran are counted (${span.toFixed(1)} s; the whole profile has ${all}, startup and shutdown included).`)
  notes.push('Samples are wall-clock: while the main thread waits for a core (schedstat row) its samples go to what it last ran, mostly `writeBuffer` and `(idle)`; weigh them against the /proc rows.')
  const kept = await keepRaw(raw, outDir, id)
  notes.push(kept.note)
  const entry: ProfileIndexEntry = {
    workload: id,
    title: facts.title,
    date: facts.date,
    commit: facts.commit,
    command: facts.command,
    rps: facts.rps,
    idle: s.idle / s.samples,
    gc: s.gc / s.samples,
    program: s.program / s.samples,
    slotgate: s.byCategory.slotgate / s.samples,
    samples: s.samples
  }
  const rps = facts.rps === undefined ? 'no result' : `${Math.round(facts.rps).toLocaleString('en-US')} ops/s`
  const summary = summaryMarkdown(tree, {
    title: `CPU profile: ${facts.title} (\`${id}\`)`,
    facts: [
      ['date (UTC)', facts.date],
      ['commit', facts.commit],
      ['command', `\`${facts.command}\``],
      ['workload', `\`redis-benchmark --csv ${facts.benchCommand}\``],
      ['throughput (under the profiler)', `${rps}, ${facts.latency}`],
      ['profiler', `node ${process.version} --cpu-prof --cpu-prof-interval ${facts.intervalUs} (µs); ${tree.total} samples in ${span.toFixed(1)} s, one per ${tree.total === 0 ? '—' : (span * 1e6 / tree.total).toFixed(0)} µs on average`],
      ['slotgate CPU during the run (/proc, all threads)', facts.slotgateCpu],
      ['main thread during the run (/proc schedstat)', facts.mainThread],
      ['slotgate', facts.slotgateExit],
      ['load average', facts.load],
      ['files', `[flame graph](${id}.svg), [folded stacks](${id}.folded.txt)`]
    ],
    notes
  })
  const files = [join(outDir, `${id}.md`), join(outDir, `${id}.svg`), join(outDir, `${id}.folded.txt`)]
  await writeFile(files[0] as string, `${indexComment(entry)}\n${summary}`)
  await writeFile(files[1] as string, flameGraphSvg(tree, { title: `slotgate CPU: ${facts.title}`, subtitle: `${tree.total} samples over ${span.toFixed(1)} s · ${rps} · ${facts.commit} · ${facts.date.slice(0, 16).replace('T', ' ')} UTC` }))
  await writeFile(files[2] as string, foldedStacks(tree))
  if (kept.file !== undefined) files.push(kept.file)
  files.push(await writeIndex(outDir))
  return files
}
