import { randomBytes } from 'node:crypto'
import { BackendRequest, type LinkProvider, type RequestLink, type RequestOwner } from '../cluster/backend-request.js'
import type { DedicatedLink } from '../cluster/dedicated-link.js'
import type { NodeAddress } from '../cluster/node-address.js'
import { slotTag } from '../commands/slot-tags.js'
import type { ClientContext } from './context.js'
import { leaseBlockingLink } from './targets.js'

/** Names slotgate's staging lists apart from any other process's. */
const INSTANCE = randomBytes(6).toString('hex')
let sequence = 0
const NOBODY: RequestOwner = { onRequestDone () {}, closed: false }
/** A reply time for a wait with no timeout of its own (node liveness still applies). */
const FOREVER_MS = 2 ** 31

/** What a wait is told when its command answered. */
export interface WaitOwner {
  onWaitDone (wait: PopWait, reply: Buffer): void
}

/**
 * One key's blocking wait of a cross-slot pop, on a pooled connection of its own. A list is
 * waited on with `BLMOVE key staging` into a staging list of slotgate's in the key's slot: an
 * element taken by a wait whose connection then drops is still in the cluster, and is put
 * back. A sorted set is waited on with BZPOPMIN/BZPOPMAX. A wait no longer wanted is ended
 * with CLIENT UNBLOCK (or its connection closed when the node refuses that).
 */
export class PopWait implements RequestOwner, LinkProvider {
  readonly staging: Buffer
  private link: DedicatedLink | null = null
  private readonly req: BackendRequest
  done = false

  constructor (
    private readonly client: ClientContext,
    private readonly owner: WaitOwner,
    readonly key: Buffer,
    readonly slot: number,
    command: Buffer[],
    timeoutMs: number
  ) {
    this.staging = Buffer.from(`{${slotTag(slot)}}slotgate:pop:${INSTANCE}:${++sequence}`)
    const args = command.map(a => a === STAGING ? this.staging : a)
    this.req = new BackendRequest(args, slot, false, this)
    this.req.protocol = client.protocol
    this.req.via = this
    this.req.timeoutMs = timeoutMs > 0 ? timeoutMs + client.ctx.commandTimeoutMs : FOREVER_MS
  }

  get closed (): boolean { return false }
  get lane (): number { return this.client.sink.lane }

  /** Sends the wait. */
  start (): void {
    this.client.ctx.dispatcher.send(this.req)
  }

  /** @internal LinkProvider: a pooled connection to the key's node (another after a redirect). */
  linkTo (node: NodeAddress, req: BackendRequest): RequestLink | null {
    if (this.link !== null && !this.link.closed && this.link.node === node) return this.link
    this.giveBack()
    const link = leaseBlockingLink(this.client, node, req)
    if (link === null) {
      this.onRequestDone(req)
      return null
    }
    this.link = link
    return link
  }

  /** @internal RequestOwner */
  onRequestDone (req: BackendRequest): void {
    if (this.done) return
    this.done = true
    this.giveBack()
    this.owner.onWaitDone(this, req.reply as Buffer)
  }

  /**
   * Ends the wait now: CLIENT UNBLOCK ... TIMEOUT on the node, so the wait answers (nil, or an
   * element it took just before, which the owner then puts back); a connection whose id is
   * unknown is closed instead (its command then reports a lost link).
   */
  cancel (): void {
    if (this.done) return
    const link = this.link
    const id = link?.link.clientId ?? null
    if (link === null) return
    if (id === null || link.closed) { link.close('wait no longer wanted'); return }
    const unblock = new BackendRequest([Buffer.from('CLIENT'), Buffer.from('UNBLOCK'), Buffer.from(String(id)), Buffer.from('TIMEOUT')], -1, false,
      { closed: false, onRequestDone: (r) => { if (r.reply?.[0] === 0x2d && !this.done) link.close('CLIENT UNBLOCK refused') } }, link.node)
    this.client.ctx.dispatcher.send(unblock)
  }

  /** Sends a command on the shared link of the key's slot, for its reply. */
  sendShared (args: Buffer[], onReply: (reply: Buffer) => void): void {
    const req = new BackendRequest(args, this.slot, false, { closed: false, onRequestDone: r => { onReply(r.reply as Buffer) } })
    req.protocol = this.client.protocol
    this.client.ctx.dispatcher.send(req)
  }

  /** Fire and forget on the shared link of the key's slot. */
  sendAndForget (args: Buffer[]): void {
    const req = new BackendRequest(args, this.slot, false, NOBODY)
    this.client.ctx.dispatcher.send(req)
  }

  private giveBack (): void {
    if (this.link === null) return
    this.client.ctx.blocking.release(this.link, this.client.protocol)
    this.link = null
  }
}

/** Placeholder in a wait's command for its staging list's name. */
export const STAGING = Buffer.from('\0staging')
