import { BackendRequest, type RequestOwner } from '../cluster/backend-request.js'
import type { DedicatedLink, DedicatedLinkOwner } from '../cluster/dedicated-link.js'
import { errorReply, OK } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { ClientContext } from './context.js'
import type { QueueEntry } from './queue-entry.js'
import { dedicatedLinkOptions } from './targets.js'

const MONITOR = [Buffer.from('MONITOR')]
/** MONITOR is answered by frames on its own connection, not reply by reply: nobody waits on the request. */
const NOBODY: RequestOwner = { onRequestDone () {}, closed: false }

/**
 * MONITOR fanned in from every master: one connection of the client's own per master (its
 * dedicated-connection bounds apply) says MONITOR, and every line any master streams joins
 * the client's replies as it comes. The client's `+OK` waits until every master confirmed, so
 * nothing run after it is missed. Only where the operator allows it: MONITOR is in the
 * default `denyCommands`, since it shows every client's commands and values.
 *
 * What a node cannot give a proxy: lines name slotgate's connections, not its clients, and
 * include slotgate's own traffic (topology refreshes, INFO); masters added later, or a
 * connection lost, are not monitored again (MONITOR once more, or RESET, starts afresh).
 */
export class MonitorFeed implements DedicatedLinkOwner, QueueEntry {
  reply: Buffer | null = null
  command: string | null | undefined = undefined
  startedAt = 0
  private readonly confirmed = new Set<DedicatedLink>()
  private readonly links = new Set<DedicatedLink>()
  private closed = false

  constructor (private readonly client: ClientContext) {}

  /** Opens the masters' connections; the reply completes once each confirmed (or failed). */
  start (): void {
    const masters = this.client.ctx.topology.masters()
    if (masters.length === 0) { this.complete(errorReply(ReplyStrings.notReady)); return }
    const { dedicated } = this.client.ctx
    for (const node of masters) {
      if (!dedicated.lease(this.client.id)) { this.fail(ReplyStrings.tooManyDedicated('per-client', dedicated.bounds.perClient)); return }
      const link = dedicated.connect(node, dedicatedLinkOptions(this.client, { passthrough: true }), this)
      if (link === null) {
        dedicated.release(this.client.id)
        this.fail(ReplyStrings.tooManyDedicated('total', dedicated.bounds.max))
        return
      }
      this.links.add(link)
      link.send(new BackendRequest(MONITOR, -1, false, NOBODY, node))
    }
  }

  /** True until closed or failed. */
  get active (): boolean { return !this.closed }

  /** Stops monitoring: every connection closes (RESET, the client leaving, a failed start). */
  close (): void {
    this.closed = true
    for (const link of [...this.links]) link.close('monitor ended')
  }

  /** @internal DedicatedLinkOwner: a master's confirmation, then its stream of lines. */
  onDedicatedPush (link: DedicatedLink, frame: Buffer): void {
    if (this.closed) return
    if (!this.confirmed.has(link)) {
      this.confirmed.add(link)
      if (frame[0] === 0x2d) { this.fail(frame.toString('latin1', 1, frame.length - 2)); return }
      if (this.confirmed.size === this.links.size) this.complete(OK)
      return
    }
    this.client.sink.pushMessage(frame)
  }

  /** @internal DedicatedLinkOwner */
  onDedicatedDown (link: DedicatedLink): void {
    this.client.ctx.dedicated.release(this.client.id)
    this.links.delete(link)
    if (this.reply === null && !this.closed && this.confirmed.size >= this.links.size) {
      // A master lost before confirming: the others' feed still starts.
      this.complete(this.links.size > 0 ? OK : errorReply(ReplyStrings.notReady))
    }
  }

  private fail (error: string): void {
    this.close()
    this.complete(errorReply(error))
  }

  private complete (reply: Buffer): void {
    if (this.reply !== null) return
    this.reply = reply
    this.client.sink.onRequestDone(this)
  }
}
