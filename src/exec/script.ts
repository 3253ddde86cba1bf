import { BackendRequest, type ReadFrom, type RequestOwner } from '../cluster/backend-request.js'
import type { NodeAddress } from '../cluster/node-address.js'
import type { ClientContext } from './context.js'

const NOSCRIPT = Buffer.from('-NOSCRIPT')
/** What a cluster node says when a script touches a key of a slot it does not serve (script.c). */
const NON_LOCAL_KEY = 'Script attempted to access a non local key in a cluster node'
const IGNORE: RequestOwner = { onRequestDone () {}, closed: false }

/**
 * A script or function call (EVAL, EVALSHA, FCALL and their _RO forms) with two repairs:
 * - NOSCRIPT healed: a script the client loaded through slotgate may be missing on a node
 *   that joined or was promoted since. When that node answers NOSCRIPT and the script's body
 *   is known, slotgate loads it there and sends the EVALSHA again, once; the SCRIPT LOAD and
 *   the retry leave in the same write to the same node, in that order.
 * - Keyless calls that touch keys: a script declaring no keys goes to one master (the
 *   client's), which refuses the first key it does not serve, before anything of the script
 *   touched a key (a keyless script's keys must all hash to one slot, and the first access
 *   fixes it). slotgate then tries the next master, until the one serving that slot runs it,
 *   as one node holding every key would have. Only what such a script does before its first
 *   key (a PUBLISH, a log line) can happen on more than one master.
 */
export class ScriptRequest implements RequestOwner {
  reply: Buffer | null = null
  private readonly req: BackendRequest
  private retried = false
  /** Masters not yet tried, for a keyless call refused for a non-local key. */
  private readonly untried: NodeAddress[]
  /** The master the busy watch was told of. */
  private runningOn: NodeAddress | null = null

  constructor (private readonly client: ClientContext, args: Buffer[], slot: number, readOnly: boolean, target: NodeAddress | null) {
    this.req = new BackendRequest(args, slot, readOnly, this, target)
    this.req.protocol = client.protocol
    // A script runs until it ends or is killed: its own reply time (see slow-commands.ts).
    this.req.runsLong(client.ctx.slowCommandTimeoutMs)
    this.untried = slot < 0 && target !== null ? client.ctx.topology.masters().filter(m => m !== target) : []
  }

  /** Where a keyed read-only call may run (the client's read policy). */
  get readFrom (): ReadFrom { return this.req.readFrom }
  set readFrom (where: ReadFrom) { this.req.readFrom = where }

  /** The client's lane, so these requests keep its order on a node's links. */
  get lane (): number { return this.client.sink.lane }

  get closed (): boolean { return this.client.sink.closed }

  start (): void {
    if (this.req.slot >= 0 && !this.req.readOnly) this.client.writtenSlots.add(this.req.slot)
    this.runOn(this.req.target ?? this.client.ctx.topology.masterFor(this.req.slot) ?? null)
    this.client.ctx.dispatcher.send(this.req)
  }

  /** Tells the busy watch where the script runs now (PING answers BUSY while it runs too long). */
  private runOn (node: NodeAddress | null): void {
    if (this.runningOn !== null) this.client.ctx.busy.ended(this.runningOn)
    this.runningOn = node
    if (node !== null) this.client.ctx.busy.started(node)
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
    if (this.untried.length > 0 && reply[0] === 0x2d && reply.includes(NON_LOCAL_KEY)) {
      req.reply = null
      req.target = this.untried.shift() as NodeAddress
      this.runOn(req.target)
      this.client.ctx.dispatcher.send(req)
      return
    }
    this.runOn(null)
    if (req.slot < 0 && !req.readOnly && req.node !== null) this.client.writtenNodes.add(req.node)
    this.reply = reply
    this.client.sink.onRequestDone(this)
  }
}
