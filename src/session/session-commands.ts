import { BackendRequest } from '../cluster/backend-request.js'
import { errorReply, OK, simpleString } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { ClientSession } from './client-session.js'

const RESET = simpleString('RESET')
/** Longest WAIT slotgate lets hold a shared connection. */
const WAIT_MAX_MS = 1000

/**
 * The commands about a connection's own state, dispatched to the controller that owns it:
 * transactions, subscriptions, RESET and CLIENT REPLY.
 */
export class SessionCommands {
  constructor (private readonly session: ClientSession) {}

  /** Runs a transaction, subscription or RESET command. */
  run (name: string, args: Buffer[], slot: number): void {
    const s = this.session
    switch (name) {
      case 'multi': s.transaction.multi(); return
      case 'exec': s.transaction.exec(); return
      case 'discard': s.transaction.discard(); return
      case 'watch': s.transaction.watch(args, slot); return
      case 'unwatch': s.transaction.unwatch(); return
      case 'auth': {
        // AUTH password (the default user) or AUTH username password, as Redis 6+.
        if (args.length > 3) { s.pushReply(errorReply(ReplyStrings.syntaxError)); return }
        const user = args.length === 3 ? args[1].toString('utf8') : 'default'
        const password = args[args.length - 1]
        if (!s.ctx.auth.required && args.length === 2) { s.pushReply(errorReply(ReplyStrings.authNotConfigured)); return }
        s.pushReply(s.authenticate(user, password) ? OK : errorReply(ReplyStrings.wrongPass))
        return
      }
      case 'wait':
        this.wait(args)
        return
      case 'reset':
        s.resetState()
        s.pushReply(RESET)
        return
      case 'subscribe': case 'psubscribe': case 'unsubscribe': case 'punsubscribe':
        s.subscriptions.classicCommand(name, args)
        return
      case 'ssubscribe': case 'sunsubscribe':
        s.subscriptions.shardCommand(name, args)
        return
      default:
        s.pushReply(errorReply(ReplyStrings.notSupported(name)))
    }
  }

  /**
   * WAIT numreplicas timeout, on the shared link to the master this session last wrote to:
   * that connection carried the session's writes, so the node waits for them (WAIT counts
   * acknowledgements of the connection's own last write). Because the link is shared, the
   * wait is bounded: numreplicas is capped at the shard's replicas and the timeout at
   * WAIT_MAX_MS (0, "forever", included), so other clients are never held longer.
   */
  private wait (args: Buffer[]): void {
    const s = this.session
    const n = Number(args[1].toString('latin1'))
    const timeout = Number(args[2].toString('latin1'))
    if (!Number.isInteger(n) || !Number.isInteger(timeout) || timeout < 0) {
      s.pushReply(errorReply(timeout < 0 ? 'ERR timeout is negative' : ReplyStrings.notInteger))
      return
    }
    const slot = s.lastWriteSlot
    const shard = slot >= 0 ? s.ctx.topology.shardFor(slot) : undefined
    const target = shard?.master ?? s.anyMaster()
    if (target === null) { s.pushReply(errorReply(ReplyStrings.notReady)); return }
    const replicas = shard?.replicas.length ?? n
    const bounded = timeout === 0 ? WAIT_MAX_MS : Math.min(timeout, WAIT_MAX_MS)
    const req = new BackendRequest([args[0], Buffer.from(String(Math.min(n, replicas))), Buffer.from(String(bounded))], slot, false, s, slot >= 0 ? null : target)
    req.protocol = s.protocol
    s.pushEntry(req)
    s.ctx.dispatcher.send(req)
  }

  /** CLIENT subcommands; CLIENT REPLY changes what the session writes, so it is handled here. */
  client (name: string, args: Buffer[], other: () => Buffer): void {
    const s = this.session
    if (name !== 'client|reply') { s.pushReply(other()); return }
    const mode = args[2].toString('latin1').toLowerCase()
    if (mode === 'on') { s.replyMode = 'on'; s.pushReply(OK); return }
    if (mode === 'off') { s.replyMode = 'off'; return } // no reply, by definition
    if (mode === 'skip') { if (s.replyMode !== 'off') s.replyMode = 'skip'; return } // OFF stays OFF, as in Redis
    s.pushReply(errorReply(ReplyStrings.syntaxError))
  }
}
