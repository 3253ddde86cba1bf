import { BackendRequest, type RequestOwner } from '../cluster/backend-request.js'
import type { NodeAddress } from '../cluster/node-address.js'
import type { ExecContext } from './context.js'

/** Where one request goes: a slot's master, or a node. */
export type RequestTarget = { slot: number } | { node: NodeAddress }

/**
 * Sends one request through the dispatcher (so redirects, retries and the failure policy
 * apply) and resolves with the node's reply bytes, in RESP2: for handlers that look inside
 * the reply before answering (merged LATENCY and SLOWLOG), or pass it on (CLUSTER GETKEYSINSLOT,
 * in the client's `protocol`). `lane` is the client's, so the request keeps its order behind
 * the client's earlier ones.
 */
export async function askNode (ctx: ExecContext, args: readonly (string | Buffer)[], target: RequestTarget, lane = 0, protocol: 2 | 3 = 2): Promise<Buffer> {
  return await new Promise<Buffer>(resolve => {
    const owner: RequestOwner = { onRequestDone (req) { resolve(req.reply as Buffer) }, closed: false, lane }
    const argv = args.map(a => typeof a === 'string' ? Buffer.from(a) : a)
    const req = 'slot' in target
      ? new BackendRequest(argv, target.slot, true, owner)
      : new BackendRequest(argv, -1, true, owner, target.node)
    req.protocol = protocol
    ctx.dispatcher.send(req)
  })
}

/** {@link askNode} to every master at once; the replies in the masters' order, with their node. */
export async function askMasters (ctx: ExecContext, args: readonly (string | Buffer)[], lane = 0): Promise<Array<{ node: NodeAddress, reply: Buffer }>> {
  const masters = ctx.topology.masters()
  const replies = await Promise.all(masters.map(async node => await askNode(ctx, args, { node }, lane)))
  return replies.map((reply, i) => ({ node: masters[i], reply }))
}
