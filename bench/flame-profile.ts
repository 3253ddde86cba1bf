/** One function as V8's `.cpuprofile` names it (Chrome DevTools protocol `Runtime.CallFrame`). */
export interface CallFrame {
  readonly functionName: string
  /** `file:///...`, `node:net`, or empty for builtins, native bindings and the special nodes. */
  readonly url: string
  /** 0-based line and column of the function's start. */
  readonly lineNumber: number
  readonly columnNumber?: number
  readonly scriptId?: string | number
}

/** One node of the profile's call tree (`Profiler.ProfileNode`). */
export interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  /** Samples whose top frame was this node. */
  readonly hitCount?: number
  readonly children?: readonly number[]
}

/** A `.cpuprofile` as node's `--cpu-prof` writes it (`Profiler.Profile`); times in µs. */
export interface CpuProfile {
  /** The first one is the root. */
  readonly nodes: readonly ProfileNode[]
  readonly startTime: number
  readonly endTime: number
  /** Id of the top node of each sample, in time order. */
  readonly samples?: readonly number[]
  /** µs between samples; the first one is relative to `startTime`. */
  readonly timeDeltas?: readonly number[]
}

/** Who a frame's code belongs to, for colours and shares. */
export type Category = 'slotgate' | 'dependency' | 'node' | 'native' | 'other' | 'special'

/** A function as shown: name, `file:line` and category. */
export interface Frame {
  readonly name: string
  /** `src/x.ts:12`, `node:net:320`, or empty when V8 gives no script (builtins, natives). */
  readonly location: string
  readonly category: Category
}

/** A node of the merged call tree: one per distinct stack. Counts in samples. */
export interface FlameNode {
  readonly frame: Frame
  /** Samples with this node on top. */
  readonly self: number
  /** Samples with this node anywhere on the stack: self plus the children's totals. */
  readonly total: number
  /** Sorted by name, then location (flamegraph.pl's order: the same stacks line up across profiles). */
  readonly children: readonly FlameNode[]
}

/** Turns a call frame into `file:line` (see profile-locate.ts for paths and source maps). */
export type Locate = (frame: CallFrame) => string

/** Samples between these monotonic timestamps (µs, the clock of `startTime`) are counted. */
export interface SampleWindow {
  readonly fromUs: number
  readonly toUs: number
}

/** The V8 pseudo-functions: everything that is not JavaScript on the stack. */
export const ROOT = '(root)'
export const IDLE = '(idle)'
export const GC = '(garbage collector)'
export const PROGRAM = '(program)'
const SPECIALS = new Set([ROOT, IDLE, GC, PROGRAM])

/** Category by script URL; slotgate's own code is what the compiler put under dist/src. */
export function categorize (frame: CallFrame): Category {
  if (frame.url === '') return SPECIALS.has(frame.functionName) ? 'special' : 'native'
  if (frame.url.startsWith('node:')) return 'node'
  if (frame.url.includes('/node_modules/')) return 'dependency'
  if (frame.url.includes('/dist/src/')) return 'slotgate'
  return 'other'
}

/**
 * Samples per profile node: from `samples` (restricted to `window` when given, with each
 * sample's time rebuilt from `timeDeltas`), or from `hitCount` when the profile has no samples.
 */
function countSamples (profile: CpuProfile, window?: SampleWindow): Map<number, number> {
  const counts = new Map<number, number>()
  const { samples, timeDeltas } = profile
  if (samples === undefined || samples.length === 0) {
    for (const node of profile.nodes) counts.set(node.id, node.hitCount ?? 0)
    return counts
  }
  let time = profile.startTime
  samples.forEach((id, i) => {
    time += timeDeltas?.[i] ?? 0
    if (window !== undefined && (time < window.fromUs || time > window.toUs)) return
    counts.set(id, (counts.get(id) ?? 0) + 1)
  })
  return counts
}

interface Building {
  readonly frame: Frame
  self: number
  readonly children: Map<string, Building>
}

const keyOf = (frame: Frame): string => `${frame.name}\u0000${frame.location}`

// Code-unit order, not localeCompare: the same output on every machine.
const compare = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0

function finish (node: Building): FlameNode {
  const children = [...node.children.values()].map(finish).filter(c => c.total > 0)
    .sort((a, b) => compare(a.frame.name, b.frame.name) || compare(a.frame.location, b.frame.location))
  return { frame: node.frame, self: node.self, total: children.reduce((sum, c) => sum + c.total, node.self), children }
}

/**
 * Builds the call tree of the samples (in `window`, or all), merging sibling nodes of the
 * same function: V8 keeps one node per code object, so a function that was optimized during
 * the run appears twice under the same caller.
 */
export function buildCallTree (profile: CpuProfile, locate: Locate, window?: SampleWindow): FlameNode {
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  const counts = countSamples(profile, window)
  const frameOf = (call: CallFrame): Frame => ({ name: call.functionName === '' ? '(anonymous)' : call.functionName, location: locate(call), category: categorize(call) })
  const rootNode = profile.nodes[0]
  if (rootNode === undefined) throw new Error('the profile has no nodes')
  const root: Building = { frame: { name: 'all', location: '', category: 'special' }, self: counts.get(rootNode.id) ?? 0, children: new Map() }
  const add = (node: ProfileNode, parent: Building): void => {
    const frame = frameOf(node.callFrame)
    let into = parent.children.get(keyOf(frame))
    if (into === undefined) { into = { frame, self: 0, children: new Map() }; parent.children.set(keyOf(frame), into) }
    into.self += counts.get(node.id) ?? 0
    for (const id of node.children ?? []) {
      const child = byId.get(id)
      if (child !== undefined) add(child, into)
    }
  }
  for (const id of rootNode.children ?? []) {
    const child = byId.get(id)
    if (child !== undefined) add(child, root)
  }
  return finish(root)
}

/** The profile's sampling span in µs, clipped to `window`. */
export function spanUs (profile: CpuProfile, window?: SampleWindow): number {
  if (window === undefined) return profile.endTime - profile.startTime
  return Math.max(0, Math.min(profile.endTime, window.toUs) - Math.max(profile.startTime, window.fromUs))
}
