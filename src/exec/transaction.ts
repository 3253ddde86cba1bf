import { BackendRequest, type RequestOwner } from '../cluster/backend-request.js'
import { CommandBudget } from '../cluster/failure-policy.js'
import { encodeCommand, errorReply, nullArrayReply, OK, QUEUED } from '../resp/encode.js'
import { isErrorReply, readElements } from '../resp/decode-reply.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { ClientContext } from './context.js'
import { LocalReply, type QueueEntry } from './queue-entry.js'
import { anyMaster } from './targets.js'
import { WatchConnection } from './watch-connection.js'

/**
 * A command queued inside MULTI: sent to the node in the block (`args`), or answered by
 * slotgate itself when the block's reply comes, in its place (`local`: PING, ECHO, CLIENT
 * SETNAME ... — commands about the connection, which must never reach a shared one).
 */
export interface QueuedCommand {
  args: Buffer[]
  slot: number
  local: (() => Buffer | Promise<Buffer>) | null
}

const MULTI = encodeCommand(['MULTI'])
const EXEC = encodeCommand(['EXEC'])

/**
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH for one client, with Redis Cluster's rules: all
 * keys of a transaction in one slot (else `-CROSSSLOT`, and EXEC answers `-EXECABORT`).
 *
 * Commands are checked and answered `+QUEUED` here; EXEC sends `MULTI, cmd..., EXEC` as one
 * request that expects one reply per command: written in one piece (it cannot interleave
 * with other clients' commands on a shared link), redirected, retried or lost as one, under
 * one deadline. Only WATCH, whose state lives on a connection until EXEC, needs a connection
 * of its own (WatchConnection), and the block then runs there.
 */
export class Transaction {
  private inMulti = false
  private aborted = false
  private queued: QueuedCommand[] = []
  private slot = -1
  private watch: WatchConnection | null = null

  constructor (private readonly client: ClientContext) {}

  /** True between MULTI and EXEC/DISCARD: commands are queued, not run. */
  get active (): boolean { return this.inMulti }

  /** True while a WATCH holds a connection (EXEC then runs there). */
  get watching (): boolean { return this.watch !== null }
  /** Commands queued since MULTI (CLIENT LIST's `multi=`). */
  get queuedCount (): number { return this.queued.length }

  /** MULTI */
  multi (): QueueEntry {
    if (this.inMulti) return new LocalReply(errorReply(ReplyStrings.multiNested))
    this.inMulti = true
    this.aborted = false
    this.queued = []
    return new LocalReply(OK)
  }

  /**
   * A command received inside MULTI: checked, then queued (or refused with `error`, which
   * aborts EXEC, as a node does). `local` answers it at EXEC instead of the node.
   */
  queue (args: Buffer[], slot: number, error: string | null, local: QueuedCommand['local'] = null): QueueEntry {
    if (error === null && slot >= 0) {
      if (this.slot === -1) this.slot = slot
      else if (slot !== this.slot) error = ReplyStrings.crossSlot
    }
    if (error !== null) {
      this.aborted = true
      return new LocalReply(errorReply(error))
    }
    this.queued.push({ args, slot, local })
    return new LocalReply(QUEUED)
  }

  /** WATCH keys (all in one slot, and the transaction's slot if it has one). */
  watchKeys (args: Buffer[], slot: number): QueueEntry {
    if (this.inMulti) return new LocalReply(errorReply(ReplyStrings.watchInsideMulti))
    if (this.slot !== -1 && slot !== this.slot) return new LocalReply(errorReply(ReplyStrings.crossSlot))
    const watch = this.watch ?? (this.watch = new WatchConnection(this.client))
    const refusal = watch.lease()
    if (refusal !== null) return new LocalReply(errorReply(refusal))
    this.slot = slot
    const req = new BackendRequest(args, slot, false, watch.replies(this.client.sink))
    req.protocol = this.client.protocol
    req.via = watch
    this.client.ctx.dispatcher.send(req)
    return req
  }

  /** UNWATCH */
  unwatch (): QueueEntry {
    this.release()
    return new LocalReply(OK)
  }

  /** DISCARD */
  discard (): QueueEntry {
    if (!this.inMulti) return new LocalReply(errorReply(ReplyStrings.discardWithoutMulti))
    this.reset()
    return new LocalReply(OK)
  }

  /** EXEC: runs the block, or answers EXECABORT after a refused command, or null after a lost WATCH. */
  exec (): QueueEntry {
    if (!this.inMulti) return new LocalReply(errorReply(ReplyStrings.execWithoutMulti))
    if (this.aborted) {
      this.reset()
      return new LocalReply(errorReply(ReplyStrings.execAbort))
    }
    const watch = this.watch
    const queued = this.queued
    const slot = this.slot
    this.inMulti = false
    this.queued = []
    this.slot = -1
    // EXEC ends WATCH: the watch connection goes once the block is answered.
    this.watch = null
    if (watch?.void === true) {
      // The watched connection was lost (or its slot moved): the watch can no more be
      // honoured, so EXEC fails as a failed WATCH does and the client's loop retries.
      watch.close()
      return new LocalReply(nullArrayReply(this.client.protocol))
    }
    const block = new TransactionBlock(this.client, queued, slot, watch)
    block.start()
    return block
  }

  /** Forgets everything (DISCARD, RESET, disconnect). */
  reset (): void {
    this.inMulti = false
    this.aborted = false
    this.queued = []
    this.release()
  }

  private release (): void {
    this.watch?.close()
    this.watch = null
    if (!this.inMulti) this.slot = -1
  }
}

/**
 * The MULTI ... EXEC block on its way: one place in the client's reply queue, answered with
 * the node's EXEC reply, into which the replies slotgate makes itself are put back in place.
 */
class TransactionBlock implements RequestOwner, QueueEntry {
  reply: Buffer | null = null
  command: string | null | undefined = undefined
  startedAt = 0

  constructor (private readonly client: ClientContext, private readonly commands: QueuedCommand[],
    private readonly slot: number, private readonly watch: WatchConnection | null) {}

  get closed (): boolean { return this.client.sink.closed }
  get lane (): number { return this.client.sink.lane }

  start (): void {
    const remote = this.commands.filter(c => c.local === null)
    if (remote.length === 0 && this.watch === null) {
      // Nothing for a node (MULTI PING ECHO EXEC): the array is slotgate's alone.
      void this.finish(null)
      return
    }
    const target = this.slot >= 0 ? null : anyMaster(this.client)
    if (this.slot >= 0) this.client.writtenSlots.add(this.slot)
    else if (target !== null) this.client.writtenNodes.add(target)
    const req = new BackendRequest([Buffer.from('EXEC')], this.slot, false, this, target, new CommandBudget())
    req.protocol = this.client.protocol
    req.replyCount = remote.length + 2
    req.wire = Buffer.concat([MULTI, ...remote.map(c => encodeCommand(c.args)), EXEC])
    req.via = this.watch
    this.client.ctx.dispatcher.send(req)
  }

  /** @internal RequestOwner: the block's replies (or its failure). */
  onRequestDone (req: BackendRequest): void {
    this.watch?.close()
    const replies = req.replies
    // When MULTI itself failed, its error says more than EXEC's.
    const whole = replies !== null && replies.length === req.replyCount && isErrorReply(replies[0]) ? replies[0] : req.reply as Buffer
    void this.finish(whole)
  }

  /** Puts slotgate's own replies in their places in the node's EXEC array (or makes the array). */
  private async finish (nodeReply: Buffer | null): Promise<void> {
    let reply: Buffer
    try {
      const locals = await Promise.all(this.commands.map(async c => c.local === null ? null : await c.local()))
      reply = nodeReply === null ? arrayOf(locals as Buffer[]) : merge(nodeReply, locals)
    } catch (err) {
      reply = errorReply(`ERR ${(err as Error).message}`)
    }
    this.reply = reply
    this.client.sink.onRequestDone(this)
  }
}

/** EXEC's array with the local replies put back at their positions; anything else as it is. */
function merge (exec: Buffer, locals: readonly (Buffer | null)[]): Buffer {
  if (locals.every(l => l === null)) return exec
  const remote = exec[0] === 0x2a ? readElements(exec) : null
  if (remote === null || remote.length !== locals.filter(l => l === null).length) return exec
  let next = 0
  return arrayOf(locals.map(l => l ?? remote[next++]))
}

function arrayOf (elements: readonly Buffer[]): Buffer {
  return Buffer.concat([Buffer.from(`*${elements.length}\r\n`), ...elements])
}
