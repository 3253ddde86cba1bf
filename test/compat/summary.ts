import type { TclOutcome } from './parse-tcl-output.js'

/** How the tclsh process for one file ended, as the runner saw it. */
export interface RunEnd {
  /** Killed by the runner's per-file time limit. */
  readonly timedOut: boolean
  readonly exitCode: number | null
  readonly signal: string | null
  readonly durationMs: number
}

/** One file's result. */
export interface FileResult {
  readonly file: string
  readonly outcome: TclOutcome
  readonly end: RunEnd
  /** Why the file did not run to its end, or null when it did. */
  readonly abortReason: string | null
  /** What the runner had to repair after this file (a busy script killed, a restart...). */
  readonly repairs: readonly string[]
}

/** Sums over files. */
export interface Totals {
  readonly files: number
  readonly ok: number
  readonly err: number
  readonly exception: number
  readonly aborted: number
  readonly ignored: number
}

const MAX_REASON = 70

/** Why a file stopped before its end (first reason that applies), or null when it ran through. */
export function abortReason (outcome: TclOutcome, end: RunEnd, limitSeconds: number): string | null {
  if (end.timedOut) return `killed after the ${limitSeconds} s limit`
  if (outcome.exception > 0) {
    const first = outcome.exceptions[0]
    const message = first.detail.split('\n')[0]
    return `exception${first.test !== '?' ? ` in "${first.test}"` : ''}: ${message}`
  }
  if (outcome.suiteTimeout) return 'the suite\'s own timeout fired'
  if (outcome.killedServers > 0) return 'the suite aborted and killed its servers'
  if (!outcome.done) return `tclsh ended (${end.signal ?? `exit code ${String(end.exitCode)}`}) before the end of the file`
  return null
}

/** Sums a run's results. */
export function totals (results: readonly FileResult[]): Totals {
  return {
    files: results.length,
    ok: results.reduce((n, r) => n + r.outcome.ok, 0),
    err: results.reduce((n, r) => n + r.outcome.err, 0),
    exception: results.reduce((n, r) => n + r.outcome.exception, 0),
    aborted: results.filter(r => r.abortReason !== null).length,
    ignored: results.reduce((n, r) => n + r.outcome.ignored + r.outcome.skipped, 0)
  }
}

function cell (text: string): string {
  const flat = text.replace(/\s+/g, ' ').replace(/\|/g, '\\|')
  return flat.length > MAX_REASON ? `${flat.slice(0, MAX_REASON - 1)}…` : flat
}

/**
 * The per-file table and a total line, as Markdown (readable as it is in a terminal, and pasted
 * as it is into docs/compat.md). `aborted` is `yes` when the file did not run to its end; the
 * note says why, and what the runner repaired afterwards.
 */
export function formatTable (results: readonly FileResult[]): string {
  const rows = [
    ['file', 'ok', 'err', 'exception', 'aborted', 'skipped', 'seconds', 'note'],
    ['---', '--:', '--:', '--:', '---', '--:', '--:', '---']
  ]
  for (const r of results) {
    const note = [r.abortReason === null ? '' : cell(r.abortReason), r.repairs.length > 0 ? `${r.repairs.length} repair(s) after` : ''].filter(s => s !== '').join('; ')
    rows.push([
      r.file, String(r.outcome.ok), String(r.outcome.err), String(r.outcome.exception),
      r.abortReason === null ? 'no' : 'yes', String(r.outcome.ignored + r.outcome.skipped),
      (r.end.durationMs / 1000).toFixed(0), note
    ])
  }
  const t = totals(results)
  rows.push([`**total** (${t.files} files)`, String(t.ok), String(t.err), String(t.exception), String(t.aborted), String(t.ignored), '', ''])
  const widths = rows[0].map((_, c) => Math.max(...rows.filter((_, i) => i !== 1).map(row => row[c].length), 3))
  return rows.map((row, i) => {
    const cells = row.map((text, c) => {
      if (i === 1) return text.startsWith('--:') ? `${'-'.repeat(widths[c] - 1)}:` : '-'.repeat(widths[c])
      // Counts right-aligned, as the separator row says.
      return rows[1][c] === '--:' && i !== 0 ? text.padStart(widths[c]) : text.padEnd(widths[c])
    })
    return `| ${cells.join(' | ')} |`
  }).join('\n')
}

/** The failures of a run, file by file (the test's name and the first line of what failed), and the repairs after each file. */
export function formatFailures (results: readonly FileResult[]): string {
  const out: string[] = []
  for (const r of results) {
    const items = [...r.outcome.failures.map(f => ({ kind: 'err', ...f })), ...r.outcome.exceptions.map(f => ({ kind: 'exception', ...f }))]
    if (items.length === 0 && r.repairs.length === 0) continue
    out.push(`${r.file}:`)
    for (const item of items) out.push(`  [${item.kind}] ${item.test}: ${item.detail.split('\n')[0]}`)
    for (const repair of r.repairs) out.push(`  [repaired after] ${repair}`)
  }
  return out.join('\n')
}
