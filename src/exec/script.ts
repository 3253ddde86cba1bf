import { BackendRequest, type RequestOwner } from '../cluster/backend-request.js'
import type { NodeAddress } from '../cluster/node-address.js'
import type { ClientContext } from './context.js'

const NOSCRIPT = Buffer.from('-NOSCRIPT')
const IGNORE: RequestOwner = { onRequestDone () {}, closed: false }

/**
 * EVALSHA / EVALSHA_RO that heals NOSCRIPT: a script the client loaded through slotgate may be
 * missing on a node that joined or was promoted since. When that node answers NOSCRIPT and the
 * script's body is known, slotgate loads it there and sends the EVALSHA again, once; the
 * SCRIPT LOAD and the retry leave in the same write to the same node, in that order.
 */
export class EvalShaRequest implements RequestOwner {
  reply: Buffer | null = null
  private readonly req: BackendRequest
  private retried = false

  constructor (private readonly client: ClientContext, args: Buffer[], slot: number, readOnly: boolean, target: NodeAddress | null) {
    this.req = new BackendRequest(args, slot, readOnly, this, target)
    this.req.protocol = client.protocol
    // A script runs until it ends or is killed: its own reply time (see slow-commands.ts).
    this.req.runsLong(client.ctx.slowCommandTimeoutMs)
  }

  /** The client's lane, so these requests keep its order on a node's links. */
  get lane (): number { return this.client.sink.lane }

  get closed (): boolean { return this.client.sink.closed }

  start (): void {
    this.client.ctx.dispatcher.send(this.req)
  }

  /** @internal RequestOwner */
  onRequestDone (req: BackendRequest): void {
    const reply = req.reply as Buffer
    if (!this.retried && reply.subarray(0, NOSCRIPT.length).equals(NOSCRIPT)) {
      const body = this.client.ctx.scripts.get(req.args[1].toString('latin1'))
      if (body !== undefined && req.node !== null) {
        this.retried = true
        const load = new BackendRequest([Buffer.from('SCRIPT'), Buffer.from('LOAD'), body], -1, false, IGNORE, req.node)
        load.protocol = req.protocol
        req.reply = null
        req.target = req.node
        this.client.ctx.dispatcher.send(load)
        this.client.ctx.dispatcher.send(req)
        return
      }
    }
    this.reply = reply
    this.client.sink.onRequestDone(this)
  }
}
