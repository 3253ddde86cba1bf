import { withNodeClient } from '../test/harness/node-command.js'
import type { BackendCommand } from './workloads.js'

/** A cluster node and its role when the bench started (the bench makes no failovers). */
export interface CountedNode {
  readonly host: string
  readonly port: number
  readonly role: 'master' | 'replica'
}

/** `calls` per command name, per node port, from `INFO commandstats`. */
export type CallSnapshot = Map<number, Map<string, number>>

/** Parses `cmdstat_<name>:calls=N,...` lines (pure). */
export function parseCommandStats (info: string): Map<string, number> {
  const calls = new Map<string, number>()
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1] as string, Number(match[2]))
  return calls
}

/** Reads `INFO commandstats` of every node at once. */
export async function snapshotCalls (nodes: readonly CountedNode[]): Promise<CallSnapshot> {
  const entries = await Promise.all(nodes.map(async node => {
    const info = await withNodeClient(node.host, node.port, async client => await client.info('commandstats'))
    return [node.port, parseCommandStats(info)] as const
  }))
  return new Map(entries)
}

/**
 * How many `command` calls the cluster executed between two snapshots. Writes count on masters
 * only: a replica also counts the writes it applies from its master's replication stream, so
 * summing every node would count each write twice. Reads count everywhere, since a read policy
 * other than `master` sends them to replicas.
 */
export function callsBetween (nodes: readonly CountedNode[], before: CallSnapshot, after: CallSnapshot, command: BackendCommand): number {
  let total = 0
  for (const node of nodes) {
    if (command.write && node.role !== 'master') continue
    total += (after.get(node.port)?.get(command.name) ?? 0) - (before.get(node.port)?.get(command.name) ?? 0)
  }
  return total
}
