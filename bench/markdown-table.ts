/** Column alignment in a markdown table. */
export type Align = 'left' | 'right'

/**
 * A markdown table with padded columns, readable both in a terminal and rendered.
 * `align` defaults to left for the first column and right for the others (numbers).
 */
export function markdownTable (headers: readonly string[], rows: ReadonlyArray<readonly string[]>, align?: readonly Align[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const alignOf = (i: number): Align => align?.[i] ?? (i === 0 ? 'left' : 'right')
  const cell = (text: string, i: number): string => alignOf(i) === 'left' ? text.padEnd(widths[i] as number) : text.padStart(widths[i] as number)
  const line = (cells: readonly string[]): string => `| ${headers.map((_, i) => cell(cells[i] ?? '', i)).join(' | ')} |`
  const rule = `|${widths.map((w, i) => alignOf(i) === 'left' ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`).join('|')}|`
  return [line(headers), rule, ...rows.map(line)].join('\n')
}
