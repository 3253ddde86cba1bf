import { BackendRequest, type RequestOwner } from '../cluster/backend-request.js'
import { DedicatedLink, type DedicatedLinkOwner } from '../cluster/dedicated-link.js'
import { errorReply, OK, QUEUED } from '../resp/encode.js'
import { isErrorReply } from '../resp/decode-reply.js'
import { parseRedirect } from '../cluster/parse-redirect.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { ClientContext } from './context.js'
import { LocalReply, type QueueEntry } from './queue-entry.js'
import { anyMaster, dedicatedLinkOptions } from './targets.js'

/** A command queued inside MULTI, with the slot of its keys (-1 for keyless). */
interface QueuedCommand { args: Buffer[], slot: number }

/**
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH for one session, with Redis Cluster's rules: all
 * keys of a transaction in one slot (else `-CROSSSLOT`, and EXEC answers `-EXECABORT`).
 *
 * Commands are checked and answered `+QUEUED` here, then EXEC sends `MULTI, cmd..., EXEC` as
 * one contiguous block to the slot's master and returns the node's EXEC reply untouched: a
 * block written in one go cannot interleave with other clients' commands on a shared link,
 * so only WATCH (whose state lives on a connection until EXEC) needs a dedicated link.
 */
export class Transaction implements DedicatedLinkOwner {
  private inMulti = false
  private aborted = false
  private queued: QueuedCommand[] = []
  private slot = -1
  private watchLink: DedicatedLink | null = null

  constructor (private readonly client: ClientContext) {}

  /** True between MULTI and EXEC/DISCARD: commands are queued, not run. */
  get active (): boolean { return this.inMulti }

  /** MULTI */
  multi (): QueueEntry {
    if (this.inMulti) return new LocalReply(errorReply(ReplyStrings.multiNested))
    this.inMulti = true
    this.aborted = false
    this.queued = []
    return new LocalReply(OK)
  }

  /** A command received inside MULTI: checked, then queued (or refused, which aborts EXEC). */
  queue (args: Buffer[], slot: number, error: string | null): QueueEntry {
    if (error === null && slot >= 0) {
      if (this.slot === -1) this.slot = slot
      else if (slot !== this.slot) error = ReplyStrings.crossSlot
    }
    if (error !== null) {
      this.aborted = true
      return new LocalReply(errorReply(error))
    }
    this.queued.push({ args, slot })
    return new LocalReply(QUEUED)
  }

  /** WATCH keys (all in one slot, and the transaction's slot if it has one). */
  watch (args: Buffer[], slot: number): QueueEntry {
    if (this.inMulti) return new LocalReply(errorReply(ReplyStrings.watchInsideMulti))
    if (this.slot !== -1 && slot !== this.slot) return new LocalReply(errorReply(ReplyStrings.crossSlot))
    const node = this.client.ctx.topology.masterFor(slot)
    if (node === undefined) return new LocalReply(errorReply(ReplyStrings.noNodeForSlot(slot)))
    if (this.watchLink === null || this.watchLink.closed) {
      this.watchLink = new DedicatedLink(node, dedicatedLinkOptions(this.client), this)
    }
    this.slot = slot
    const req = new BackendRequest(args, slot, false, this.client.sink)
    req.protocol = this.client.protocol
    this.watchLink.send(req)
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

  /** EXEC: runs the block on the node, or answers EXECABORT after a refused command. */
  exec (): QueueEntry {
    if (!this.inMulti) return new LocalReply(errorReply(ReplyStrings.execWithoutMulti))
    if (this.aborted) {
      this.reset()
      return new LocalReply(errorReply(ReplyStrings.execAbort))
    }
    const block = new TransactionBlock(this.client, this.queued, this.slot, this.watchLink !== null)
    const link = this.watchLink
    block.send(link !== null && !link.closed ? link : null)
    this.inMulti = false
    this.queued = []
    // EXEC ends WATCH too; the dedicated link is closed once the block is written and answered.
    this.watchLink = null
    this.slot = -1
    if (link !== null) block.onDone = () => { link.close() }
    return block
  }

  /** Forgets everything (DISCARD, RESET, disconnect). */
  reset (): void {
    this.inMulti = false
    this.aborted = false
    this.queued = []
    this.release()
  }

  /** @internal DedicatedLinkOwner */
  onDedicatedPush (): void {}

  /** @internal DedicatedLinkOwner: the WATCH connection is gone, so is the WATCH. */
  onDedicatedDown (link: DedicatedLink): void {
    if (this.watchLink === link) this.watchLink = null
  }

  private release (): void {
    this.watchLink?.close()
    this.watchLink = null
    if (!this.inMulti) this.slot = -1
  }
}

/**
 * The MULTI ... EXEC block on its way: one place in the client's reply queue, answered with
 * the node's EXEC reply. Its parts are raw requests (never redirected, re-routed or retried:
 * a part sent alone, outside its MULTI, would run unprotected).
 */
class TransactionBlock implements RequestOwner {
  reply: Buffer | null = null
  onDone: (() => void) | null = null
  private parts: BackendRequest[] = []
  private remaining = 0
  private attempts = 0

  constructor (private readonly client: ClientContext, private readonly commands: QueuedCommand[],
    private readonly slot: number, private readonly watched: boolean) {
    this.build()
  }

  get closed (): boolean { return this.client.sink.closed }
  get lane (): number { return this.client.sink.lane }

  send (link: DedicatedLink | null): void {
    for (const p of this.parts) {
      if (link !== null) link.send(p)
      else this.client.ctx.dispatcher.send(p)
    }
  }

  /** @internal RequestOwner */
  onRequestDone (): void {
    if (--this.remaining > 0) return
    const exec = this.parts[this.parts.length - 1].reply as Buffer
    const multi = this.parts[0].reply as Buffer
    const moved = this.movedSlot()
    if (moved !== null) {
      // The slot moved: record it, and — when no WATCH ties the block to the old node — run
      // the whole block again where the slot is now. EXECABORT guarantees nothing ran.
      this.client.ctx.topology.moveSlot(moved.slot, moved.node)
      this.client.ctx.requestRefresh()
      if (!this.watched && ++this.attempts <= 3) {
        this.build()
        this.send(null)
        return
      }
    }
    // If MULTI itself failed (e.g. the link broke), its error says more than EXEC's.
    this.reply = isErrorReply(multi) ? multi : exec
    this.onDone?.()
    this.client.sink.onRequestDone(this)
  }

  private build (): void {
    const target = this.slot >= 0 ? null : anyMaster(this.client)
    const make = (args: Buffer[]): BackendRequest => {
      const r = new BackendRequest(args, this.slot, false, this, target)
      r.raw = true
      r.protocol = this.client.protocol
      return r
    }
    this.parts = [make([Buffer.from('MULTI')]), ...this.commands.map(c => make(c.args)), make([Buffer.from('EXEC')])]
    this.remaining = this.parts.length
  }

  private movedSlot (): { slot: number, node: string } | null {
    for (const p of this.parts) {
      const r = p.reply as Buffer
      if (r[0] !== 0x2d || p.node === null) continue
      const redirect = parseRedirect(r, p.node)
      if (redirect !== null && redirect.kind === 'moved') return redirect
    }
    return null
  }
}
