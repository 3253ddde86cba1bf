import { BackendRequest, ReadFrom, type RequestOwner } from '../cluster/backend-request.js'
import type { RequestDispatcher } from '../cluster/request-dispatcher.js'
import { mergeReplies, type MergeKind, type PartReply } from '../commands/merge-replies.js'
import { internalFailure } from './internal-failure.js'
import type { ReplySink } from './queue-entry.js'

/** One part to send: its arguments and where it goes. */
export interface FanOutPart {
  args: Buffer[]
  /** Slot of its keys, or -1 for a node-addressed part. */
  slot: number
  /** For node-addressed parts (broadcasts). */
  node?: string
  /** Original key positions carried by this part (by-key merges). */
  positions?: number[]
}

/**
 * A client command answered by several nodes: MGET/MSET/DEL... split by slot, or DBSIZE/KEYS...
 * sent to every master. It takes one place in the session's reply queue; its parts are
 * ordinary backend requests (so MOVED/ASK, retries and waiting apply to each part), and parts
 * for the same node leave in the same write, since links batch per event-loop turn.
 */
export class FanOutRequest implements RequestOwner {
  reply: Buffer | null = null
  private readonly parts: BackendRequest[] = []
  private remaining: number

  constructor (
    private readonly owner: ReplySink,
    private readonly merge: MergeKind,
    private readonly specs: readonly FanOutPart[],
    readOnly: boolean,
    protocol: 2 | 3,
    private readonly keyCount = 0,
    readFrom: ReadFrom = ReadFrom.master,
    /** Rewrites the merged reply (e.g. SCAN's cursor); identity by default. */
    private readonly finish: (merged: Buffer, parts: readonly PartReply[]) => Buffer = merged => merged
  ) {
    this.remaining = specs.length
    for (let i = 0; i < specs.length; i++) {
      const p = specs[i]
      const req = new BackendRequest(p.args, p.slot, readOnly, this, p.node ?? null)
      req.tag = i
      req.protocol = protocol
      req.readFrom = readFrom
      this.parts.push(req)
    }
  }

  /** The client's lane, so these requests keep its order on a node's links. */
  get lane (): number { return this.owner.lane }

  get closed (): boolean { return this.owner.closed }

  /** Gives every part a slow command's reply time. */
  runsLong (ms: number): void {
    for (const req of this.parts) req.runsLong(ms)
  }

  /** Sends every part. */
  start (dispatcher: RequestDispatcher): void {
    for (const req of this.parts) dispatcher.send(req)
  }

  /** @internal RequestOwner: one part answered. */
  onRequestDone (_req: BackendRequest): void {
    if (--this.remaining > 0) return
    const replies: PartReply[] = new Array(this.parts.length)
    for (let i = 0; i < replies.length; i++) {
      const spec = this.specs[i]
      replies[i] = { reply: this.parts[i].reply as Buffer, positions: spec.positions, slot: spec.slot, node: spec.node }
    }
    try {
      this.reply = this.finish(mergeReplies(this.merge, replies, this.keyCount), replies)
    } catch (err) {
      // A merge bug fails this command alone; its reply keeps its place in the client's queue.
      const name = this.parts[0].args[0].toString('latin1').toLowerCase()
      this.reply = internalFailure('merge', name, err)
    }
    this.owner.onRequestDone(this)
  }
}
