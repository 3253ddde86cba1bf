import { BackendRequest, type RequestOwner } from '../cluster/backend-request.js'
import { parseClusterSignal } from '../cluster/cluster-signal.js'
import type { DedicatedLink, DedicatedLinkOwner } from '../cluster/dedicated-link.js'
import type { NodeAddress } from '../cluster/node-address.js'
import { errorReply } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { ClientContext } from './context.js'
import { readPubSubFrame, subscriptionFrame } from './pubsub-frames.js'
import { Confirmation, CONFIRMATION, isPending, SUBSCRIBE, subscriptionTargets, UNSUBSCRIBE, type Kind, type NodeSubs, type Pending } from './pubsub-state.js'
import { channelHome, isNodeLocalChannel } from '../commands/pubsub-homes.js'
import { LocalReply } from './queue-entry.js'
import { dedicatedLinkOptions } from './targets.js'

/** Requests on Pub/Sub connections are answered by frames, not one by one: nobody waits on them. */
const NOBODY: RequestOwner = { onRequestDone () {}, closed: false }
const RECONCILE_DELAY_MS = 250

/**
 * Pub/Sub for one client. Classic channels live on their home master (pubsub-homes.ts), so
 * that PUBLISH, routed the same way, counts subscribers as one node would; patterns and
 * `__keyevent@*` channels on every master; shard channels on their slot's master. Each master
 * in use gets one connection of the client's own (its bounds apply). Confirmations hold
 * their command's place in the reply queue until every node involved confirmed, with the
 * counts one node would give; messages join the queue as they come, each once: an ordinary
 * message from its channel's home only (the cluster delivers it to every node), keyspace
 * notifications from every master. What the client wants is kept apart from what each node
 * has, and the two are reconciled after a failover, a slot move or a lost connection.
 */
export class Subscriptions implements DedicatedLinkOwner {
  private readonly wanted: Record<Kind, Map<string, Buffer>> = { channel: new Map(), pattern: new Map(), shard: new Map() }
  private readonly nodes = new Map<NodeAddress, NodeSubs>()
  private reconcileTimer: NodeJS.Timeout | null = null
  private closed = false
  private readonly onTopology = (): void => { this.reconcileSoon(0) }

  constructor (private readonly client: ClientContext) {}

  /** Subscriptions held (channels + patterns + shard channels): RESP2 subscribed mode when > 0. */
  get count (): number { return this.wanted.channel.size + this.wanted.pattern.size + this.wanted.shard.size }
  get channelCount (): number { return this.wanted.channel.size }
  get patternCount (): number { return this.wanted.pattern.size }
  get shardChannelCount (): number { return this.wanted.shard.size }

  /** (P|S)SUBSCRIBE and their unsubscribes, by command name. */
  command (name: string, args: Buffer[]): void {
    const [kind, subscribe] = CONFIRMATION[name]
    if (subscribe) this.subscribe(name, kind, args.slice(1))
    else this.unsubscribe(name, kind, args.slice(1))
  }

  private subscribe (name: string, kind: Kind, names: Buffer[]): void {
    if (this.count === 0) this.client.ctx.topology.onChange(this.onTopology)
    const frames: Buffer[] = []
    for (const n of names) {
      this.wanted[kind].set(n.toString('latin1'), n)
      frames.push(subscriptionFrame(this.client.protocol, name, n, this.countFor(kind)))
    }
    const waiter = new Confirmation(Buffer.concat(frames), this.client)
    waiter.push = true
    this.client.sink.push(waiter)
    const refused = this.sendWhereMissing(kind, names.map(n => n.toString('latin1')), waiter)
    if (refused !== null) {
      for (const n of names) this.wanted[kind].delete(n.toString('latin1'))
      waiter.error = errorReply(refused)
    }
    if (waiter.awaited === 0) waiter.complete()
  }

  private unsubscribe (name: string, kind: Kind, names: Buffer[]): void {
    const dropped = names.length > 0 ? names : [...this.wanted[kind].values()]
    // With nothing to drop, Redis answers one frame with a null channel.
    if (dropped.length === 0) {
      this.client.sink.push(this.pushed(new LocalReply(subscriptionFrame(this.client.protocol, name, null, this.countFor(kind)))))
      return
    }
    const frames: Buffer[] = []
    for (const n of dropped) {
      this.wanted[kind].delete(n.toString('latin1'))
      frames.push(subscriptionFrame(this.client.protocol, name, n, this.countFor(kind)))
    }
    // Answered at once: from now on no message of these is delivered (see onDedicatedPush).
    this.client.sink.push(this.pushed(new LocalReply(Buffer.concat(frames))))
    for (const [node, subs] of this.nodes) {
      const there = dropped.map(n => n.toString('latin1')).filter(n => subs.active[kind].has(n) || isPending(subs, kind, n))
      if (there.length > 0) this.send(node, subs, { kind, subscribe: false, names: there, waiter: null })
    }
    if (this.count === 0) this.client.ctx.topology.offChange(this.onTopology)
  }

  /** Drops every subscription and connection (RESET, disconnect); confirmations due still come. */
  reset (): void {
    for (const kind of ['channel', 'pattern', 'shard'] as const) this.wanted[kind].clear()
    const nodes = [...this.nodes.values()]
    this.nodes.clear()
    for (const subs of nodes) {
      for (const p of subs.pending) p.waiter?.complete()
      subs.link.close('subscriptions reset')
    }
    if (this.reconcileTimer !== null) clearTimeout(this.reconcileTimer)
    this.reconcileTimer = null
    this.client.ctx.topology.offChange(this.onTopology)
  }

  /** The client is gone for good. */
  close (): void {
    this.closed = true
    this.reset()
  }

  /** @internal DedicatedLinkOwner: a frame from a node. */
  onDedicatedPush (link: DedicatedLink, frame: Buffer): void {
    const subs = this.nodes.get(link.node)
    if (subs === undefined || subs.link !== link) return
    if (frame[0] === 0x2d) { this.onNodeError(link.node, subs, frame); return }
    const f = readPubSubFrame(frame)
    if (f === null) return // a reply to our liveness PING
    const confirmation = CONFIRMATION[f.kind]
    const head = subs.pending[0]
    if (confirmation !== undefined && head !== undefined && head.kind === confirmation[0] && head.subscribe === confirmation[1]) {
      const name = f.channel?.toString('latin1') ?? ''
      if (head.subscribe) { subs.active[head.kind].add(name); this.onActive(link.node, head.kind, name) } else subs.active[head.kind].delete(name)
      head.names.shift()
      if (head.names.length === 0) subs.pending.shift()
      head.waiter?.ack()
      this.closeIfIdle(link.node, subs)
      return
    }
    if (f.kind === 'sunsubscribe' && f.channel !== null) {
      // The node dropped a shard channel: its slot moved. Subscribe where it lives now.
      subs.active.shard.delete(f.channel.toString('latin1'))
      this.client.ctx.requestRefresh()
      this.reconcileSoon(RECONCILE_DELAY_MS)
      return
    }
    if (this.deliverable(link.node, f.kind, f.channel, f.pattern)) this.client.sink.pushMessage(frame)
  }

  /** @internal DedicatedLinkOwner: a node's connection died; subscribe again where the cluster says. */
  onDedicatedDown (link: DedicatedLink): void {
    const subs = this.nodes.get(link.node)
    this.client.ctx.dedicated.release(this.client.id)
    if (subs === undefined || subs.link !== link) return
    this.nodes.delete(link.node)
    // Their subscriptions are re-made by the reconcile; the client's confirmations need not wait for it.
    for (const p of subs.pending) if (p.subscribe) p.waiter?.complete()
    if (this.closed || this.count === 0) return
    this.client.ctx.requestRefresh()
    this.reconcileSoon(RECONCILE_DELAY_MS)
  }

  /** Whether a message from `node` is this client's, and not one it gets from another node too. */
  private deliverable (node: NodeAddress, kind: string, channel: Buffer | null, pattern: Buffer | null): boolean {
    if (channel === null) return false
    const name = channel.toString('latin1')
    switch (kind) {
      case 'message': return this.wanted.channel.has(name) && this.isSource(node, 'channel', name, channel)
      case 'smessage': return this.wanted.shard.has(name)
      case 'pmessage': {
        const p = pattern?.toString('latin1') ?? ''
        return this.wanted.pattern.has(p) && (isNodeLocalChannel(channel) || this.isSource(node, 'pattern', p, channel))
      }
      default: return true
    }
  }

  /**
   * For a message every node receives: true when `node` is where this client takes it from —
   * the channel's home, or, while the home has no subscription yet (a move in progress), any
   * node that has one.
   */
  private isSource (node: NodeAddress, kind: Kind, name: string, channel: Buffer): boolean {
    const home = channelHome(channel)
    if (home === 'all') return true
    const homeNode = this.client.ctx.topology.masterFor(home)
    if (node === homeNode) return true
    const homeSubs = homeNode === undefined ? undefined : this.nodes.get(homeNode)
    return homeSubs === undefined || !homeSubs.active[kind].has(name)
  }

  /** Subscribes `names` on every node that should have them and does not; returns a refusal text or null. */
  private sendWhereMissing (kind: Kind, names: string[], waiter: Confirmation | null): string | null {
    const byNode = new Map<NodeAddress, string[]>()
    for (const name of names) {
      for (const node of subscriptionTargets(this.client.ctx.topology, kind, name)) {
        const subs = this.nodes.get(node)
        if (subs !== undefined && (subs.active[kind].has(name) || isPending(subs, kind, name, true))) continue
        const list = byNode.get(node) ?? []
        if (!list.includes(name)) list.push(name)
        byNode.set(node, list)
      }
    }
    for (const [node, list] of byNode) {
      const subs = this.nodes.get(node) ?? this.connect(node)
      if (typeof subs === 'string') return subs
      if (waiter !== null) waiter.awaited += list.length
      this.send(node, subs, { kind, subscribe: true, names: list, waiter })
    }
    return null
  }

  /** A subscription became active on `node`: copies of it elsewhere (an old home) are dropped. */
  private onActive (node: NodeAddress, kind: Kind, name: string): void {
    if (kind === 'pattern') return
    for (const [other, subs] of this.nodes) {
      if (other !== node && subs.active[kind].has(name) && !subscriptionTargets(this.client.ctx.topology, kind, name).includes(other)) {
        this.send(other, subs, { kind, subscribe: false, names: [name], waiter: null })
      }
    }
  }

  private onNodeError (node: NodeAddress, subs: NodeSubs, frame: Buffer): void {
    const head = subs.pending.shift()
    if (head === undefined) return
    const signal = parseClusterSignal(frame, node)
    if (signal !== null && signal.kind === 'moved') {
      // A shard channel's slot is elsewhere: record it, and subscribe there for the same waiter.
      this.client.ctx.topology.moveSlot(signal.slot, signal.node)
      this.client.ctx.requestRefresh()
      if (head.waiter !== null) head.waiter.awaited -= head.names.length
      const refused = this.sendWhereMissing(head.kind, head.names.filter(n => this.wanted[head.kind].has(n)), head.waiter)
      if (refused !== null && head.waiter !== null) head.waiter.error = errorReply(refused)
      if (head.waiter !== null && head.waiter.awaited <= 0) head.waiter.complete()
      return
    }
    // Refused (NOPERM, CROSSSLOT ...): the client gets the node's error and holds no phantom channel.
    if (head.subscribe) for (const n of head.names) this.wanted[head.kind].delete(n)
    if (head.waiter !== null) {
      head.waiter.error = frame
      head.waiter.awaited -= head.names.length - 1
      head.waiter.ack()
    }
  }

  private reconcileSoon (delayMs: number): void {
    if (this.reconcileTimer !== null || this.closed) return
    this.reconcileTimer = setTimeout(() => {
      this.reconcileTimer = null
      this.reconcile()
    }, delayMs)
  }

  /** Makes every wanted subscription exist where it belongs now (after a failover, a move, a lost link). */
  private reconcile (): void {
    if (this.closed || this.count === 0) return
    for (const kind of ['channel', 'pattern', 'shard'] as const) {
      const refused = this.sendWhereMissing(kind, [...this.wanted[kind].keys()], null)
      if (refused !== null) this.reconcileSoon(RECONCILE_DELAY_MS * 4) // no connection to be had now: try again later
    }
    // Patterns on a node that is no master any more.
    const masters = new Set(this.client.ctx.topology.masters())
    for (const [node, subs] of this.nodes) {
      if (!masters.has(node) && subs.pending.length === 0) { this.nodes.delete(node); subs.link.close('no longer a master') }
    }
  }

  private connect (node: NodeAddress): NodeSubs | string {
    const { dedicated } = this.client.ctx
    if (!dedicated.lease(this.client.id)) return ReplyStrings.tooManyDedicated('per-client', dedicated.bounds.perClient)
    const link = dedicated.connect(node, dedicatedLinkOptions(this.client, { passthrough: true }), this)
    if (link === null) {
      dedicated.release(this.client.id)
      return ReplyStrings.tooManyDedicated('total', dedicated.bounds.max)
    }
    const subs: NodeSubs = { link, active: { channel: new Set(), pattern: new Set(), shard: new Set() }, pending: [] }
    this.nodes.set(node, subs)
    return subs
  }

  private send (node: NodeAddress, subs: NodeSubs, p: Pending): void {
    subs.pending.push(p)
    const names = p.names.map(n => this.wanted[p.kind].get(n) ?? Buffer.from(n, 'latin1'))
    subs.link.send(new BackendRequest([Buffer.from(p.subscribe ? SUBSCRIBE[p.kind] : UNSUBSCRIBE[p.kind]), ...names], -1, false, NOBODY, node))
  }

  /** A node connection with nothing subscribed and nothing pending is let go. */
  private closeIfIdle (node: NodeAddress, subs: NodeSubs): void {
    if (subs.pending.length > 0) return
    if (subs.active.channel.size + subs.active.pattern.size + subs.active.shard.size > 0) return
    this.nodes.delete(node)
    subs.link.close('no subscriptions left')
  }

  /** Confirmations are pushes, which CLIENT REPLY OFF does not silence (pubsub.c: CLIENT_PUSHING, RESP2 too). */
  private pushed (entry: LocalReply): LocalReply {
    entry.push = true
    return entry
  }

  private countFor (kind: Kind): number {
    return kind === 'shard' ? this.wanted.shard.size : this.wanted.channel.size + this.wanted.pattern.size
  }
}
