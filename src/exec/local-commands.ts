import { arrayReply, bulkReply, errorReply, integerReply, mapReply, nullReply, OK, PONG, EMPTY_ARRAY } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import { parseInteger } from '../resp/parse-integer.js'
import type { ClientState } from './client-state.js'
import { formatInfo } from './info/info.js'
import type { InfoSource } from './info/info-source.js'
import { runAclCommand } from './acl-commands.js'
import { runClusterCommand } from './cluster-commands.js'
import { runIntrospection } from './introspection-commands.js'
import { functionStats, scriptExists, toEveryNode } from './node-wide-commands.js'
import { killBusyScripts } from './script-kill.js'

/**
 * Answers the commands a node answers about the connection itself. Returns the encoded
 * reply, or a promise of it for INFO (which asks the masters for their keyspace).
 */
export function runLocalCommand (name: string, args: readonly Buffer[], session: ClientState, info: InfoSource): Buffer | Promise<Buffer> {
  if (name.startsWith('cluster|')) return runClusterCommand(name, args, session)
  if (name.startsWith('slowlog|') || name.startsWith('latency|') || name.startsWith('memory|')) return runIntrospection(name, args, session)
  if (name.startsWith('acl|')) return runAclCommand(name, args, session)
  if (name === 'config|set' || name === 'config|resetstat') return toEveryNode(name, args, session)
  if (name === 'function|stats') return functionStats(session)
  if (name === 'script|exists') return scriptExists(args, session)
  switch (name) {
    case 'ping': {
      // As the node slotgate stands for: BUSY while a master runs a script too long (busy-scripts.ts).
      const busy = session.ctx.busy.error
      if (busy !== null) return errorReply(busy)
      return args.length > 1 ? bulkReply(args[1]) : PONG
    }
    case 'echo':
      return bulkReply(args[1])
    case 'quit':
      session.quitting = true
      return OK
    case 'select': {
      const db = parseInteger(args[1], 0, args[1].length)
      if (Number.isNaN(db)) return errorReply(ReplyStrings.notInteger)
      // A cluster node has only database 0 and says so for any other index.
      return db === 0 ? OK : errorReply(ReplyStrings.selectNotAllowed)
    }
    case 'readonly':
      session.readOnlyMode = true
      return OK
    case 'readwrite':
      session.readOnlyMode = false
      return OK
    case 'asking':
      // slotgate follows ASK itself: a cluster client never needs it, and one node says OK.
      return OK
    case 'time': {
      const now = Date.now()
      return arrayReply([bulkReply(String(Math.floor(now / 1000))), bulkReply(String((now % 1000) * 1000))])
    }
    case 'role':
      return role(info)
    case 'client|setname':
      return clientSetName(args[2], session)
    case 'client|getname':
      return session.name === null ? nullReply(session.protocol) : bulkReply(session.name)
    case 'client|id':
      return integerReply(session.id)
    case 'hello':
      return hello(args, session, info)
    case 'script|kill':
      return killBusyScripts('SCRIPT', session.ctx)
    case 'function|kill':
      return killBusyScripts('FUNCTION', session.ctx)
    case 'info':
      return formatInfo(args.slice(1).map(a => a.toString('latin1')), info, session.protocol)
    default:
      return errorReply(ReplyStrings.notSupported(name))
  }
}

/** Redis refuses names with spaces, newlines or anything outside '!'..'~'; empty clears it. */
function clientSetName (name: Buffer, session: ClientState): Buffer {
  for (const c of name) {
    if (c < 0x21 || c > 0x7e) return errorReply(ReplyStrings.invalidClientName)
  }
  session.name = name.length === 0 ? null : name
  return OK
}

/**
 * `HELLO [protover [AUTH user pass] [SETNAME name]]` (Redis doc "HELLO"): switches the
 * connection's protocol (2 or 3) at any time, as on a node, and answers in the new one.
 */
function hello (args: readonly Buffer[], session: ClientState, info: InfoSource): Buffer {
  let protocol = session.protocol
  let i = 1
  if (args.length > 1) {
    const v = parseInteger(args[1], 0, args[1].length)
    if (Number.isNaN(v)) return errorReply(ReplyStrings.protocolVersionNotInteger)
    if (v !== 2 && v !== 3) return errorReply(ReplyStrings.noProto)
    protocol = v
    i = 2
  }
  let newName: Buffer | null | undefined
  for (; i < args.length; i++) {
    const opt = args[i].toString('latin1').toLowerCase()
    const asSent = args[i].toString('latin1')
    if (opt === 'auth' && i + 2 < args.length) {
      if (!session.authenticate(args[i + 1].toString('utf8'), args[i + 2])) return errorReply(ReplyStrings.wrongPass)
      i += 2
    } else if (opt === 'setname' && i + 1 < args.length) {
      newName = args[++i]
    } else {
      return errorReply(ReplyStrings.helloSyntax(asSent))
    }
  }
  if (!session.authenticated) return errorReply(ReplyStrings.helloNoAuth)
  if (newName !== undefined) {
    const r = clientSetName(newName as Buffer, session)
    if (r !== OK) return r
  }
  session.protocol = protocol
  return mapReply(protocol, [
    [bulkReply('server'), bulkReply('redis')],
    [bulkReply('version'), bulkReply(info.redisVersion)],
    [bulkReply('proto'), integerReply(protocol)],
    [bulkReply('id'), integerReply(session.id)],
    // As INFO's cluster_enabled:1: slotgate is a one-node cluster (see info/own-sections.ts).
    [bulkReply('mode'), bulkReply('cluster')],
    [bulkReply('role'), bulkReply('master')],
    [bulkReply('modules'), EMPTY_ARRAY]
  ])
}

/**
 * ROLE: slotgate stands for one master, whose replication offset is the masters' summed (it
 * grows with every write anywhere, as one node's would). No replicas are listed: the
 * cluster's replicas each hold one shard, and are not replicas a client could read all from.
 */
async function role (info: InfoSource): Promise<Buffer> {
  const texts = await info.masterInfo(['replication'])
  let offset = 0
  for (const text of texts) offset += Number(/master_repl_offset:(\d+)/.exec(text)?.[1] ?? 0)
  return arrayReply([bulkReply('master'), integerReply(offset), EMPTY_ARRAY])
}
