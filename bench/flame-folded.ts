import type { Frame, FlameNode } from './flame-profile.js'

/** A frame as one element of a folded stack: `name (file:line)`, never containing `;`. */
export function frameLabel (frame: Frame): string {
  const label = frame.location === '' ? frame.name : `${frame.name} (${frame.location})`
  // `;` separates frames and a newline ends the line in the folded format.
  return label.replace(/[;\r\n]/g, '_')
}

/**
 * Brendan Gregg's folded stacks: one line `root;caller;callee N` per distinct stack with N > 0
 * samples on top, root first; the synthetic `all` root is left out. Readable by flamegraph.pl,
 * speedscope and inferno, and diffable between runs.
 */
export function foldedStacks (root: FlameNode): string {
  const lines: string[] = []
  const walk = (node: FlameNode, path: string): void => {
    if (node.self > 0) lines.push(`${path} ${node.self}`)
    for (const child of node.children) walk(child, `${path};${frameLabel(child.frame)}`)
  }
  if (root.self > 0) lines.push(`${frameLabel(root.frame)} ${root.self}`)
  for (const child of root.children) walk(child, frameLabel(child.frame))
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`
}
