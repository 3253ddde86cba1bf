import { CommandFlag } from '../commands/command-spec.js'
import type { RoutePlan } from '../commands/router.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import { runClientCommand } from './client-commands.js'
import type { ClientState } from './client-state.js'
import { runLocalCommand } from './local-commands.js'

/** Commands inside MULTI that would change a connection other clients share: refused when queued. */
const REFUSED_IN_MULTI: ReadonlySet<string> = new Set([
  'subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe',
  'hello', 'auth', 'monitor', 'asking', 'client|kill', 'client|reply', 'client|pause', 'client|unpause',
  'client|tracking', 'client|caching'
])

/** Commands about the connection itself, answered by slotgate in their place of EXEC's array. */
const LOCAL_IN_MULTI: ReadonlySet<string> = new Set([
  'ping', 'echo', 'select', 'readonly', 'readwrite', 'time', 'role', 'info',
  'client|setname', 'client|getname', 'client|id', 'client|info', 'client|list', 'client|no-evict', 'client|getredir',
  'client|trackinginfo', 'client|unblock', 'client|setinfo', 'client|no-touch', 'script|kill', 'function|kill',
  'cluster|info', 'cluster|myid', 'cluster|nodes', 'cluster|slots', 'cluster|shards', 'cluster|keyslot',
  'cluster|countkeysinslot', 'cluster|getkeysinslot', 'cluster|links', 'acl|whoami', 'acl|users', 'acl|list', 'acl|getuser',
  'slowlog|get', 'latency|latest', 'latency|history', 'latency|histogram', 'latency|doctor', 'memory|doctor', 'memory|stats',
  'function|stats', 'config|resetstat', 'config|set', 'script|exists'
])

/**
 * Inside MULTI every command but the transaction's own (EXEC, DISCARD, MULTI, WATCH, RESET,
 * QUIT: a node runs these at once too) is queued for EXEC, after the checks a node makes at
 * queue time. The rule that keeps a shared link safe: nothing queued may change the state
 * of the node connection it travels on, since other clients use that connection.
 * - commands that would (the Pub/Sub family, HELLO, AUTH, MONITOR, ASKING, CLIENT KILL,
 *   REPLY, PAUSE, TRACKING) are refused when queued, with an error saying why — a node
 *   itself gives a malformed EXEC reply for CLIENT REPLY inside MULTI;
 * - commands about the client's own connection (PING, ECHO, SELECT, READONLY, CLIENT
 *   SETNAME, ...) are answered by slotgate at EXEC, in their place in the EXEC array;
 * - commands for the whole keyspace (FLUSHALL, DBSIZE, KEYS, SCAN, PUBSUB ...) are refused:
 *   inside one node's transaction they would touch one master only;
 * - `no_multi` commands get the node's own refusal.
 * Returns false for the commands the client runs as usual.
 */
export function queueInTransaction (plan: RoutePlan, args: Buffer[], client: ClientState): boolean {
  const tx = client.transaction
  const sink = client.sink
  if (plan.kind === 'reject') {
    // A node checks no_multi before ACL, CROSSSLOT and the rest (server.c, processCommand).
    const noMulti = plan.spec !== undefined && (plan.spec.flagBits & CommandFlag.NO_MULTI) !== 0
    sink.push(tx.queue(args, -1, noMulti ? ReplyStrings.notAllowedInMulti : plan.error))
    return true
  }
  const name = plan.kind === 'local' || plan.kind === 'session' ? plan.name : plan.spec.name
  if (['exec', 'discard', 'multi', 'watch', 'reset', 'quit'].includes(name)) return false
  // As the one busy node would: refused with its BUSY while a master runs a script too long (busy-scripts.ts).
  const busy = client.ctx.busy.error
  if (busy !== null && (plan.spec.flagBits & CommandFlag.ALLOW_BUSY) === 0) { sink.push(tx.queue(args, -1, busy)); return true }
  if (REFUSED_IN_MULTI.has(name)) { sink.push(tx.queue(args, -1, ReplyStrings.stateChangeInMulti(name))); return true }
  if ((plan.spec.flagBits & CommandFlag.NO_MULTI) !== 0) { sink.push(tx.queue(args, -1, ReplyStrings.notAllowedInMulti)); return true }
  if (LOCAL_IN_MULTI.has(name)) {
    const local = name.startsWith('client|')
      ? () => runClientCommand(name, args, client.view, () => client.ctx.clients())
      : () => runLocalCommand(name, args, client, client.ctx.info)
    sink.push(tx.queue(args, -1, null, local))
    return true
  }
  switch (plan.kind) {
    case 'single':
    case 'blocking':
    case 'session':
      // A PUBLISH is routed by its channel, which is no key: it does not tie the block to a slot.
      sink.push(tx.queue(args, plan.spec.keySpecs.length > 0 ? plan.slot : -1, null))
      return true
    case 'any-node':
    case 'local':
      sink.push(tx.queue(args, -1, null))
      return true
    case 'broadcast':
    case 'scan':
      sink.push(tx.queue(args, -1, ReplyStrings.keyspaceCommandInMulti(name)))
      return true
    case 'split':
      sink.push(tx.queue(args, -1, ReplyStrings.crossSlot))
      return true
  }
}
