import type { NodeAddress } from './node-address.js'

/**
 * An error reply that says something about the cluster rather than about the command: the
 * command was not executed, and slotgate acts on it instead of passing it to the client
 * (the failure policy decides how). Any other error is data for the client.
 * - `moved`/`ask`: the slot is served elsewhere, for good or for this one command;
 * - `tryagain`: a multi-key command met a slot in mid-migration;
 * - `clusterdown`: the node cannot serve the slot now;
 * - `loading`: the node is loading its dataset;
 * - `readonly`: a write reached a node that is a replica now (a demoted master, after a failover);
 * - `masterdown`: a replica refuses reads while its master link is down.
 */
export type ClusterSignal =
  | { kind: 'moved' | 'ask', slot: number, node: NodeAddress }
  | { kind: 'tryagain' | 'clusterdown' | 'loading' | 'readonly' | 'masterdown' }

const PLAIN: ReadonlyArray<readonly [string, ClusterSignal]> = [
  ['TRYAGAIN', { kind: 'tryagain' }],
  ['CLUSTERDOWN', { kind: 'clusterdown' }],
  ['LOADING', { kind: 'loading' }],
  // Redis 7.0: "-READONLY You can't write against a read only replica."
  ['READONLY', { kind: 'readonly' }],
  ['MASTERDOWN', { kind: 'masterdown' }]
]

/**
 * Recognises `-MOVED <slot> <host:port>`, `-ASK <slot> <host:port>` (Redis Cluster spec,
 * "Redirection and resharding") and the plain signals above; null for any other reply. An
 * endpoint written as `:port` (the node does not know its hostname) means the host of the
 * node that answered, `fromNode`.
 */
export function parseClusterSignal (reply: Buffer, fromNode: NodeAddress): ClusterSignal | null {
  if (reply.length < 6 || reply[0] !== 0x2d) return null
  const c = reply[1]
  // M A T C L R: the only first letters of a signal; anything else is data, decided in one compare.
  if (c !== 0x4d && c !== 0x41 && c !== 0x54 && c !== 0x43 && c !== 0x4c && c !== 0x52) return null
  const line = reply.toString('latin1', 1, reply.length - 2)
  for (const [prefix, signal] of PLAIN) {
    // The error code is the first word: `-LOADINGX` is some other error.
    if (line.startsWith(prefix) && (line.length === prefix.length || line.charCodeAt(prefix.length) === 0x20)) return signal
  }
  let kind: 'moved' | 'ask'
  if (line.startsWith('MOVED ')) kind = 'moved'
  else if (line.startsWith('ASK ')) kind = 'ask'
  else return null
  const parts = line.split(' ')
  if (parts.length < 3 || !/^\d{1,5}$/.test(parts[1])) return null
  const slot = Number(parts[1])
  if (slot > 16383) return null
  let node = parts[2]
  const colon = node.lastIndexOf(':')
  if (colon === -1 || !/^\d{1,5}$/.test(node.slice(colon + 1))) return null
  // Only ":port" (one colon, first) means "same host"; "::1:6381" is an IPv6 address.
  if (colon === 0) node = fromNode.slice(0, fromNode.lastIndexOf(':')) + node
  return { kind, slot, node }
}

/**
 * The signal a MULTI ... EXEC block carries: none when EXEC ran (its reply is not an error);
 * otherwise the first signal among MULTI's and the queued commands' replies, which made the
 * node discard the block (EXECABORT): nothing ran, so the block as a whole follows it.
 */
export function blockSignal (replies: readonly Buffer[], node: NodeAddress): ClusterSignal | null {
  const exec = replies[replies.length - 1]
  if (exec[0] !== 0x2d && exec[0] !== 0x21) return null
  for (let i = 0; i < replies.length - 1; i++) {
    const signal = replies[i][0] === 0x2d ? parseClusterSignal(replies[i], node) : null
    if (signal !== null) return signal
  }
  return null
}
