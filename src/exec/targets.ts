import type { NodeAddress } from '../cluster/node-address.js'
import type { LinkOptions } from '../cluster/node-link.js'
import type { ClientContext } from './context.js'

/**
 * A master for a client's keyless work (COMMAND, keyless scripts, a keyless transaction):
 * picked by client id, so the same client keeps the same master and clients spread over all.
 */
export function anyMaster (client: ClientContext): NodeAddress | null {
  const masters = client.ctx.topology.masters()
  return masters.length > 0 ? masters[client.id % masters.length] : null
}

/** Options for a dedicated link of this client's: its protocol, the cluster's credentials. */
export function dedicatedLinkOptions (client: ClientContext, extra: Partial<LinkOptions> = {}): LinkOptions {
  return { ...client.ctx.linkDefaults, protocol: client.protocol, readOnly: false, ...extra }
}
