import { markdownTable } from './markdown-table.js'
import { GC, IDLE, PROGRAM, type Category, type Frame, type FlameNode } from './flame-profile.js'

/** One function's cost over the whole tree, in samples. */
export interface FunctionCost {
  readonly frame: Frame
  /** Samples with the function on top. */
  readonly self: number
  /** Samples with the function anywhere on the stack, counted once per sample even when it recurses. */
  readonly total: number
}

/** Where the samples went, in samples; the categories count self time. */
export interface Shares {
  readonly samples: number
  readonly idle: number
  readonly gc: number
  /** V8's `(program)`: native code outside JS, mostly syscalls and libuv. */
  readonly program: number
  readonly byCategory: Readonly<Record<Exclude<Category, 'special'>, number>>
}

const keyOf = (frame: Frame): string => `${frame.name}\u0000${frame.location}`

/** Self and total samples per function (name + location), over every stack it appears in. */
export function functionCosts (root: FlameNode): FunctionCost[] {
  const costs = new Map<string, { frame: Frame, self: number, total: number }>()
  const onStack = new Map<string, number>()
  const walk = (node: FlameNode): void => {
    const key = keyOf(node.frame)
    let cost = costs.get(key)
    if (cost === undefined) { cost = { frame: node.frame, self: 0, total: 0 }; costs.set(key, cost) }
    cost.self += node.self
    // Only the outermost call on a stack adds its total: the inner ones are inside it already.
    const depth = onStack.get(key) ?? 0
    if (depth === 0) cost.total += node.total
    onStack.set(key, depth + 1)
    for (const child of node.children) walk(child)
    onStack.set(key, depth)
  }
  for (const child of root.children) walk(child)
  return [...costs.values()]
}

/** Idle, GC, program and each category's self samples. */
export function shares (root: FlameNode): Shares {
  const byCategory = { slotgate: 0, dependency: 0, node: 0, native: 0, other: 0 }
  let idle = 0
  let gc = 0
  let program = 0
  for (const cost of functionCosts(root)) {
    const { name, category } = cost.frame
    if (category !== 'special') byCategory[category] += cost.self
    else if (name === IDLE) idle += cost.self
    else if (name === GC) gc += cost.self
    else if (name === PROGRAM) program += cost.self
  }
  return { samples: root.total, idle, gc, program, byCategory }
}

/** `12.3%` of `whole`; `—` when there is nothing to divide by. */
export function percent (part: number, whole: number): string {
  return whole === 0 ? '—' : `${(part / whole * 100).toFixed(1)}%`
}

/** Everything but `(idle)`: the samples in which the process was on a CPU. */
export const busy = (s: Shares): number => s.samples - s.idle

/** Cell text safe inside a markdown table. */
const cell = (text: string): string => text.replace(/\|/g, '\\|')

function topTable (costs: readonly FunctionCost[], samples: number, by: 'self' | 'total', count: number): string {
  const sorted = [...costs].filter(c => c[by] > 0).sort((a, b) => b[by] - a[by] || b.total - a.total).slice(0, count)
  const other = by === 'self' ? 'total' : 'self'
  const rows = sorted.map((c, i) => [String(i + 1), `\`${cell(c.frame.name)}\``, cell(c.frame.location), c.frame.category, String(c[by]), percent(c[by], samples), percent(c[other], samples)])
  return markdownTable(['#', 'function', 'location', 'kind', `${by} samples`, `${by} %`, `${other} %`], rows, ['right', 'left', 'left', 'left', 'right', 'right', 'right'])
}

/** What the summary page shows besides the profile itself. */
export interface SummaryOptions {
  readonly title: string
  /** Rows of the facts table at the top (date, commit, command, throughput ...). */
  readonly facts: ReadonlyArray<readonly [string, string]>
  /** Lines between the facts and the tables (caveats, the raw file's fate). */
  readonly notes?: readonly string[]
  /** Rows of each top table; 25 by default. */
  readonly top?: number
}

/** The markdown page of one profile: facts, shares, and the top functions by self and total time. */
export function summaryMarkdown (root: FlameNode, options: SummaryOptions): string {
  const s = shares(root)
  const costs = functionCosts(root)
  const top = options.top ?? 25
  const share = (label: string, n: number, ofBusy: boolean): string[] => [label, String(n), percent(n, s.samples), ofBusy ? percent(n, busy(s)) : '']
  const shareRows = [
    share('(idle): waiting for I/O', s.idle, false),
    share('(program): native code, syscalls', s.program, true),
    share('(garbage collector)', s.gc, true),
    share('slotgate JS (dist/src), self', s.byCategory.slotgate, true),
    share('node internals (node:), self', s.byCategory.node, true),
    share('dependencies (node_modules), self', s.byCategory.dependency, true),
    share('builtins and native bindings (no script), self', s.byCategory.native, true),
    ...(s.byCategory.other > 0 ? [share('other scripts, self', s.byCategory.other, true)] : [])
  ]
  return [
    `# ${options.title}`,
    '',
    markdownTable(['', ''], options.facts.map(([k, v]) => [k, cell(v)]), ['left', 'left']),
    '',
    ...(options.notes ?? []).map(n => `- ${n}`),
    ...(options.notes !== undefined && options.notes.length > 0 ? [''] : []),
    '## Where the samples went',
    '',
    markdownTable(['', 'samples', '% of all', '% of busy'], shareRows),
    '',
    `## Top ${top} functions by self time`,
    '',
    'Self: samples with the function on top of the stack. Percentages of all samples, idle included.',
    '',
    topTable(costs, s.samples, 'self', top),
    '',
    `## Top ${top} functions by total time`,
    '',
    'Total: samples with the function anywhere on the stack (once per sample, also when it recurses).',
    '',
    topTable(costs, s.samples, 'total', top),
    ''
  ].join('\n')
}
