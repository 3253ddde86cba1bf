import { clusterUserFrom } from '../access/cluster-users.js'
import { errorReply, OK, simpleString } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { ClientState } from './client-state.js'
import { MonitorFeed } from './monitor.js'
import { LocalReply } from './queue-entry.js'
import { wait } from './wait.js'

const RESET = simpleString('RESET')

/**
 * The commands about a connection's own state, run by the handler that owns that state:
 * transactions, subscriptions, AUTH, RESET and WAIT. Replies go to the client's sink.
 */
export function runConnectionCommand (name: string, args: Buffer[], slot: number, client: ClientState): void {
  const sink = client.sink
  switch (name) {
    case 'multi': sink.push(client.transaction.multi()); return
    case 'exec': {
      // A busy node refuses EXEC and ends the transaction (multi.c, execCommandAbort).
      const busy = client.ctx.busy.error
      if (busy !== null && client.transaction.active) {
        client.transaction.reset()
        sink.push(new LocalReply(errorReply(ReplyStrings.execAbortBecause(busy))))
        return
      }
      sink.push(client.transaction.exec())
      return
    }
    case 'discard': sink.push(client.transaction.discard()); return
    case 'watch': sink.push(client.transaction.watchKeys(args, slot)); return
    case 'unwatch': sink.push(client.transaction.unwatch()); return
    case 'auth':
      if (args.length === 3 && !client.ctx.auth.required && args[1].toString('utf8') !== 'default') authAsClusterUser(args, client)
      else sink.push(new LocalReply(auth(args, client)))
      return
    case 'wait': wait(args, client, client.ctx.replication); return
    case 'reset':
      client.reset()
      sink.push(new LocalReply(RESET))
      return
    case 'subscribe': case 'psubscribe': case 'unsubscribe': case 'punsubscribe':
    case 'ssubscribe': case 'sunsubscribe':
      client.subscriptions.command(name, args)
      return
    case 'client|reply':
      clientReply(args, client)
      return
    case 'monitor': {
      // A node ignores MONITOR from a client that monitors already: no reply at all.
      if (client.monitor?.active === true) return
      const feed = new MonitorFeed(client)
      client.monitor = feed
      sink.push(feed)
      feed.start()
      return
    }
    default:
      sink.push(new LocalReply(errorReply(ReplyStrings.notSupported(name))))
  }
}

/** AUTH password (the default user) or AUTH username password, as Redis 6+. */
function auth (args: Buffer[], client: ClientState): Buffer {
  if (args.length > 3) return errorReply(ReplyStrings.syntaxError)
  const user = args.length === 3 ? args[1].toString('utf8') : 'default'
  const password = args[args.length - 1]
  if (!client.ctx.auth.required && args.length === 2) return errorReply(ReplyStrings.authNotConfigured)
  return client.authenticate(user, password) ? OK : errorReply(ReplyStrings.wrongPass)
}

/**
 * `AUTH name password` when slotgate has no users of its own: the name is a user of the
 * cluster's ACL, read from a master (ACL GETUSER, on the control connection) and checked
 * there; the client then runs with that user's rules, which slotgate enforces.
 */
function authAsClusterUser (args: Buffer[], client: ClientState): void {
  const entry = new LocalReply(null)
  client.sink.push(entry)
  const name = args[1].toString('utf8')
  const master = client.ctx.topology.masters()[0]
  const done = (reply: Buffer): void => { entry.reply = reply; client.sink.onRequestDone(entry) }
  if (master === undefined) { done(errorReply(ReplyStrings.notReady)); return }
  client.ctx.control.call(master, 'ACL', 'GETUSER', name).then(reply => {
    const user = clusterUserFrom(name, reply, args[2])
    if (user === null) { done(errorReply(ReplyStrings.wrongPass)); return }
    client.authenticateAs(user)
    done(OK)
  }, () => { done(errorReply(ReplyStrings.wrongPass)) })
}

/** CLIENT REPLY ON|OFF|SKIP: changes what the session writes; OFF and SKIP have no reply of their own. */
function clientReply (args: Buffer[], client: ClientState): void {
  const mode = args[2].toString('latin1').toLowerCase()
  if (mode === 'on') { client.replyMode = 'on'; client.sink.push(new LocalReply(OK)); return }
  if (mode === 'off') { client.replyMode = 'off'; return }
  if (mode === 'skip') { if (client.replyMode !== 'off') client.replyMode = 'skip'; return } // OFF stays OFF, as in Redis
  client.sink.push(new LocalReply(errorReply(ReplyStrings.syntaxError)))
}
