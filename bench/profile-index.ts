import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { markdownTable } from './markdown-table.js'

/** The headline of one profile, kept inside its `<workload>.md` so the index can be rebuilt from the files alone. */
export interface ProfileIndexEntry {
  readonly workload: string
  readonly title: string
  readonly date: string
  readonly commit: string
  readonly command: string
  /** redis-benchmark's requests per second (under the profiler), when it printed them. */
  readonly rps?: number
  /** Shares of all samples, 0..1. */
  readonly idle: number
  readonly gc: number
  readonly program: number
  /** Self time in slotgate's own JS. */
  readonly slotgate: number
  readonly samples: number
}

const MARKER = /^<!-- profile-index: (.*) -->$/m

/** The HTML comment carrying `entry`, for the first line of a profile's markdown. */
export function indexComment (entry: ProfileIndexEntry): string {
  return `<!-- profile-index: ${JSON.stringify(entry).replaceAll('--', '\\u002d\\u002d')} -->`
}

const pct = (share: number): string => `${(share * 100).toFixed(1)}%`

/**
 * Rewrites `<dir>/README.md`: one row per `<workload>.md` found there, with its date, commit,
 * command, throughput and headline shares.
 */
export async function writeIndex (dir: string): Promise<string> {
  const entries: ProfileIndexEntry[] = []
  for (const name of (await readdir(dir)).filter(n => n.endsWith('.md') && n !== 'README.md').sort()) {
    const match = MARKER.exec(await readFile(join(dir, name), 'utf8'))
    if (match !== null) entries.push(JSON.parse(match[1] as string) as ProfileIndexEntry)
  }
  const rows = entries.map(e => [
    `[${e.workload}](${e.workload}.md)`, e.title, e.date.slice(0, 16).replace('T', ' '), e.commit, `\`${e.command}\``,
    e.rps === undefined ? '—' : Math.round(e.rps).toLocaleString('en-US'), pct(e.idle), pct(e.program), pct(e.gc), pct(e.slotgate),
    `[svg](${e.workload}.svg) · [folded](${e.workload}.folded.txt)`
  ])
  const text = [
    '# slotgate CPU profiles',
    '',
    'Written by `npm run bench:profile -- --workload <id>` (bench/profile.ts; see bench/README.md,',
    '"Profiles and flame graphs"). One profile per workload; a new run replaces that workload\'s files.',
    'ops/s are measured under the profiler (sampling every 100 µs costs throughput): compare them',
    'with each other, not with bench/RESULTS.md. Shares are of all samples taken while',
    'redis-benchmark ran; "slotgate" is self time in slotgate\'s own JS (dist/src).',
    '',
    markdownTable(['workload', 'what', 'date (UTC)', 'commit', 'command', 'ops/s', 'idle', 'program', 'GC', 'slotgate', 'files'], rows,
      ['left', 'left', 'left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'left']),
    ''
  ].join('\n')
  const file = join(dir, 'README.md')
  await writeFile(file, text)
  return file
}
