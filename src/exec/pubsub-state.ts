import type { DedicatedLink } from '../cluster/dedicated-link.js'
import { keySlot } from '../cluster/key-slot.js'
import type { NodeAddress } from '../cluster/node-address.js'
import type { Topology } from '../cluster/topology.js'
import { channelHome } from '../commands/pubsub-homes.js'
import type { ClientContext } from './context.js'
import type { QueueEntry } from './queue-entry.js'

/** The three kinds of subscription, and their commands. */
export type Kind = 'channel' | 'pattern' | 'shard'
export const SUBSCRIBE: Record<Kind, string> = { channel: 'SUBSCRIBE', pattern: 'PSUBSCRIBE', shard: 'SSUBSCRIBE' }
export const UNSUBSCRIBE: Record<Kind, string> = { channel: 'UNSUBSCRIBE', pattern: 'PUNSUBSCRIBE', shard: 'SUNSUBSCRIBE' }
export const CONFIRMATION: Record<string, [Kind, boolean]> = {
  subscribe: ['channel', true],
  psubscribe: ['pattern', true],
  ssubscribe: ['shard', true],
  unsubscribe: ['channel', false],
  punsubscribe: ['pattern', false],
  sunsubscribe: ['shard', false]
}

/** A client's (P|S)SUBSCRIBE: its place in the reply queue, complete once every node confirmed. */
export class Confirmation implements QueueEntry {
  reply: Buffer | null = null
  command: string | null | undefined = undefined
  startedAt = 0
  awaited = 0
  /** A push: CLIENT REPLY OFF does not silence it (see QueueEntry.push). */
  push = false
  error: Buffer | null = null
  constructor (private readonly frames: Buffer, private readonly client: ClientContext) {}
  ack (): void { if (--this.awaited <= 0) this.complete() }
  complete (): void {
    if (this.reply !== null) return
    this.reply = this.error ?? this.frames
    this.client.sink.onRequestDone(this)
  }
}

/** A command sent on a node's Pub/Sub connection, awaiting one confirmation per name. */
export interface Pending { kind: Kind, subscribe: boolean, names: string[], waiter: Confirmation | null }

/** One node's Pub/Sub connection for this client, and what is subscribed there. */
export interface NodeSubs {
  link: DedicatedLink
  active: Record<Kind, Set<string>>
  pending: Pending[]
}

/** True when `name` of `kind` waits on this node in a command not yet confirmed. */
export function isPending (subs: NodeSubs, kind: Kind, name: string, subscribe?: boolean): boolean {
  return subs.pending.some(p => p.kind === kind && (subscribe === undefined || p.subscribe === subscribe) && p.names.includes(name))
}

/** The masters a subscription belongs on (none while its master is failing over: reconciled later). */
export function subscriptionTargets (topology: Topology, kind: Kind, name: string): NodeAddress[] {
  const home = kind === 'pattern' ? 'all' : kind === 'shard' ? keySlot(Buffer.from(name, 'latin1')) : channelHome(Buffer.from(name, 'latin1'))
  if (home === 'all') return topology.allShards().filter(s => !s.masterFailing).map(s => s.master)
  const shard = topology.shardFor(home)
  return shard === undefined || shard.masterFailing ? [] : [shard.master]
}
