import { CommandFlag } from '../commands/command-spec.js'
import type { RoutePlan } from '../commands/router.js'
import { errorReply } from '../resp/encode.js'
import { filterConfigGet } from '../commands/config-get-filter.js'
import { splitBySlot } from '../commands/split-command.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import { runClientCommand } from './client-commands.js'
import type { ClientState } from './client-state.js'
import { runLocalCommand } from './local-commands.js'
import type { QueuedCommand } from './transaction.js'

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
 * - commands for the whole keyspace (FLUSHALL, DBSIZE, KEYS, PUBSUB ...) run once per master,
 *   merged as outside MULTI, when the transaction may span slots; else (and SCAN always)
 *   they are refused, since inside one node's transaction they would touch one master only;
 * - `no_multi` commands get the node's own refusal.
 * Returns false for the commands the client runs as usual.
 */
export function queueInTransaction (plan: RoutePlan, args: Buffer[], client: ClientState): boolean {
  const tx = client.transaction
  const queue = (command: QueuedCommand | null, keySlots: readonly number[], error: string | null = null): true => {
    client.sink.push(tx.queue(command, keySlots, error))
    return true
  }
  const local = (answer: () => Buffer | Promise<Buffer>): QueuedCommand => ({ pieces: [], merge: null, keyCount: 0, local: answer })
  const one = (slot: number): QueuedCommand => ({ pieces: [{ args, slot, node: null }], merge: null, keyCount: 0, local: null })
  if (plan.kind === 'reject') {
    // A node checks no_multi before ACL, CROSSSLOT and the rest (server.c, processCommand).
    if (plan.spec !== undefined && (plan.spec.flagBits & CommandFlag.NO_MULTI) !== 0) return queue(null, [], ReplyStrings.notAllowedInMulti)
    // A node finds a command's own syntax errors only when it runs it: queued, the error in EXEC's array.
    if (plan.atExec === true) { const error = errorReply(plan.error); return queue(local(() => error), []) }
    return queue(null, [], plan.error)
  }
  const name = plan.kind === 'local' || plan.kind === 'session' ? plan.name : plan.spec.name
  if (['exec', 'discard', 'multi', 'watch', 'reset', 'quit'].includes(name)) return false
  // As the one busy node would: refused with its BUSY while a master runs a script too long (busy-scripts.ts).
  const busy = client.ctx.busy.error
  if (busy !== null && (plan.spec.flagBits & CommandFlag.ALLOW_BUSY) === 0) return queue(null, [], busy)
  if (REFUSED_IN_MULTI.has(name)) return queue(null, [], ReplyStrings.stateChangeInMulti(name))
  if ((plan.spec.flagBits & CommandFlag.NO_MULTI) !== 0) return queue(null, [], ReplyStrings.notAllowedInMulti)
  if (LOCAL_IN_MULTI.has(name)) {
    return queue(local(plan.kind === 'local'
      ? () => runLocalCommand(name, args, client, client.ctx.info)
      : () => runClientCommand(name, args, client.view, () => client.ctx.clients())), [])
  }
  switch (plan.kind) {
    case 'single':
    case 'blocking':
    case 'session':
      // A PUBLISH is routed by its channel, which is no key: it runs at its home when the
      // transaction may span slots, and never ties the transaction to a slot.
      if (plan.spec.keySpecs.length === 0) return queue(one(tx.spansSlots ? plan.slot : -1), [])
      return queue(one(plan.slot), [plan.slot])
    case 'script':
      return plan.slot >= 0 ? queue(one(plan.slot), [plan.slot]) : queue(one(-1), [])
    case 'any-node':
    case 'local': {
      const forward = plan.kind === 'any-node' ? plan.forward : undefined
      if (forward !== undefined) return queue({ pieces: [{ args: forward, slot: -1, node: null }], merge: null, keyCount: 0, local: null }, [])
      return queue(name === 'config|get' ? { ...one(-1), filter: filterConfigGet } : one(-1), [])
    }
    case 'split': {
      if (!tx.spansSlots) return queue(null, [], ReplyStrings.crossSlot)
      const parts = splitBySlot(args, plan.keys, plan.slots, plan.spec.name === 'mset')
      return queue({ pieces: parts.map(p => ({ args: p.args, slot: p.slot, node: null, positions: p.positions })), merge: plan.merge, keyCount: plan.keys.length, local: null }, plan.slots)
    }
    case 'broadcast': {
      const masters = client.ctx.topology.masters()
      if (!tx.spansSlots || plan.allNodes || masters.length === 0) return queue(null, [], ReplyStrings.keyspaceCommandInMulti(name))
      return queue({ pieces: masters.map(node => ({ args, slot: -1, node })), merge: plan.merge, keyCount: 0, local: null }, [])
    }
    case 'scan':
      return queue(null, [], ReplyStrings.keyspaceCommandInMulti(name))
    case 'cross-pop':
      // Inside MULTI a node pops without blocking; over several slots that is a cluster's CROSSSLOT.
      return queue(null, [], ReplyStrings.crossSlot)
  }
}
