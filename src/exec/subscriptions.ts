import { BackendRequest, type RequestOwner } from '../cluster/backend-request.js'
import { DedicatedLink, type DedicatedLinkOwner } from '../cluster/dedicated-link.js'
import { keySlot } from '../cluster/key-slot.js'
import type { NodeAddress } from '../cluster/node-address.js'
import { parseRedirect } from '../cluster/parse-redirect.js'
import { bulkReply, integerReply, nullReply } from '../resp/encode.js'
import { readBulk, readElements } from '../resp/decode-reply.js'
import type { ClientContext } from './context.js'
import { LocalReply } from './queue-entry.js'
import { anyMaster, dedicatedLinkOptions } from './targets.js'

/** Requests on passthrough links are never answered one by one; nobody waits on them. */
const NOBODY: RequestOwner = { onRequestDone () {}, closed: false }
const RESUBSCRIBE_DELAY_MS = 250
const CONFIRMATIONS = new Set(['subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe'])

/**
 * The confirmations one (P|S)(UN)SUBSCRIBE will get, holding that command's place in the
 * client's reply queue so replies stay in request order. For shard channels, whose
 * subscriptions are spread over several node connections, the counts are rewritten to the
 * session's total, which is what one node would have said.
 */
class Confirmation {
  reply: Buffer | null = null
  private readonly frames: Buffer[] = []
  constructor (
    private readonly owner: ClientContext | null,
    private expected: number,
    /** Rewritten counts, one per frame (sharded), or null to keep the node's. */
    private readonly counts: number[] | null,
    /** The command, to send again elsewhere after a MOVED. */
    readonly args: Buffer[],
    /** The frames a node would send, made when the command was sent, for finishLocally(). */
    private readonly expectedFrames: Buffer[] = []
  ) {}

  get done (): boolean { return this.expected === 0 }

  /**
   * Completes a confirmation whose connection was dropped on purpose (RESET) with the frames
   * the node would have sent, so the client's reply queue never waits on it.
   */
  finishLocally (makeFrame: (kind: string, channel: Buffer | null) => Buffer): void {
    const kind = this.args[0].toString('latin1').toLowerCase()
    for (let i = this.frames.length; this.expected > 0; i++) {
      this.add(this.expectedFrames[i] ?? makeFrame(kind, this.args[i + 1] ?? null), 2)
    }
  }

  add (frame: Buffer, protocol: 2 | 3): void {
    const count = this.counts?.[this.frames.length]
    this.frames.push(count === undefined ? frame : withCount(frame, count, protocol))
    if (--this.expected === 0) {
      this.reply = Buffer.concat(this.frames)
      this.owner?.sink.onRequestDone(this)
    }
  }
}

/**
 * Pub/Sub for one session. Classic channels and patterns live on one dedicated connection to
 * one master (cluster Pub/Sub delivers every PUBLISH to every node); shard channels
 * (SSUBSCRIBE, Redis 7) on one connection per shard in use. Confirmations take their place
 * in the reply queue; messages are queued as they arrive. When a connection is lost (a
 * failover) or a shard channel's slot moves, the subscriptions are made again where the
 * cluster now serves them, and the confirmations of that re-subscription are swallowed.
 */
export class Subscriptions implements DedicatedLinkOwner {
  private readonly channels = new Set<string>()
  private readonly patterns = new Set<string>()
  private readonly shardChannels = new Map<string, number>()
  private classic: DedicatedLink | null = null
  private readonly shardLinks = new Map<NodeAddress, DedicatedLink>()
  /** Confirmations awaited per connection, in the order the commands were sent. */
  private readonly awaiting = new Map<DedicatedLink, Confirmation[]>()
  private closed = false

  constructor (private readonly client: ClientContext) {}

  /** Subscriptions held (channels + patterns + shard channels): RESP2 subscribed mode when > 0. */
  get count (): number { return this.channels.size + this.patterns.size + this.shardChannels.size }
  get channelCount (): number { return this.channels.size }
  get patternCount (): number { return this.patterns.size }
  get shardChannelCount (): number { return this.shardChannels.size }

  /** SUBSCRIBE / PSUBSCRIBE / UNSUBSCRIBE / PUNSUBSCRIBE */
  classicCommand (name: string, args: Buffer[]): void {
    const set = name.startsWith('p') ? this.patterns : this.channels
    const names = args.slice(1).map(a => a.toString('latin1'))
    if (name.endsWith('unsubscribe') && this.classic === null) { this.replyUnsubscribedLocally(name, args, this.count); return }
    // The frames a node will send, with Redis' running counts (channels + patterns): kept in
    // case the connection is dropped on purpose before they arrive (RESET).
    const frames: Buffer[] = []
    if (name.endsWith('unsubscribe')) {
      // With no channels, Redis answers one frame per subscription dropped, or one with a null channel.
      const dropped = names.length > 0 ? names : [...set]
      if (dropped.length === 0) frames.push(this.frame(name, null, this.count))
      for (const n of dropped) {
        set.delete(n)
        frames.push(this.frame(name, Buffer.from(n, 'latin1'), this.channels.size + this.patterns.size))
      }
    } else {
      for (const n of names) {
        set.add(n)
        frames.push(this.frame(name, Buffer.from(n, 'latin1'), this.channels.size + this.patterns.size))
      }
    }
    this.send(this.classicLink(), args, frames.length, null, false, frames)
  }

  /** SSUBSCRIBE / SUNSUBSCRIBE */
  shardCommand (name: string, args: Buffer[]): void {
    if (name === 'ssubscribe') {
      const slot = keySlot(args[1])
      const counts: number[] = []
      for (const a of args.slice(1)) {
        this.shardChannels.set(a.toString('latin1'), slot)
        counts.push(this.shardChannels.size)
      }
      const link = this.shardLink(slot)
      if (link === null) { this.client.sink.push(new LocalReply(Buffer.from('-CLUSTERDOWN Hash slot not served\r\n'))); return }
      this.send(link, args, counts.length, counts)
      return
    }
    const channels = args.length > 1 ? args.slice(1) : [...this.shardChannels.keys()].map(c => Buffer.from(c, 'latin1'))
    if (channels.length === 0) { this.replyUnsubscribedLocally(name, args, this.shardChannels.size); return }
    for (const a of channels) {
      const ch = a.toString('latin1')
      const slot = this.shardChannels.get(ch)
      this.shardChannels.delete(ch)
      const link = slot === undefined ? undefined : this.shardLinks.get(this.client.ctx.topology.masterFor(slot) ?? '')
      if (link !== undefined && !link.closed) this.send(link, [args[0], a], 1, [this.shardChannels.size])
      else this.client.sink.push(new LocalReply(this.frame('sunsubscribe', a, this.shardChannels.size)))
    }
  }

  /** Drops every subscription and connection (RESET, disconnect). */
  reset (): void {
    this.channels.clear()
    this.patterns.clear()
    this.shardChannels.clear()
    const links = [this.classic, ...this.shardLinks.values()]
    const pending = [...this.awaiting.values()].flat()
    // Forget the links before closing them, so their close is not taken for a failover.
    this.classic = null
    this.shardLinks.clear()
    this.awaiting.clear()
    for (const l of links) l?.close()
    for (const c of pending) c.finishLocally((kind, channel) => this.frame(kind, channel, 0))
  }

  /** The session is gone for good. */
  close (): void {
    this.closed = true
    this.reset()
  }

  /** @internal DedicatedLinkOwner: a frame from the node. */
  onDedicatedPush (link: DedicatedLink, frame: Buffer): void {
    const waiting = this.awaiting.get(link)
    const head = waiting?.[0]
    if (frame[0] === 0x2d) {
      // An error answers the command at the head: a MOVED means its shard channel's slot is
      // elsewhere now — subscribe there instead of showing the client a redirect.
      const redirect = parseRedirect(frame, link.node)
      if (head !== undefined && redirect !== null && redirect.kind === 'moved') {
        waiting?.shift()
        this.client.ctx.topology.moveSlot(redirect.slot, redirect.node)
        this.client.ctx.requestRefresh()
        const target = this.shardLink(redirect.slot)
        if (target !== null) { this.enqueue(target, head); target.send(this.request(head.args)); return }
      }
      if (head !== undefined) { waiting?.shift(); head.add(frame, this.client.protocol) } else this.client.sink.pushMessage(frame)
      return
    }
    const kind = this.frameKind(frame)
    if (kind !== null && CONFIRMATIONS.has(kind) && head !== undefined) {
      head.add(frame, this.client.protocol)
      if (head.done) waiting?.shift()
      return
    }
    if (kind === 'sunsubscribe') {
      // The node dropped a shard channel we still hold: its slot moved. Follow it.
      const name = readBulk((readElements(frame) as Buffer[])[1])?.toString('latin1')
      if (name !== undefined && this.shardChannels.has(name)) {
        this.client.ctx.requestRefresh()
        setTimeout(() => { this.resubscribeShard([name]) }, RESUBSCRIBE_DELAY_MS)
        return
      }
    }
    this.client.sink.pushMessage(frame)
  }

  /** @internal DedicatedLinkOwner: a connection died; subscribe again where the cluster says. */
  onDedicatedDown (link: DedicatedLink): void {
    const waiting = this.awaiting.get(link) ?? []
    this.awaiting.delete(link)
    if (this.closed) return
    // A link this session already let go of (RESET, UNSUBSCRIBE of everything) is not a failover.
    if (link !== this.classic && ![...this.shardLinks.values()].includes(link)) return
    this.client.ctx.requestRefresh()
    if (link === this.classic) {
      this.classic = null
      if (this.channels.size + this.patterns.size > 0) setTimeout(() => { this.resubscribeClassic(waiting) }, RESUBSCRIBE_DELAY_MS)
      return
    }
    for (const [node, l] of this.shardLinks) if (l === link) this.shardLinks.delete(node)
    const resent = new Set(waiting.flatMap(c => c.args.slice(1).map(a => a.toString('latin1'))))
    const lost = [...this.shardChannels]
      .filter(([ch, slot]) => !resent.has(ch) && this.client.ctx.topology.masterFor(slot) === link.node)
      .map(([ch]) => ch)
    setTimeout(() => {
      // Commands still waiting for their confirmations go again, to the node serving them now.
      for (const c of waiting) this.resend(c)
      if (lost.length > 0) this.resubscribeShard(lost)
    }, RESUBSCRIBE_DELAY_MS)
  }

  /** Sends a waiting shard command again where its channel's slot is served now. */
  private resend (c: Confirmation): void {
    if (this.closed) return
    if (c.args.length < 2) { c.finishLocally((kind, channel) => this.frame(kind, channel, this.shardChannels.size)); return }
    const link = this.shardLink(keySlot(c.args[1]))
    if (link === null) { setTimeout(() => { this.resend(c) }, RESUBSCRIBE_DELAY_MS); return }
    this.enqueue(link, c)
    link.send(this.request(c.args))
  }

  private resubscribeClassic (pending: Confirmation[]): void {
    if (this.closed || this.classic !== null) return
    const link = this.classicLink()
    if (this.channels.size > 0) this.send(link, [Buffer.from('SUBSCRIBE'), ...[...this.channels].map(c => Buffer.from(c, 'latin1'))], this.channels.size, null, true)
    if (this.patterns.size > 0) this.send(link, [Buffer.from('PSUBSCRIBE'), ...[...this.patterns].map(c => Buffer.from(c, 'latin1'))], this.patterns.size, null, true)
    // Client commands that were waiting on the lost connection are sent again after.
    for (const c of pending) { this.enqueue(link, c); link.send(this.request(c.args)) }
  }

  private resubscribeShard (channels: string[]): void {
    if (this.closed) return
    for (const ch of channels) {
      const slot = this.shardChannels.get(ch)
      if (slot === undefined) continue
      const link = this.shardLink(slot)
      if (link === null) { setTimeout(() => { this.resubscribeShard([ch]) }, RESUBSCRIBE_DELAY_MS); continue }
      this.send(link, [Buffer.from('SSUBSCRIBE'), Buffer.from(ch, 'latin1')], 1, null, true)
    }
  }

  /** Sends a subscription command; `silent` ones (re-subscriptions) swallow their confirmations. */
  private send (link: DedicatedLink, args: Buffer[], expected: number, counts: number[] | null, silent = false, frames: Buffer[] = []): void {
    const c = new Confirmation(silent ? null : this.client, expected, counts, args, frames)
    if (!silent) this.client.sink.push(c)
    this.enqueue(link, c)
    link.send(this.request(args))
  }

  private enqueue (link: DedicatedLink, c: Confirmation): void {
    const list = this.awaiting.get(link) ?? []
    list.push(c)
    this.awaiting.set(link, list)
  }

  private classicLink (): DedicatedLink {
    if (this.classic === null || this.classic.closed) {
      const node = anyMaster(this.client) ?? this.client.ctx.seeds[0]
      this.classic = new DedicatedLink(node, dedicatedLinkOptions(this.client, { passthrough: true }), this)
    }
    return this.classic
  }

  private shardLink (slot: number): DedicatedLink | null {
    const node = this.client.ctx.topology.masterFor(slot)
    if (node === undefined) return null
    let link = this.shardLinks.get(node)
    if (link === undefined || link.closed) {
      link = new DedicatedLink(node, dedicatedLinkOptions(this.client, { passthrough: true }), this)
      this.shardLinks.set(node, link)
    }
    return link
  }

  private request (args: Buffer[]): BackendRequest {
    return new BackendRequest(args, -1, false, NOBODY)
  }

  /** Redis' answer to an unsubscribe when nothing is subscribed: one frame, channel null. */
  private replyUnsubscribedLocally (name: string, args: Buffer[], count: number): void {
    if (args.length === 1) { this.client.sink.push(new LocalReply(this.frame(name, null, count))); return }
    for (const a of args.slice(1)) this.client.sink.push(new LocalReply(this.frame(name, a, count)))
  }

  private frame (kind: string, channel: Buffer | null, count: number): Buffer {
    const p = this.client.protocol
    const body = Buffer.concat([bulkReply(kind), channel === null ? nullReply(p) : bulkReply(channel), integerReply(count)])
    return Buffer.concat([Buffer.from(p === 3 ? '>3\r\n' : '*3\r\n'), body])
  }

  private frameKind (frame: Buffer): string | null {
    const e = readElements(frame)
    const first = e !== null && e.length > 0 ? readBulk(e[0]) : null
    return first === null ? null : first.toString('latin1').toLowerCase()
  }
}

/** A confirmation frame `[kind, channel, count]` with its count replaced. */
function withCount (frame: Buffer, count: number, protocol: 2 | 3): Buffer {
  const e = readElements(frame)
  if (e === null || e.length !== 3) return frame
  return Buffer.concat([Buffer.from(protocol === 3 && frame[0] === 0x3e ? '>3\r\n' : '*3\r\n'), e[0], e[1], integerReply(count)])
}
