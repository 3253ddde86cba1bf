import { GC, IDLE, PROGRAM, type Category, type FlameNode } from './flame-profile.js'
import { frameLabel } from './flame-folded.js'
import { percent } from './flame-summary.js'

/** Layout of the picture. */
export interface SvgOptions {
  readonly title: string
  /** A second line under the title (workload, samples, date). */
  readonly subtitle?: string
  /** Total width in px; 1200 by default. */
  readonly width?: number
  /** Frames narrower than this many px are not drawn (nor their children); 0.1 by default. */
  readonly minWidthPx?: number
}

const FRAME_HEIGHT = 16
const FONT_SIZE = 11
/** Width of one character of the monospace font at FONT_SIZE, to decide how much text fits. */
const CHAR_WIDTH = 6.6
const PAD = 10
const HEADER = 62

const escapeXml = (text: string): string => text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)

/** A small stable hash, so a function keeps its shade from one profile to the next. */
function hash (text: string): number {
  let h = 2166136261
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
  return (h >>> 0) / 4294967296
}

/** Hue ranges by category (warm: ours; blue: node; yellow: deps; green: builtins); shade by name. */
const HUES: Record<Exclude<Category, 'special'>, readonly [number, number]> = { slotgate: [4, 26], node: [190, 212], dependency: [42, 56], native: [95, 120], other: [320, 335] }
const SPECIAL_FILLS = new Map([[GC, 'hsl(290,45%,65%)'], [PROGRAM, 'hsl(0,0%,62%)'], [IDLE, 'hsl(0,0%,86%)']])
const ROOT_FILL = 'hsl(0,0%,75%)'

const LEGEND: ReadonlyArray<readonly [string, string]> = [
  ['slotgate (dist/src)', 'hsl(14,85%,60%)'],
  ['node internals (node:)', 'hsl(200,75%,60%)'],
  ['dependencies (node_modules)', 'hsl(48,75%,60%)'],
  ['builtins / native (no script)', 'hsl(108,75%,60%)'],
  ...[...SPECIAL_FILLS].map(([name, fill]) => [name, fill] as const)
]

function colour (node: FlameNode): string {
  const { name, category } = node.frame
  if (category === 'special') return SPECIAL_FILLS.get(name) ?? ROOT_FILL
  const [from, to] = HUES[category]
  const shade = hash(name)
  return `hsl(${Math.round(from + (to - from) * shade)},${Math.round(65 + 20 * shade)}%,${Math.round(55 + 10 * hash(`${name}.`))}%)`
}

/** Text that fits `widthPx`, cut with `..` like flamegraph.pl; empty when not even 3 characters fit. */
function fitText (text: string, widthPx: number): string {
  const fits = Math.floor((widthPx - 6) / CHAR_WIDTH)
  if (fits < 3) return ''
  return text.length <= fits ? text : `${text.slice(0, fits - 2)}..`
}

function depthOf (node: FlameNode, scale: number, minWidth: number): number {
  let deepest = 0
  for (const child of node.children) if (child.total * scale >= minWidth) deepest = Math.max(deepest, 1 + depthOf(child, scale, minWidth))
  return deepest
}

/**
 * A standalone flame graph: one rect per stack frame, width ∝ samples, the root at the
 * bottom and callees stacked on top; the function, its file:line and its samples in a
 * `<title>` tooltip, and as text where it fits. No script: it opens in any browser or viewer.
 */
export function flameGraphSvg (root: FlameNode, options: SvgOptions): string {
  const width = options.width ?? 1200
  const minWidth = options.minWidthPx ?? 0.1
  const scale = root.total === 0 ? 0 : (width - 2 * PAD) / root.total
  const depth = depthOf(root, scale, minWidth)
  const height = HEADER + (depth + 1) * FRAME_HEIGHT + 2 * PAD
  const frames: string[] = []
  let hidden = 0
  const draw = (node: FlameNode, x: number, level: number): void => {
    const w = node.total * scale
    const y = height - PAD - (level + 1) * FRAME_HEIGHT
    const label = level === 0 ? `all (${node.total} samples)` : frameLabel(node.frame)
    const tip = `${label}\n${node.total} samples (${percent(node.total, root.total)}), self ${node.self} (${percent(node.self, root.total)})`
    const text = fitText(label, w)
    frames.push(`<g><title>${escapeXml(tip)}</title><rect class="frame" x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${FRAME_HEIGHT - 1}" fill="${colour(node)}" rx="2"/>` +
      (text === '' ? '' : `<text x="${(x + 3).toFixed(2)}" y="${y + FRAME_HEIGHT - 4}">${escapeXml(text)}</text>`) + '</g>')
    let childX = x
    for (const child of node.children) {
      if (child.total * scale >= minWidth) draw(child, childX, level + 1)
      else hidden++
      childX += child.total * scale
    }
  }
  if (root.total > 0) draw(root, PAD, 0)
  let legendX = PAD
  const legend = LEGEND.map(([name, fill]) => {
    const x = legendX
    legendX += 30 + name.length * CHAR_WIDTH
    return `<rect x="${x.toFixed(0)}" y="44" width="12" height="12" fill="${fill}"/><text x="${(x + 16).toFixed(0)}" y="54">${escapeXml(name)}</text>`
  })
  const note = hidden === 0 ? '' : `; ${hidden} frame(s) narrower than ${minWidth} px not drawn`
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace,Menlo,Consolas,monospace" font-size="${FONT_SIZE}">`,
    '<rect width="100%" height="100%" fill="#fdfdf8"/>',
    `<text x="${width / 2}" y="20" font-size="15" text-anchor="middle">${escapeXml(options.title)}</text>`,
    `<text x="${width / 2}" y="36" fill="#555" text-anchor="middle">${escapeXml(`${options.subtitle ?? ''}${note}`)}</text>`,
    ...legend,
    ...frames,
    '</svg>',
    ''
  ].join('\n')
}
