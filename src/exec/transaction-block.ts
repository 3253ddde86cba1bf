import { BackendRequest, type RequestOwner } from '../cluster/backend-request.js'
import { CommandBudget } from '../cluster/failure-policy.js'
import type { NodeAddress } from '../cluster/node-address.js'
import { mergeReplies, type MergeKind, type PartReply } from '../commands/merge-replies.js'
import { isErrorReply, readElements } from '../resp/decode-reply.js'
import { encodeCommand } from '../resp/encode.js'
import type { ClientContext } from './context.js'
import { internalFailure } from './internal-failure.js'
import type { QueueEntry } from './queue-entry.js'
import { anyMaster } from './targets.js'
import type { WatchConnection } from './watch-connection.js'

/** One piece of a queued command: its arguments, for a slot's block or a node's. */
export interface Piece {
  args: Buffer[]
  /** The slot its keys (or a PUBLISH's channel) hash to; -1 for keyless. */
  slot: number
  /** For a broadcast's part: the master it is for. */
  node: NodeAddress | null
  /** For a split command's part: its keys' positions in the client's key order. */
  positions?: number[]
}

/**
 * A command queued inside MULTI: its pieces (one for most commands; one per slot for a split
 * MSET or DEL; one per master for DBSIZE or FLUSHALL) with the merge that makes their replies
 * one, or a reply slotgate makes itself at EXEC (`local`: PING, CLIENT SETNAME ...).
 */
export interface QueuedCommand {
  pieces: Piece[]
  merge: MergeKind | null
  keyCount: number
  local: (() => Buffer | Promise<Buffer>) | null
  /** Rewrites the command's reply (CONFIG GET without the cluster's secrets). */
  filter?: (reply: Buffer) => Buffer
}

const MULTI = encodeCommand(['MULTI'])
const EXEC = encodeCommand(['EXEC'])

/** One MULTI ... EXEC for one slot (or node): the pieces it carries, in client order. */
interface Block { slot: number, node: NodeAddress | null, pieces: Piece[], req: BackendRequest | null }

/**
 * The transaction on its way: one place in the client's reply queue. Its pieces run as one
 * MULTI ... EXEC per slot (a node refuses a transaction over several slots even when it owns
 * them all), each a request that expects one reply per command, so it is sent, redirected,
 * retried or lost as one; blocks for one node leave in the same write, and all share one
 * deadline. Each slot's block is atomic; there is no isolation across slots. A block lost
 * after it was written answers "outcome unknown" for its own commands only. The usual case,
 * one slot, passes the node's EXEC reply through untouched but for slotgate's own replies.
 */
export class TransactionBlock implements RequestOwner, QueueEntry {
  reply: Buffer | null = null
  command: string | null | undefined = undefined
  startedAt = 0
  private blocks: Block[] = []
  private remaining = 0

  constructor (private readonly client: ClientContext, private readonly commands: QueuedCommand[],
    private readonly watch: WatchConnection | null, private readonly ended: () => void) {}

  get closed (): boolean { return this.client.sink.closed }
  get lane (): number { return this.client.sink.lane }

  /** True when the pieces need more than one node transaction. */
  get crossSlot (): boolean { return this.blocks.length > 1 }

  /** Groups the pieces into blocks and sends them. */
  start (): void {
    this.blocks = groupIntoBlocks(this.commands, this.client)
    if (this.blocks.length === 0 && this.watch === null) {
      // Nothing for a node (MULTI PING ECHO EXEC): the array is slotgate's alone.
      void this.finish()
      return
    }
    if (this.blocks.length === 0) this.blocks.push({ slot: -1, node: anyMaster(this.client), pieces: [], req: null })
    const budget = new CommandBudget()
    this.remaining = this.blocks.length
    for (const b of this.blocks) {
      if (b.slot >= 0) this.client.writtenSlots.add(b.slot)
      else if (b.node !== null) this.client.writtenNodes.add(b.node)
      const req = new BackendRequest([Buffer.from('EXEC')], b.slot, false, this, b.slot >= 0 ? null : b.node, budget)
      req.protocol = this.client.protocol
      req.replyCount = b.pieces.length + 2
      req.wire = Buffer.concat([MULTI, ...b.pieces.map(p => encodeCommand(p.args)), EXEC])
      req.via = this.watch
      b.req = req
    }
    for (const b of this.blocks) this.client.ctx.dispatcher.send(b.req as BackendRequest)
  }

  /** @internal RequestOwner: one block's replies (or its failure). */
  onRequestDone (): void {
    if (--this.remaining > 0) return
    this.watch?.close()
    this.ended()
    void this.finish()
  }

  /** Builds EXEC's array: the node's replies and slotgate's own, in command order. */
  private async finish (): Promise<void> {
    let reply: Buffer
    try {
      const locals = await Promise.all(this.commands.map(async c => c.local === null ? null : await c.local()))
      reply = this.blocks.length === 1 && this.commands.every(c => c.filter === undefined) ? this.oneBlock(locals) : this.assemble(locals)
    } catch (err) {
      reply = internalFailure('local', 'exec', err)
    }
    this.reply = reply
    this.client.sink.onRequestDone(this)
  }

  /** One node transaction: its EXEC reply as it is (null, EXECABORT ...), slotgate's own replies put in place. */
  private oneBlock (locals: readonly (Buffer | null)[]): Buffer {
    const req = this.blocks.length === 1 ? this.blocks[0].req as BackendRequest : null
    if (req === null) return arrayOf(locals as Buffer[])
    const replies = req.replies
    // When MULTI itself failed, its error says more than EXEC's.
    const exec = replies !== null && replies.length === req.replyCount && isErrorReply(replies[0]) ? replies[0] : req.reply as Buffer
    if (locals.every(l => l === null)) return exec
    const remote = exec[0] === 0x2a ? readElements(exec) : null
    if (remote === null) return exec
    let next = 0
    return arrayOf(locals.map(l => l ?? remote[next++]))
  }

  /** Several node transactions: each command's reply from its pieces' places in their blocks' arrays. */
  private assemble (locals: readonly (Buffer | null)[]): Buffer {
    const pieceReply = new Map<Piece, Buffer>()
    // One block that failed as a whole: EXEC's own answer (null, EXECABORT, a lost link) as it is.
    if (this.blocks.length === 1) {
      const exec = (this.blocks[0].req as BackendRequest).reply as Buffer
      if (exec[0] !== 0x2a || exec[1] === 0x2d) return exec
    }
    for (const b of this.blocks) {
      const exec = (b.req as BackendRequest).reply as Buffer
      const elements = exec[0] === 0x2a ? readElements(exec) : null
      // A block that failed as a whole (EXECABORT, outcome unknown ...): each of its commands gets why.
      b.pieces.forEach((p, i) => { pieceReply.set(p, elements !== null && i < elements.length ? elements[i] : exec) })
    }
    return arrayOf(this.commands.map((c, i) => {
      const local = locals[i]
      if (local !== null) return local
      const parts: PartReply[] = c.pieces.map(p => ({ reply: pieceReply.get(p) as Buffer, positions: p.positions, slot: p.slot, node: p.node ?? undefined }))
      const merged = c.merge === null ? parts[0].reply : mergeReplies(c.merge, parts, c.keyCount)
      return c.filter !== undefined ? c.filter(merged) : merged
    }))
  }
}

/**
 * One block per slot (and per master for a broadcast's parts), in order of first use;
 * keyless pieces join the first block, or one on the client's master when there is none.
 */
function groupIntoBlocks (commands: readonly QueuedCommand[], client: ClientContext): Block[] {
  const blocks: Block[] = []
  const find = (slot: number, node: NodeAddress | null): Block => {
    let b = blocks.find(x => slot >= 0 ? x.slot === slot : x.slot < 0 && x.node === node)
    if (b === undefined) { b = { slot, node, pieces: [], req: null }; blocks.push(b) }
    return b
  }
  const keyless: Piece[] = []
  for (const c of commands) {
    for (const p of c.pieces) {
      if (p.slot >= 0 || p.node !== null) find(p.slot, p.node).pieces.push(p)
      else keyless.push(p)
    }
  }
  if (keyless.length > 0) {
    const first = blocks[0] ?? find(-1, anyMaster(client))
    // In client order among the first block's pieces.
    const order = new Map(commands.flatMap(c => c.pieces).map((p, i) => [p, i]))
    first.pieces = [...first.pieces, ...keyless].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0))
  }
  return blocks
}

function arrayOf (elements: readonly Buffer[]): Buffer {
  return Buffer.concat([Buffer.from(`*${elements.length}\r\n`), ...elements])
}
