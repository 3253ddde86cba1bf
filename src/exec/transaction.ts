import { BackendRequest } from '../cluster/backend-request.js'
import { errorReply, nullArrayReply, OK, QUEUED } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { ClientContext } from './context.js'
import { LocalReply, type QueueEntry } from './queue-entry.js'
import { TransactionBlock, type QueuedCommand } from './transaction-block.js'
import { WatchConnection } from './watch-connection.js'
import { crossSlotTransactions } from '../metrics/transaction-stats.js'

export type { Piece, QueuedCommand } from './transaction-block.js'

/**
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH for one client. Commands are checked and answered
 * `+QUEUED` here; EXEC runs them (TransactionBlock) as one MULTI ... EXEC per slot involved.
 * A transaction over several slots (crossSlotTransactions `split`, the default) is atomic
 * slot by slot, without isolation across slots; with `refuse`, and always after WATCH (whose
 * guarantee cannot span nodes), a second slot gets `-CROSSSLOT` as from a cluster node, and
 * EXEC then `-EXECABORT`. WATCH's state lives on a connection until EXEC, so it takes one of
 * the client's own (WatchConnection), and the transaction then runs there.
 */
export class Transaction {
  private inMulti = false
  private aborted = false
  private queued: QueuedCommand[] = []
  /** The slots the queued commands' keys are in (and the watched keys'). */
  private readonly slots = new Set<number>()
  private watch: WatchConnection | null = null
  /** Watch connections of blocks still running: closed with the client if it leaves first. */
  private readonly running = new Set<WatchConnection>()

  constructor (private readonly client: ClientContext) {}

  /** True between MULTI and EXEC/DISCARD: commands are queued, not run. */
  get active (): boolean { return this.inMulti }

  /** True while a WATCH holds a connection (EXEC then runs there). */
  get watching (): boolean { return this.watch !== null }
  /** Commands queued since MULTI (CLIENT LIST's `multi=`). */
  get queuedCount (): number { return this.queued.length }

  /** True when the queued commands may span slots (split mode, and no WATCH). */
  get spansSlots (): boolean { return this.client.ctx.crossSlotTransactions === 'split' && this.watch === null }

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
   * aborts EXEC, as a node does). `keySlots` are the slots of its keys: a second slot is
   * refused with CROSSSLOT unless the transaction may span slots.
   */
  queue (command: QueuedCommand | null, keySlots: readonly number[], error: string | null): QueueEntry {
    if (error === null && !this.spansSlots) {
      for (const s of keySlots) if (this.slots.size > 0 && !this.slots.has(s)) error = ReplyStrings.crossSlot
      if (error !== null) crossSlotTransactions.refused++
    }
    if (error !== null || command === null) {
      this.aborted = true
      return new LocalReply(errorReply(error ?? ReplyStrings.crossSlot))
    }
    for (const s of keySlots) this.slots.add(s)
    this.queued.push(command)
    return new LocalReply(QUEUED)
  }

  /** WATCH keys (all in one slot, and the transaction's slot if it has one). */
  watchKeys (args: Buffer[], slot: number): QueueEntry {
    if (this.inMulti) return new LocalReply(errorReply(ReplyStrings.watchInsideMulti))
    if (this.slots.size > 0 && !this.slots.has(slot)) return new LocalReply(errorReply(ReplyStrings.crossSlot))
    const watch = this.watch ?? (this.watch = new WatchConnection(this.client))
    const refusal = watch.lease()
    if (refusal !== null) return new LocalReply(errorReply(refusal))
    this.slots.add(slot)
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
    this.inMulti = false
    this.queued = []
    this.slots.clear()
    // EXEC ends WATCH: the watch connection goes once the block is answered.
    this.watch = null
    if (watch?.void === true) {
      // The watched connection was lost (or its slot moved): the watch can no more be
      // honoured, so EXEC fails as a failed WATCH does and the client's loop retries.
      watch.close()
      return new LocalReply(nullArrayReply(this.client.protocol))
    }
    if (watch !== null) this.running.add(watch)
    const block = new TransactionBlock(this.client, queued, watch, () => { if (watch !== null) this.running.delete(watch) })
    block.start()
    if (block.crossSlot) crossSlotTransactions.split++
    return block
  }

  /** Forgets everything (DISCARD, RESET, disconnect). */
  reset (): void {
    this.inMulti = false
    this.aborted = false
    this.queued = []
    this.release()
  }

  /** The client is gone: also the connections of its blocks still running (nobody will read their replies). */
  close (): void {
    this.reset()
    for (const w of this.running) w.close()
    this.running.clear()
  }

  private release (): void {
    this.watch?.close()
    this.watch = null
    if (!this.inMulti) this.slots.clear()
  }
}
