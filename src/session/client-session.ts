import type net from 'node:net'
import { BackendRequest, type RequestOwner } from '../cluster/backend-request.js'
import type { RequestDispatcher } from '../cluster/request-dispatcher.js'
import type { Topology } from '../cluster/topology.js'
import type { CommandTable } from '../commands/command-table.js'
import { routeCommand } from '../commands/router.js'
import { errorReply } from '../resp/encode.js'
import { RequestParser, type RequestLimits, type RequestSink } from '../resp/request-parser.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import { RingQueue } from '../util/ring-queue.js'
import { tickBatcher, type Flushable } from '../util/tick-batcher.js'
import type { InfoSource } from './format-info.js'
import { runLocalCommand, type LocalSession } from './local-commands.js'
import { FanOutRequest } from './fan-out-request.js'
import { ScanRequest } from './scan-request.js'
import { splitBySlot } from '../commands/split-command.js'

/** What every session shares: the cluster side and the command table (replaced once the cluster's own is read). */
export interface SessionContext {
  table: CommandTable
  readonly dispatcher: RequestDispatcher
  readonly topology: Topology
  readonly info: InfoSource
  readonly limits: RequestLimits
  /** Counts protocol errors (metrics). */
  onProtocolError (detail: string): void
}

/** A reply slotgate made itself, or will make (INFO awaits the masters). */
class LocalReply {
  constructor (public reply: Buffer | null, public closeAfter = false) {}
}

/** A place in the reply queue: a command sent to the cluster, a fan-out, or a local reply. */
type QueuedReply = BackendRequest | FanOutRequest | ScanRequest | LocalReply

/**
 * One client connection: parses requests, routes each one, and keeps a queue of replies in
 * request order — replies from different nodes arrive in any order, but a client that
 * pipelines expects them in the order it asked (RESP's only ordering rule). Completed
 * replies at the head of the queue leave in one write per event-loop turn.
 */
export class ClientSession implements RequestSink, RequestOwner, Flushable, LocalSession {
  private static nextId = 1
  readonly id = ClientSession.nextId++
  name: Buffer | null = null
  protocol: 2 | 3 = 2
  readOnlyMode = false
  flushQueued = false
  closed = false
  private readonly queue = new RingQueue<QueuedReply>(16)
  private readonly parser: RequestParser
  /** No more requests are read: QUIT or a protocol error; the socket ends after the last reply. */
  private ending = false
  private paused = false

  constructor (
    private readonly socket: net.Socket,
    private readonly ctx: SessionContext,
    private readonly onClosed: (session: ClientSession) => void
  ) {
    this.parser = new RequestParser(this, ctx.limits)
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => { this.parser.feed(chunk) })
    socket.on('drain', () => { this.onDrain() })
    socket.on('error', () => { this.close() }) // a client's socket error concerns only that client
    socket.on('close', () => { this.close() })
  }

  /** Commands received and not yet answered. */
  get pendingReplies (): number { return this.queue.length }

  /** @internal RequestSink: one parsed request. */
  onRequest (args: Buffer[]): void {
    if (this.ending) return
    const plan = routeCommand(this.ctx.table, args)
    switch (plan.kind) {
      case 'single': {
        const req = new BackendRequest(args, plan.slot, plan.readOnly, this)
        req.protocol = this.protocol
        this.queue.push(req)
        this.ctx.dispatcher.send(req)
        return
      }
      case 'any-node': {
        const masters = this.ctx.topology.masters()
        const req = new BackendRequest(args, -1, plan.readOnly, this, masters.length > 0 ? masters[this.id % masters.length] : null)
        req.protocol = this.protocol
        this.queue.push(req)
        if (req.target === null) this.complete(req, errorReply(ReplyStrings.notReady))
        else this.ctx.dispatcher.send(req)
        return
      }
      case 'local': {
        const out = runLocalCommand(plan.name, args, this, this.ctx.info)
        if (out instanceof Promise) {
          const entry = new LocalReply(null)
          this.queue.push(entry)
          out.then(reply => { this.complete(entry, reply) },
            (err: Error) => { this.complete(entry, errorReply(`ERR ${err.message}`)) })
        } else {
          // After QUIT (ending just set), this reply is the connection's last.
          this.queue.push(new LocalReply(out, this.ending))
          this.markIfHeadReady()
        }
        return
      }
      case 'split': {
        const parts = splitBySlot(args, plan.keys, plan.spec.name === 'mset')
        const fan = new FanOutRequest(this, plan.merge, parts.map(p => ({ ...p, label: `slot ${p.slot}` })),
          plan.readOnly, this.protocol, plan.keys.length)
        this.queue.push(fan)
        fan.start(this.ctx.dispatcher)
        return
      }
      case 'broadcast': {
        const masters = this.ctx.topology.masters()
        if (masters.length === 0) { this.push(errorReply(ReplyStrings.notReady)); return }
        const fan = new FanOutRequest(this, plan.merge, masters.map(node => ({ args, slot: -1, node, label: node })), plan.readOnly, this.protocol)
        this.queue.push(fan)
        fan.start(this.ctx.dispatcher)
        return
      }
      case 'scan': {
        const scan = new ScanRequest(this, args, this.ctx.topology, this.protocol)
        this.queue.push(scan)
        scan.start(this.ctx.dispatcher)
        if (scan.reply !== null) this.markIfHeadReady()
        return
      }
      case 'reject':
        this.push(errorReply(plan.error))
    }
  }

  /** @internal RequestSink: the client broke the protocol. Answer, then close, as Redis does. */
  onProtocolError (detail: string): void {
    this.ctx.onProtocolError(detail)
    this.ending = true
    this.socket.pause()
    this.queue.push(new LocalReply(errorReply(ReplyStrings.protocolError(detail)), true))
    this.markIfHeadReady()
  }

  /** @internal LocalSession: QUIT — the reply being made is the last one. */
  closeAfterReply (): void {
    this.ending = true
    this.socket.pause()
  }

  /** @internal RequestOwner: a command's (or a fan-out's) reply is ready. */
  onRequestDone (_entry: { reply: Buffer | null }): void {
    if (!this.closed) this.markIfHeadReady()
  }

  /** @internal Flushable: writes every finished reply at the head of the queue, in order. */
  flush (): void {
    if (this.closed) return
    const out: Buffer[] = []
    let end = false
    for (let head = this.queue.peek(); head !== undefined && head.reply !== null; head = this.queue.peek()) {
      this.queue.shift()
      out.push(head.reply)
      if (head instanceof LocalReply && head.closeAfter) { end = true; break }
    }
    if (out.length === 1) {
      this.socket.write(out[0])
    } else if (out.length > 1) {
      this.socket.cork()
      for (const b of out) this.socket.write(b)
      this.socket.uncork()
    }
    if (end) {
      this.socket.end()
      this.close()
      return
    }
    // Backpressure: a client that does not read its replies stops being read, so its
    // replies cannot pile up in slotgate's memory.
    if (!this.paused && this.socket.writableNeedDrain) {
      this.paused = true
      this.socket.pause()
    }
  }

  /** Forgets the client: queued and future replies are dropped, waiting commands cancelled. */
  close (): void {
    if (this.closed) return
    this.closed = true
    this.queue.drain()
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.destroy()
    this.onClosed(this)
  }

  private push (reply: Buffer): void {
    this.queue.push(new LocalReply(reply))
    this.markIfHeadReady()
  }

  private complete (entry: QueuedReply, reply: Buffer): void {
    entry.reply = reply
    if (!this.closed) this.markIfHeadReady()
  }

  private markIfHeadReady (): void {
    const head = this.queue.peek()
    if (head !== undefined && head.reply !== null) tickBatcher.mark(this)
  }

  private onDrain (): void {
    if (this.paused && !this.ending) {
      this.paused = false
      this.socket.resume()
    }
  }
}
