import { BackendRequest, type RequestOwner } from '../cluster/backend-request.js'
import { DedicatedLink, type DedicatedLinkOwner } from '../cluster/dedicated-link.js'
import { keySlot } from '../cluster/key-slot.js'
import type { NodeAddress } from '../cluster/node-address.js'
import { arrayReply, bulkReply, integerReply, nullReply } from '../resp/encode.js'
import { readBulk, readElements } from '../resp/decode-reply.js'
import type { SessionPort } from './session-port.js'

/** Requests on passthrough links are never answered one by one; nobody waits on them. */
const NOBODY: RequestOwner = { onRequestDone () {}, closed: false }
const RESUBSCRIBE_DELAY_MS = 250

/**
 * Pub/Sub for one session. Classic channels and patterns live on one dedicated connection to
 * one master (cluster Pub/Sub delivers every PUBLISH to every node); shard channels
 * (SSUBSCRIBE, Redis 7) on one connection per shard in use. Every frame from these
 * connections goes to the client as it is, in arrival order. When a connection is lost (a
 * failover) or a shard channel's slot moves away, the subscriptions are made again on the
 * node that now serves them, and the confirmations of that re-subscription are swallowed:
 * the client sees no gap it must handle.
 */
export class Subscriptions implements DedicatedLinkOwner {
  private readonly channels = new Set<string>()
  private readonly patterns = new Set<string>()
  private readonly shardChannels = new Map<string, number>()
  private classic: DedicatedLink | null = null
  private readonly shardLinks = new Map<NodeAddress, DedicatedLink>()
  /** Confirmation frames still to swallow per link after a re-subscription. */
  private readonly swallow = new Map<DedicatedLink, number>()
  private closed = false

  constructor (private readonly session: SessionPort) {}

  /** Subscriptions held (channels + patterns + shard channels): RESP2 subscribed mode when > 0. */
  get count (): number { return this.channels.size + this.patterns.size + this.shardChannels.size }

  /** SUBSCRIBE / PSUBSCRIBE / UNSUBSCRIBE / PUNSUBSCRIBE */
  classicCommand (name: string, args: Buffer[]): void {
    const set = name.startsWith('p') ? this.patterns : this.channels
    const names = args.slice(1).map(a => a.toString('latin1'))
    if (name.endsWith('unsubscribe')) {
      if (this.classic === null) { this.replyUnsubscribedLocally(name, args); return }
      if (names.length === 0) set.clear()
      for (const n of names) set.delete(n)
    } else {
      for (const n of names) set.add(n)
    }
    this.classicLink().send(this.request(args))
  }

  /** SSUBSCRIBE / SUNSUBSCRIBE */
  shardCommand (name: string, args: Buffer[]): void {
    if (name === 'ssubscribe') {
      const slot = keySlot(args[1])
      for (const a of args.slice(1)) this.shardChannels.set(a.toString('latin1'), slot)
      const link = this.shardLink(slot)
      if (link !== null) link.send(this.request(args))
      return
    }
    if (this.shardLinks.size === 0) { this.replyUnsubscribedLocally(name, args); return }
    if (args.length === 1) {
      this.shardChannels.clear()
      for (const link of this.shardLinks.values()) link.send(this.request(args))
      return
    }
    for (const a of args.slice(1)) {
      const ch = a.toString('latin1')
      const slot = this.shardChannels.get(ch) ?? keySlot(a)
      this.shardChannels.delete(ch)
      const link = this.shardLinks.get(this.session.ctx.topology.masterFor(slot) ?? '')
      if (link !== undefined) link.send(this.request([args[0], a]))
      else this.session.pushReply(this.frame('sunsubscribe', a, this.shardChannels.size))
    }
  }

  /** PING in RESP2 subscribed mode answers `pong` as a Pub/Sub frame, as Redis does. */
  ping (args: Buffer[]): void {
    this.session.pushReply(arrayReply([bulkReply('pong'), bulkReply(args.length > 1 ? args[1] : '')]))
  }

  /** Drops every subscription and connection (RESET, disconnect). */
  reset (): void {
    this.channels.clear()
    this.patterns.clear()
    this.shardChannels.clear()
    this.classic?.close()
    this.classic = null
    for (const l of this.shardLinks.values()) l.close()
    this.shardLinks.clear()
  }

  /** The session is gone for good. */
  close (): void {
    this.closed = true
    this.reset()
  }

  /** @internal DedicatedLinkOwner: a frame from the node, for the client. */
  onDedicatedPush (link: DedicatedLink, frame: Buffer): void {
    const left = this.swallow.get(link) ?? 0
    const kind = left > 0 || link !== this.classic ? this.frameKind(frame) : null
    if (left > 0 && kind !== null && kind.endsWith('subscribe') && !kind.endsWith('unsubscribe')) {
      this.swallow.set(link, left - 1)
      return
    }
    if (kind === 'sunsubscribe' && link !== this.classic) {
      // The node dropped a shard channel we still hold: its slot moved. Follow it.
      const ch = readBulk((readElements(frame) as Buffer[])[1])
      const name = ch?.toString('latin1')
      if (name !== undefined && this.shardChannels.has(name)) {
        setTimeout(() => { this.resubscribeShard([name]) }, RESUBSCRIBE_DELAY_MS)
        return
      }
    }
    this.session.pushReply(frame)
  }

  /** @internal DedicatedLinkOwner: a connection died; subscribe again where the cluster says. */
  onDedicatedDown (link: DedicatedLink): void {
    this.swallow.delete(link)
    if (this.closed) return
    if (link === this.classic) {
      this.classic = null
      if (this.channels.size + this.patterns.size > 0) setTimeout(() => { this.resubscribeClassic() }, RESUBSCRIBE_DELAY_MS)
      return
    }
    for (const [node, l] of this.shardLinks) if (l === link) this.shardLinks.delete(node)
    const lost = [...this.shardChannels].filter(([, slot]) => this.session.ctx.topology.masterFor(slot) === link.node).map(([ch]) => ch)
    this.session.ctx.requestRefresh()
    if (lost.length > 0) setTimeout(() => { this.resubscribeShard(lost) }, RESUBSCRIBE_DELAY_MS)
  }

  private resubscribeClassic (): void {
    if (this.closed || this.classic !== null) return
    const link = this.classicLink()
    let expected = 0
    if (this.channels.size > 0) {
      link.send(this.request([Buffer.from('SUBSCRIBE'), ...[...this.channels].map(c => Buffer.from(c, 'latin1'))]))
      expected += this.channels.size
    }
    if (this.patterns.size > 0) {
      link.send(this.request([Buffer.from('PSUBSCRIBE'), ...[...this.patterns].map(c => Buffer.from(c, 'latin1'))]))
      expected += this.patterns.size
    }
    this.swallow.set(link, expected)
  }

  private resubscribeShard (channels: string[]): void {
    if (this.closed) return
    for (const ch of channels) {
      const slot = this.shardChannels.get(ch)
      if (slot === undefined) continue
      const link = this.shardLink(slot)
      if (link === null) { setTimeout(() => { this.resubscribeShard([ch]) }, RESUBSCRIBE_DELAY_MS); continue }
      this.swallow.set(link, (this.swallow.get(link) ?? 0) + 1)
      link.send(this.request([Buffer.from('SSUBSCRIBE'), Buffer.from(ch, 'latin1')]))
    }
  }

  private classicLink (): DedicatedLink {
    if (this.classic === null || this.classic.closed) {
      const node = this.session.anyMaster() ?? this.session.ctx.seeds[0]
      this.classic = new DedicatedLink(node, this.session.linkOptions({ passthrough: true }), this)
    }
    return this.classic
  }

  private shardLink (slot: number): DedicatedLink | null {
    const node = this.session.ctx.topology.masterFor(slot)
    if (node === undefined) return null
    let link = this.shardLinks.get(node)
    if (link === undefined || link.closed) {
      link = new DedicatedLink(node, this.session.linkOptions({ passthrough: true }), this)
      this.shardLinks.set(node, link)
    }
    return link
  }

  private request (args: Buffer[]): BackendRequest {
    return new BackendRequest(args, -1, false, NOBODY)
  }

  /** Redis' answer to an UNSUBSCRIBE when nothing is subscribed: one frame, channel null. */
  private replyUnsubscribedLocally (name: string, args: Buffer[]): void {
    if (args.length === 1) { this.session.pushReply(this.frame(name, null, 0)); return }
    for (const a of args.slice(1)) this.session.pushReply(this.frame(name, a, 0))
  }

  private frame (kind: string, channel: Buffer | null, count: number): Buffer {
    const p = this.session.protocol
    const body = Buffer.concat([bulkReply(kind), channel === null ? nullReply(p) : bulkReply(channel), integerReply(count)])
    return Buffer.concat([Buffer.from(p === 3 ? '>3\r\n' : '*3\r\n'), body])
  }

  private frameKind (frame: Buffer): string | null {
    const e = readElements(frame)
    const first = e !== null && e.length > 0 ? readBulk(e[0]) : null
    return first === null ? null : first.toString('latin1').toLowerCase()
  }
}
