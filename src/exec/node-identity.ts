import { createHash } from 'node:crypto'
import { parseNodeAddress } from '../cluster/node-address.js'

/** slotgate as the one node of the cluster it describes to cluster-aware clients (CLUSTER ...). */
export interface NodeIdentity {
  /** 40 hex characters, as a node id. */
  readonly nodeId: string
  /** The configured address to announce; null: the address each client connected to. */
  readonly announce: { readonly host: string, readonly port: number } | null
}

/**
 * The identity for `announceAddress` ('' for none). The node id is derived from the announced
 * address (else from the listening address), not drawn at random: several instances behind
 * one Service, configured alike, give clients the same node id, so a client that keys its
 * view by id (Lettuce) sees one stable node whichever instance answers.
 */
export function nodeIdentity (announceAddress: string, bind: string, port: number): NodeIdentity {
  const announce = announceAddress === '' ? null : parseNodeAddress(announceAddress)
  const seed = announceAddress === '' ? `${bind}:${port}` : announceAddress
  return { nodeId: createHash('sha1').update(`slotgate node ${seed}`).digest('hex'), announce }
}

/** The host and port to announce to a client connected on `localAddress` (`host:port`, as its socket reports). */
export function announcedAddress (identity: NodeIdentity, localAddress: string): { host: string, port: number } {
  if (identity.announce !== null) return identity.announce
  const local = parseNodeAddress(localAddress) ?? { host: '127.0.0.1', port: 0 }
  // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; clients want a.b.c.d.
  return { host: local.host.startsWith('::ffff:') ? local.host.slice(7) : local.host, port: local.port }
}
