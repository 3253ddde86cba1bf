import { BackendRequest, type RequestOwner } from '../cluster/backend-request.js'
import { SLOT_COUNT } from '../cluster/key-slot.js'
import type { Topology } from '../cluster/topology.js'
import { decodeScanCursor, encodeScanCursor, EPOCH_MODULUS, type ScanPosition } from '../commands/scan-cursor.js'
import { arrayReply, bulkReply, errorReply } from '../resp/encode.js'
import { isErrorReply, readBulk, readElements } from '../resp/decode-reply.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { ClientContext } from './context.js'
import type { QueueEntry } from './queue-entry.js'

/**
 * SCAN over the whole cluster, one shard after the other in slot order: each call asks one
 * master for one step of its own SCAN, so Redis' guarantee (every key present for the whole
 * iteration is returned at least once) holds shard by shard — as long as no slot moves. The
 * cursor carries the cluster's config epoch from the iteration's start; when a slot moved or
 * a failover happened since (the epoch changed), the iteration starts over from the first
 * shard, so keys that moved from a shard not yet scanned into one already scanned are not
 * missed (they may come twice, which SCAN allows).
 */
export class ScanRequest implements RequestOwner, QueueEntry {
  reply: Buffer | null = null
  command: string | null | undefined = undefined
  startedAt = 0
  private position: ScanPosition | null = null

  constructor (private readonly client: ClientContext, private readonly args: Buffer[]) {}

  get lane (): number { return this.client.sink.lane }
  get closed (): boolean { return this.client.sink.closed }

  /** Sends this call's node SCAN (after a refresh when a MOVED left the epoch unknown). */
  start (): void {
    const given = decodeScanCursor(this.args[1].toString('latin1'))
    if (given === null) { this.finish(errorReply(ReplyStrings.invalidCursor)); return }
    const topology = this.client.ctx.topology
    if (topology.epoch === -1) {
      this.client.ctx.refreshTopology().then(() => { this.send(given) }, () => { this.send(given) })
    } else {
      this.send(given)
    }
  }

  private send (given: ScanPosition): void {
    const topology = this.client.ctx.topology
    const epoch = Math.max(0, topology.epoch) % EPOCH_MODULUS
    const fresh = given.slot === 0 && given.nodeCursor === '0' && given.epoch === 0
    const pos: ScanPosition = fresh || given.epoch !== epoch ? { slot: firstShardSlot(topology), nodeCursor: '0', epoch } : given
    const node = topology.masterFor(pos.slot)
    if (node === undefined) { this.finish(errorReply(ReplyStrings.noNodeForSlot(pos.slot))); return }
    this.position = pos
    // Addressed to the node, not the slot: a node cursor means something on its own node only.
    const req = new BackendRequest([this.args[0], Buffer.from(pos.nodeCursor), ...this.args.slice(2)], -1, true, this, node)
    req.protocol = this.client.protocol
    this.client.ctx.dispatcher.send(req)
  }

  /** @internal RequestOwner */
  onRequestDone (req: BackendRequest): void {
    const reply = req.reply as Buffer
    const parts = isErrorReply(reply) ? null : readElements(reply)
    const cursor = parts !== null && parts.length === 2 ? readBulk(parts[0]) : null
    const pos = this.position as ScanPosition
    if (parts === null || cursor === null) { this.finish(reply); return }
    const nodeCursor = cursor.toString('latin1')
    const answer = (next: string | null): void => {
      this.finish(next === null ? errorReply(ReplyStrings.cursorTooLarge) : arrayReply([bulkReply(next), parts[1]]))
    }
    if (nodeCursor !== '0') { answer(encodeScanCursor({ slot: pos.slot, nodeCursor, epoch: pos.epoch })); return }
    // A shard is done: before going on (or saying "done"), make sure no slot moved meanwhile,
    // even one slotgate was not told of by a MOVED (the map is refreshed, not trusted).
    const go = (): void => {
      const topology = this.client.ctx.topology
      const changed = Math.max(0, topology.epoch) % EPOCH_MODULUS !== pos.epoch
      // On a change, a cursor that keeps the old epoch: the next call starts over (never "0").
      answer(changed ? encodeScanCursor({ slot: 1, nodeCursor: '0', epoch: pos.epoch }) : nextShardCursor(topology, pos))
    }
    this.client.ctx.refreshTopology().then(go, go)
  }

  private finish (reply: Buffer): void {
    this.reply = reply
    this.client.sink.onRequestDone(this)
  }
}

/** The lowest slot of every shard, ascending: the order shards are scanned in. */
function shardStarts (topology: Topology): number[] {
  const seen = new Set<string>()
  const starts: number[] = []
  for (let s = 0; s < SLOT_COUNT; s++) {
    const m = topology.masterFor(s)
    if (m !== undefined && !seen.has(m)) { seen.add(m); starts.push(s) }
  }
  return starts
}

function firstShardSlot (topology: Topology): number {
  return shardStarts(topology)[0] ?? 0
}

/** Cursor for the start of the shard after `pos`'s, or "0" after the last. */
function nextShardCursor (topology: Topology, pos: ScanPosition): string | null {
  const next = shardStarts(topology).find(s => s > pos.slot)
  return next === undefined ? '0' : encodeScanCursor({ slot: next, nodeCursor: '0', epoch: pos.epoch })
}
