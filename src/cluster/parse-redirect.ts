import type { NodeAddress } from './node-address.js'

/** A cluster error that slotgate handles itself instead of passing it to the client. */
export type Redirect =
  | { kind: 'moved' | 'ask', slot: number, node: NodeAddress }
  | { kind: 'tryagain' | 'clusterdown' }

/**
 * Recognises `-MOVED <slot> <host:port>`, `-ASK <slot> <host:port>`, `-TRYAGAIN ...` and
 * `-CLUSTERDOWN ...` (Redis Cluster spec, "Redirection and resharding"). Any other reply is
 * data for the client: null. An endpoint written as `:port` (the node does not know its
 * hostname) means the host of the node that answered, `fromNode`.
 */
export function parseRedirect (reply: Buffer, fromNode: NodeAddress): Redirect | null {
  if (reply.length < 6 || reply[0] !== 0x2d) return null
  const c = reply[1]
  if (c !== 0x4d && c !== 0x41 && c !== 0x54 && c !== 0x43) return null // M A T C
  const line = reply.toString('latin1', 1, reply.length - 2)
  if (line.startsWith('TRYAGAIN')) return { kind: 'tryagain' }
  if (line.startsWith('CLUSTERDOWN')) return { kind: 'clusterdown' }
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
