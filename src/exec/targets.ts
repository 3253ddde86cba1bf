import type { BackendRequest } from '../cluster/backend-request.js'
import type { DedicatedLink } from '../cluster/dedicated-link.js'
import type { NodeAddress } from '../cluster/node-address.js'
import type { LinkOptions } from '../cluster/node-link.js'
import { errorReply } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
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

/**
 * A pooled blocking connection to `node` for one wait of this client's (a blocked command, a
 * cross-slot pop's wait); null when maxDedicatedLinks is reached, with `req` given the refusal.
 */
export function leaseBlockingLink (client: ClientContext, node: NodeAddress, req: BackendRequest): DedicatedLink | null {
  const link = client.ctx.blocking.acquire(node, dedicatedLinkOptions(client))
  if (link === null) req.reply = errorReply(ReplyStrings.tooManyDedicated('total', client.ctx.dedicated.bounds.max))
  return link
}
