import { BackendRequest, type RequestOwner } from '../cluster/backend-request.js'
import type { RequestDispatcher } from '../cluster/request-dispatcher.js'
import type { Topology } from '../cluster/topology.js'
import { SLOT_COUNT } from '../cluster/key-slot.js'
import { decodeScanCursor, encodeScanCursor } from '../commands/scan-cursor.js'
import { arrayReply, bulkReply, errorReply } from '../resp/encode.js'
import { isErrorReply, readBulk, readElements } from '../resp/decode-reply.js'
import type { ReplySink } from './queue-entry.js'

/**
 * SCAN over the whole cluster, one shard after the other: the client's cursor says which
 * shard (by its lowest slot) and the node's cursor there. Each call asks exactly one master,
 * so Redis' guarantee (every key present for the whole iteration is returned at least once)
 * holds shard by shard and so for the cluster. The node request is addressed by slot, so a
 * failover between calls reaches the shard's new master.
 */
export class ScanRequest implements RequestOwner {
  reply: Buffer | null = null
  private readonly req: BackendRequest | null = null
  private readonly shardSlot: number

  constructor (private readonly owner: ReplySink, args: Buffer[], private readonly topology: Topology, protocol: 2 | 3) {
    const pos = decodeScanCursor(args[1].toString('latin1'))
    if (pos === null) {
      this.shardSlot = -1
      this.reply = errorReply('ERR invalid cursor')
      return
    }
    this.shardSlot = pos.slot
    const nodeArgs = [args[0], Buffer.from(pos.nodeCursor), ...args.slice(2)]
    this.req = new BackendRequest(nodeArgs, pos.slot, true, this)
    this.req.protocol = protocol
  }

  /** The client's lane, so these requests keep its order on a node's links. */
  get lane (): number { return this.owner.lane }

  get closed (): boolean { return this.owner.closed }

  /** Sends the node's SCAN (nothing to send when the cursor was invalid). */
  start (dispatcher: RequestDispatcher): void {
    if (this.req !== null) dispatcher.send(this.req)
  }

  /** @internal RequestOwner */
  onRequestDone (req: BackendRequest): void {
    const reply = req.reply as Buffer
    const parts = isErrorReply(reply) ? null : readElements(reply)
    const cursor = parts !== null && parts.length === 2 ? readBulk(parts[0]) : null
    if (parts === null || cursor === null) {
      this.reply = reply
    } else {
      const nodeCursor = cursor.toString('latin1')
      const next = nodeCursor !== '0'
        ? encodeScanCursor({ slot: this.shardSlot, nodeCursor })
        : this.nextShardCursor()
      this.reply = arrayReply([bulkReply(next), parts[1]])
    }
    this.owner.onRequestDone(this)
  }

  /** Cursor for the start of the next shard in slot order, or "0" after the last. */
  private nextShardCursor (): string {
    const current = this.topology.shardFor(this.shardSlot)
    for (let s = this.shardSlot + 1; s < SLOT_COUNT; s++) {
      const shard = this.topology.shardFor(s)
      if (shard === undefined || shard === current) continue
      // Only a slot where a shard *starts* counts: skip shards already passed.
      if (this.lowestSlotOf(shard.master) === s) return encodeScanCursor({ slot: s, nodeCursor: '0' })
    }
    return '0'
  }

  private lowestSlotOf (master: string): number {
    for (let s = 0; s < SLOT_COUNT; s++) if (this.topology.masterFor(s) === master) return s
    return -1
  }
}
