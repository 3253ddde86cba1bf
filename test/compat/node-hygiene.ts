import { nodeCommand } from '../harness/node-command.js'

/** A node the runner cleans between files. */
export interface NodeRef {
  readonly host: string
  readonly port: number
}

/** Thrown when a node can't be brought back to a usable state; the target restarts then. */
export class NodeBrokenError extends Error {
  readonly code = 'SLOTGATE_ERR_COMPAT_NODE_BROKEN'
}

// A node running a script answers nothing until busy-reply-threshold (5 s by default) has
// passed, then -BUSY; give it that long and the kill some time to take effect.
const UNBUSY_TIMEOUT_MS = 15_000

function address (node: NodeRef): string {
  return `${node.host}:${node.port}`
}

async function tryCommand (node: NodeRef, ...args: string[]): Promise<string> {
  try {
    return String(await nodeCommand(node.host, node.port, ...args))
  } catch (err) {
    return (err as Error).message
  }
}

/**
 * Makes sure `node` answers PING. A node still running a script or function that a test left
 * behind answers nothing for a while, then `-BUSY`: SCRIPT KILL, then FUNCTION KILL, straight
 * at the node (through slotgate they would queue behind the script). Returns what was done,
 * empty when nothing was needed; throws `NodeBrokenError` when the node stays busy (a script
 * that already wrote can only be ended by SHUTDOWN NOSAVE) or silent.
 */
export async function unbusy (node: NodeRef, timeoutMs = UNBUSY_TIMEOUT_MS): Promise<string[]> {
  const deadline = Date.now() + timeoutMs
  let killed: string | undefined
  let first = true
  for (;;) {
    const reply = await tryCommand(node, 'PING')
    if (reply === 'PONG') return first ? [] : [`${killed === undefined ? 'silent' : 'BUSY'} ${address(node)} answers again${killed ?? ''}`]
    first = false
    if (reply.includes('BUSY') && killed === undefined) {
      const script = await tryCommand(node, 'SCRIPT', 'KILL')
      const fn = script === 'OK' ? 'not tried' : await tryCommand(node, 'FUNCTION', 'KILL')
      killed = ` (SCRIPT KILL: ${script}; FUNCTION KILL: ${fn})`
    }
    if (Date.now() > deadline) throw new NodeBrokenError(`${address(node)} does not answer PING after ${timeoutMs} ms${killed ?? ''}: ${reply}`)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

/** A node's whole configuration, from `CONFIG GET *`. */
export async function readConfig (node: NodeRef): Promise<Map<string, string>> {
  const flat = await nodeCommand(node.host, node.port, 'CONFIG', 'GET', '*') as unknown[]
  const config = new Map<string, string>()
  for (let i = 0; i + 1 < flat.length; i += 2) config.set(String(flat[i]), String(flat[i + 1]))
  return config
}

/** Parameters whose value in `now` differs from `baseline`, sorted. */
export function configDrift (baseline: ReadonlyMap<string, string>, now: ReadonlyMap<string, string>): string[] {
  return [...baseline].filter(([key, value]) => now.has(key) && now.get(key) !== value).map(([key]) => key).sort()
}

/**
 * Sets back every parameter a file changed with CONFIG SET and left so (the suite restores its
 * overrides only when a test group ends normally). Returns the parameters reset, and those that
 * could not be with the node's error.
 */
export async function restoreConfig (node: NodeRef, baseline: ReadonlyMap<string, string>): Promise<{ reset: string[], failed: string[] }> {
  const drift = configDrift(baseline, await readConfig(node))
  const failed: string[] = []
  for (const key of drift) {
    const reply = await tryCommand(node, 'CONFIG', 'SET', key, baseline.get(key) as string)
    if (reply !== 'OK') failed.push(`${key} on ${address(node)} (${reply})`)
  }
  return { reset: drift.filter(key => !failed.some(f => f.startsWith(`${key} on `))), failed }
}

/** One line for what `restoreConfig` did on several nodes, or none when nothing drifted. */
export function describeConfigResets (perNode: ReadonlyArray<{ reset: string[], failed: string[] }>): string[] {
  const keys = [...new Set(perNode.flatMap(r => r.reset))].sort()
  const nodes = perNode.filter(r => r.reset.length > 0).length
  const failed = perNode.flatMap(r => r.failed)
  const lines: string[] = []
  if (keys.length > 0) lines.push(`config reset on ${nodes} node(s): ${keys.join(',')}`)
  if (failed.length > 0) lines.push(`config not reset: ${failed.join('; ')}`)
  return lines
}

/**
 * Empties a master for the next file: keys (FLUSHALL, which its replicas follow), functions and
 * the script cache; and lifts a CLIENT PAUSE a test may have left. Throws on a failed command.
 */
export async function flushNode (node: NodeRef, isMaster: boolean): Promise<void> {
  await nodeCommand(node.host, node.port, 'CLIENT', 'UNPAUSE')
  if (!isMaster) return
  await nodeCommand(node.host, node.port, 'FLUSHALL')
  await nodeCommand(node.host, node.port, 'FUNCTION', 'FLUSH')
  await nodeCommand(node.host, node.port, 'SCRIPT', 'FLUSH')
}
