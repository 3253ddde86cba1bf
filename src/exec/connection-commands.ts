import { BackendRequest } from '../cluster/backend-request.js'
import { errorReply, OK, simpleString } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { ClientState } from './client-state.js'
import { LocalReply } from './queue-entry.js'
import { anyMaster } from './targets.js'

const RESET = simpleString('RESET')
/** Longest WAIT slotgate lets hold a shared connection. */
const WAIT_MAX_MS = 1000

/**
 * The commands about a connection's own state, run by the handler that owns that state:
 * transactions, subscriptions, AUTH, RESET and WAIT. Replies go to the client's sink.
 */
export function runConnectionCommand (name: string, args: Buffer[], slot: number, client: ClientState): void {
  const sink = client.sink
  switch (name) {
    case 'multi': sink.push(client.transaction.multi()); return
    case 'exec': sink.push(client.transaction.exec()); return
    case 'discard': sink.push(client.transaction.discard()); return
    case 'watch': sink.push(client.transaction.watchKeys(args, slot)); return
    case 'unwatch': sink.push(client.transaction.unwatch()); return
    case 'auth': sink.push(new LocalReply(auth(args, client))); return
    case 'wait': wait(args, client); return
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

/** CLIENT REPLY ON|OFF|SKIP: changes what the session writes; OFF and SKIP have no reply of their own. */
function clientReply (args: Buffer[], client: ClientState): void {
  const mode = args[2].toString('latin1').toLowerCase()
  if (mode === 'on') { client.replyMode = 'on'; client.sink.push(new LocalReply(OK)); return }
  if (mode === 'off') { client.replyMode = 'off'; return }
  if (mode === 'skip') { if (client.replyMode !== 'off') client.replyMode = 'skip'; return } // OFF stays OFF, as in Redis
  client.sink.push(new LocalReply(errorReply(ReplyStrings.syntaxError)))
}

/**
 * WAIT numreplicas timeout, on the shared link to the master this client last wrote to:
 * that connection carried the client's writes, so the node waits for them (WAIT counts
 * acknowledgements of the connection's own last write). Because the link is shared, the
 * wait is bounded: numreplicas is capped at the shard's replicas and the timeout at
 * WAIT_MAX_MS (0, "forever", included), so other clients are never held longer.
 */
function wait (args: Buffer[], client: ClientState): void {
  const n = Number(args[1].toString('latin1'))
  const timeout = Number(args[2].toString('latin1'))
  if (!Number.isInteger(n) || !Number.isInteger(timeout) || timeout < 0) {
    client.sink.push(new LocalReply(errorReply(timeout < 0 ? 'ERR timeout is negative' : ReplyStrings.notInteger)))
    return
  }
  const slot = client.lastWriteSlot
  const shard = slot >= 0 ? client.ctx.topology.shardFor(slot) : undefined
  const target = shard?.master ?? anyMaster(client)
  if (target === null) { client.sink.push(new LocalReply(errorReply(ReplyStrings.notReady))); return }
  const replicas = shard?.replicas.length ?? n
  const bounded = timeout === 0 ? WAIT_MAX_MS : Math.min(timeout, WAIT_MAX_MS)
  const req = new BackendRequest([args[0], Buffer.from(String(Math.min(n, replicas))), Buffer.from(String(bounded))], slot, false, client.sink, slot >= 0 ? null : target)
  req.protocol = client.protocol
  client.sink.push(req)
  client.ctx.dispatcher.send(req)
}
