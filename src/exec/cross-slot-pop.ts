import { BackendRequest } from '../cluster/backend-request.js'
import { blockingTimeoutMs } from '../commands/blocking-timeout.js'
import { popStats } from '../metrics/pop-stats.js'
import { isErrorReply, readElements, readInteger } from '../resp/decode-reply.js'
import { arrayReply, bulkReply, errorReply, nullArrayReply } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { ClientContext } from './context.js'
import { PopWait, STAGING, type WaitOwner } from './pop-wait.js'
import type { QueueEntry } from './queue-entry.js'

/** Which command, read from its arguments. */
interface PopShape {
  zset: boolean
  /** BLMPOP/BZMPOP: a batch, `[key, [elements]]`. */
  mpop: boolean
  /** LEFT | RIGHT | MIN | MAX */
  end: string
  count: number
  timeout: Buffer
}

const B = (s: string): Buffer => Buffer.from(s)
/** Attempts at taking an element that is already there before waiting (each can lose a race). */
const ATTEMPTS = 5
/** When a staging list is emptied back once more. */
const RECOVER_AGAIN_MS = 1000

/**
 * A blocking pop over keys in several slots (BLPOP, BRPOP, BZPOPMIN, BZPOPMAX, BLMPOP, BZMPOP),
 * as one node would run it as far as the data allows: when data is already there, the first
 * non-empty key in argument order wins; otherwise it waits on every involved key at once
 * (PopWait) within the client's timeout and hands over exactly one element (or one batch).
 * No element is taken twice, and none is lost while links are up: an element a losing wait
 * took is put back at the head of its key, so a single consumer sees the order it would see
 * on one node; a list element a wait took before its link dropped stays in the cluster (in
 * its staging list) and is put back too. A client that leaves ends every wait at once.
 */
export class CrossSlotPop implements QueueEntry, WaitOwner {
  reply: Buffer | null = null
  command: string | null | undefined = undefined
  startedAt = 0
  private readonly keys: Buffer[]
  private readonly shape: PopShape
  private waits: PopWait[] = []
  private winner: PopWait | null = null
  private leases = 0
  private attempts = 0
  private firstError: Buffer | null = null

  constructor (private readonly client: ClientContext, args: Buffer[], keyIndices: readonly number[], private readonly slots: readonly number[]) {
    this.keys = keyIndices.map(i => args[i])
    this.shape = readShape(args, keyIndices)
  }

  /** Looks for data already there, in argument order. */
  start (): void {
    let left = this.keys.length
    const sizes: Buffer[] = new Array<Buffer>(this.keys.length)
    this.keys.forEach((key, i) => {
      this.shared(i, [B(this.shape.zset ? 'ZCARD' : 'LLEN'), key], reply => {
        sizes[i] = reply
        if (--left === 0) this.takeFirst(sizes)
      })
    })
  }

  /** Called when the client leaves: every wait ends, whatever they took goes back. */
  abandon (): void {
    for (const w of this.waits) w.cancel()
  }

  private takeFirst (sizes: readonly Buffer[]): void {
    if (this.client.sink.closed) return
    for (let i = 0; i < sizes.length; i++) {
      if (isErrorReply(sizes[i])) { this.finish(sizes[i]); return }
      if (readInteger(sizes[i]) > 0) { this.popNow(i); return }
    }
    this.wait()
  }

  /** Takes from a key that had data a moment ago; another consumer may have been first. */
  private popNow (i: number): void {
    const { zset, mpop, end, count } = this.shape
    const key = this.keys[i]
    const cmd = mpop
      ? [B(zset ? 'ZMPOP' : 'LMPOP'), B('1'), key, B(end), B('COUNT'), B(String(count))]
      : [B(zset ? (end === 'MIN' ? 'ZPOPMIN' : 'ZPOPMAX') : (end === 'LEFT' ? 'LPOP' : 'RPOP')), key]
    this.shared(i, cmd, reply => {
      const empty = reply[0] === 0x5f || (reply[0] === 0x24 && reply[1] === 0x2d) || (reply[0] === 0x2a && (reply[1] === 0x2d || reply[1] === 0x30))
      if (isErrorReply(reply)) this.finish(reply)
      else if (!empty) this.finish(mpop ? reply : arrayReply([bulkReply(key), ...(zset ? readElements(reply) ?? [] : [reply])]))
      else if (++this.attempts < ATTEMPTS) this.start()
      else this.wait()
    })
  }

  /** Waits on every key at once, each on a connection of its own. */
  private wait (): void {
    const { zset, end, timeout } = this.shape
    const timeoutMs = blockingTimeoutMs([B('blpop'), timeout])
    const { dedicated } = this.client.ctx
    for (let i = 0; i < this.keys.length; i++) {
      if (dedicated.lease(this.client.id)) { this.leases++; continue }
      for (; this.leases > 0; this.leases--) dedicated.release(this.client.id)
      this.finish(errorReply(ReplyStrings.tooManyDedicated('per-client', dedicated.bounds.perClient)))
      return
    }
    for (let i = 0; i < this.keys.length; i++) {
      const key = this.keys[i]
      const cmd = zset ? [B(end === 'MIN' ? 'BZPOPMIN' : 'BZPOPMAX'), key, timeout] : [B('BLMOVE'), key, STAGING, B(end), B('RIGHT'), timeout]
      this.waits.push(new PopWait(this.client, this, key, this.slots[i], cmd, timeoutMs))
    }
    this.client.blocked.add(this)
    for (const w of this.waits) w.start()
  }

  /** @internal WaitOwner: one key's wait answered. */
  onWaitDone (wait: PopWait, reply: Buffer): void {
    this.client.ctx.dedicated.release(this.client.id)
    this.leases--
    const took = !isErrorReply(reply) && !isNil(reply)
    if (took && this.winner === null && !this.client.sink.closed && this.reply === null) {
      this.winner = wait
      for (const w of this.waits) if (w !== wait) w.cancel()
      this.handOver(wait, reply)
    } else if (took) {
      this.putBack(wait, reply)
    } else if (isErrorReply(reply)) {
      this.firstError ??= reply
      // The link may have dropped after BLMOVE ran: whatever is in the staging list goes back.
      if (!this.shape.zset) this.recover(wait)
      else if (/outcome is unknown/.test(reply.toString('latin1'))) popStats.lostWithLink++
    }
    if (this.leases === 0 && this.winner === null) {
      this.client.blocked.delete(this)
      this.finish(this.firstError ?? nullArrayReply(this.client.protocol))
    }
  }

  /** The winning wait's element goes to the client (from a list: after leaving the staging list). */
  private handOver (wait: PopWait, reply: Buffer): void {
    const { zset, mpop, end, count } = this.shape
    const done = (element: Buffer, more: Buffer | null): void => {
      this.client.blocked.delete(this)
      if (!mpop) { this.finish(zset ? reply : arrayReply([bulkReply(wait.key), element])); return }
      const rest = more !== null && !isNil(more) && !isErrorReply(more) ? (readElements(readElements(more)?.[1] ?? Buffer.from('*0\r\n')) ?? []) : []
      this.finish(arrayReply([bulkReply(wait.key), arrayReply([element, ...rest])]))
    }
    const more = (element: Buffer): void => {
      if (!mpop || count <= 1) { done(element, null); return }
      wait.sendShared([B(zset ? 'ZMPOP' : 'LMPOP'), B('1'), wait.key, B(end), B('COUNT'), B(String(count - 1))], m => { done(element, m) })
    }
    if (zset) { more(mpop ? arrayReply((readElements(reply) ?? []).slice(1)) : reply); return }
    // Out of the staging list first: if that fails, the element is not handed over twice
    // (it stays in the cluster and goes back to its key), and the client gets the error.
    wait.sendShared([B('RPOP'), wait.staging], taken => {
      if (taken.equals(reply)) more(reply)
      else { this.recover(wait); this.client.blocked.delete(this); this.finish(isErrorReply(taken) ? taken : errorReply(ReplyStrings.internalError('pop'))) }
    })
  }

  /** An element a losing wait took goes back to the head of its key. */
  private putBack (wait: PopWait, reply: Buffer): void {
    popStats.returned++
    if (this.shape.zset) {
      const [, member, score] = readElements(reply) ?? []
      if (member !== undefined && score !== undefined) wait.sendAndForget([B('ZADD'), wait.key, bulkValue(score), bulkValue(member)])
      return
    }
    this.recover(wait)
  }

  /**
   * Moves whatever a wait left in its staging list back to the head of its key; again a
   * moment later, in case the node ran the wait's BLMOVE before it noticed its connection
   * closed.
   */
  private recover (wait: PopWait): void {
    const back = [B('LMOVE'), wait.staging, wait.key, B('RIGHT'), B(this.shape.end)]
    const once = (): void => { wait.sendShared(back, moved => { if (!isNil(moved) && !isErrorReply(moved)) popStats.recovered++ }) }
    once()
    setTimeout(once, RECOVER_AGAIN_MS).unref()
  }

  private shared (i: number, args: Buffer[], onReply: (reply: Buffer) => void): void {
    const req = new BackendRequest(args, this.slots[i], false, { closed: false, onRequestDone: r => { onReply(r.reply as Buffer) } })
    req.protocol = this.client.protocol
    this.client.ctx.dispatcher.send(req)
  }

  private finish (reply: Buffer): void {
    if (this.reply !== null) return
    this.reply = reply
    this.client.sink.onRequestDone(this)
  }
}

function isNil (reply: Buffer): boolean {
  return reply[0] === 0x5f || ((reply[0] === 0x24 || reply[0] === 0x2a) && reply[1] === 0x2d)
}

/** The bytes of a bulk string reply (`$n\r\n...\r\n`), or of a RESP3 double (`,1.5\r\n`). */
function bulkValue (reply: Buffer): Buffer {
  if (reply[0] === 0x2c) return reply.subarray(1, reply.length - 2)
  const headerEnd = reply.indexOf(0x0d)
  return reply.subarray(headerEnd + 2, reply.length - 2)
}

/** Reads the command's direction, count and timeout around its keys. */
function readShape (args: readonly Buffer[], keys: readonly number[]): PopShape {
  const name = args[0].toString('latin1').toLowerCase()
  const zset = name.includes('z')
  if (name === 'blmpop' || name === 'bzmpop') {
    const after = keys[keys.length - 1] + 1
    const end = args[after].toString('latin1').toUpperCase()
    const count = args.length > after + 2 ? Number(args[after + 2].toString('latin1')) : 1
    return { zset, mpop: true, end, count, timeout: args[1] }
  }
  const end = name === 'blpop' ? 'LEFT' : name === 'brpop' ? 'RIGHT' : name === 'bzpopmin' ? 'MIN' : 'MAX'
  return { zset, mpop: false, end, count: 1, timeout: args[args.length - 1] }
}
