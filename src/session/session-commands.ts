import { errorReply, OK, simpleString } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { ClientSession } from './client-session.js'

const RESET = simpleString('RESET')

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
        const user = args.length === 3 ? args[1].toString('utf8') : 'default'
        const password = args[args.length - 1]
        if (!s.ctx.auth.required && args.length === 2) { s.pushReply(errorReply(ReplyStrings.authNotConfigured)); return }
        s.pushReply(s.authenticate(user, password) ? OK : errorReply(ReplyStrings.wrongPass))
        return
      }
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

  /** CLIENT subcommands; CLIENT REPLY changes what the session writes, so it is handled here. */
  client (name: string, args: Buffer[], other: () => Buffer): void {
    const s = this.session
    if (name !== 'client|reply') { s.pushReply(other()); return }
    const mode = args[2].toString('latin1').toLowerCase()
    if (mode === 'on') { s.replyMode = 'on'; s.pushReply(OK); return }
    if (mode === 'off' || mode === 'skip') { s.replyMode = mode; return } // no reply, by definition
    s.pushReply(errorReply(ReplyStrings.syntaxError))
  }
}
