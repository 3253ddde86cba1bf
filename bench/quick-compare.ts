import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { REPO_ROOT } from './environment.js'
import { markdownTable } from './markdown-table.js'
import type { WorkloadSummary } from './report.js'

/** Where `--quick` keeps its last run (bench/.gitignore leaves it out of git). */
export const QUICK_FILE = join(REPO_ROOT, 'bench', '.quick', 'last.json')

/** What a regression-guard run keeps of itself, to compare the next one with. */
export interface QuickRecord {
  readonly date: string
  readonly commit: string
  readonly load: string
  readonly rows: ReadonlyArray<{
    readonly workload: string
    readonly cpuMicros?: number
    readonly ratio?: number
    readonly p50?: number
  }>
  readonly idleRssKib?: number
  readonly crowdRssKib?: number
}

/** The record of a run from its summaries. */
export function quickRecord (date: string, commit: string, load: string, summaries: readonly WorkloadSummary[], idleRssKib?: number, crowdRssKib?: number): QuickRecord {
  return {
    date,
    commit,
    load,
    rows: summaries.map(m => {
      const s = m.targets.get('slotgate')
      return { workload: m.workload.title, cpuMicros: s?.cpuMicros, ratio: s?.ratio, p50: s?.p50 }
    }),
    idleRssKib,
    crowdRssKib
  }
}

const change = (before: number | undefined, now: number | undefined, digits: number): string => {
  if (now === undefined) return '—'
  if (before === undefined) return now.toFixed(digits)
  const delta = before === 0 ? '' : ` (${now >= before ? '+' : ''}${((now / before - 1) * 100).toFixed(0)}%)`
  return `${before.toFixed(digits)} → ${now.toFixed(digits)}${delta}`
}

/** The previous run beside this one: CPU µs/req, slotgate/direct, p50 and RSS, with changes in %. */
export function compareQuick (before: QuickRecord, now: QuickRecord): string {
  const rows = now.rows.map(r => {
    const b = before.rows.find(x => x.workload === r.workload)
    return [r.workload, change(b?.cpuMicros, r.cpuMicros, 1), change(b?.ratio, r.ratio, 2), change(b?.p50, r.p50, 3)]
  })
  const mib = (kib: number | undefined): number | undefined => kib === undefined ? undefined : kib / 1024
  return [
    `Before: ${before.commit} at ${before.date} (load ${before.load}); now: ${now.commit} at ${now.date} (load ${now.load}).`,
    '',
    markdownTable(['workload', 'slotgate CPU µs/req', 'slotgate/direct', 'slotgate p50 ms'], rows),
    '',
    `slotgate RSS, MiB: idle ${change(mib(before.idleRssKib), mib(now.idleRssKib), 1)}; 1,000 clients under load ${change(mib(before.crowdRssKib), mib(now.crowdRssKib), 1)}.`
  ].join('\n')
}

/** The previous run's record, if there is a readable one. */
export async function readQuick (file = QUICK_FILE): Promise<QuickRecord | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as QuickRecord
  } catch (err) {
    // None yet (first run), or written by an older layout: there is nothing to compare with.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return undefined
    throw err
  }
}

/** Keeps this run for the next comparison. */
export async function writeQuick (record: QuickRecord, file = QUICK_FILE): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, `${JSON.stringify(record, null, 2)}\n`)
}
