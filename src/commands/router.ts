import { keySlot } from '../cluster/key-slot.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import { CommandFlag, hasValidArity, isReadOnly, type CommandSpec } from './command-spec.js'
import type { CommandTable } from './command-table.js'
import { equalsUpper } from './arg-words.js'
import { checkShape } from './check-shape.js'
import { extractKeys } from './extract-keys.js'
import type { MergeKind } from './merge-replies.js'
import { ALLOW_ALL, type CommandPolicy } from './command-policy.js'
import { channelHome } from './pubsub-homes.js'

/**
 * What to do with one request (DESIGN.md, "The hot path"):
 * - `single`: every key in one slot → that slot's node;
 * - `any-node`: keyless and the same on every node (COMMAND, keyless scripts) → one master;
 * - `local`: answered by slotgate itself, by handler name;
 * - `reject`: a Redis-style error, sent without touching the cluster.
 */
export type RoutePlan =
  | { kind: 'single', slot: number, readOnly: boolean, spec: CommandSpec }
  /** `forward`, when set, is sent instead of the client's arguments (see FCALL below). */
  | { kind: 'any-node', readOnly: boolean, spec: CommandSpec, forward?: Buffer[] }
  | { kind: 'local', name: string, spec: CommandSpec }
  | { kind: 'split', spec: CommandSpec, keys: number[], slots: number[], merge: MergeKind, readOnly: boolean }
  | { kind: 'broadcast', spec: CommandSpec, merge: MergeKind, readOnly: boolean, allNodes: boolean }
  | { kind: 'scan', spec: CommandSpec }
  | { kind: 'blocking', slot: number, spec: CommandSpec }
  /** EVAL/EVALSHA/FCALL (and `_RO`): by their keys' slot, or (-1) on the client's master when keyless. */
  | { kind: 'script', slot: number, readOnly: boolean, spec: CommandSpec }
  /** A blocking pop whose keys span slots: waits on every involved node, hands over one element. */
  | { kind: 'cross-pop', spec: CommandSpec, keys: number[], slots: number[] }
  | { kind: 'session', name: string, slot: number, spec: CommandSpec }
  /**
   * `spec` is set once the command is known and its arity right: checks after that stage
   * (auth, ACL) still apply. `atExec` marks an error a node finds only when it runs the
   * command (its own syntax, see check-shape.ts), not when it accepts it: inside MULTI a node
   * queues such a command and reports the error in its place in EXEC's reply, without
   * aborting the transaction.
   */
  | { kind: 'reject', error: string, spec?: CommandSpec, atExec?: true }

/**
 * Commands slotgate answers itself because a single node would answer them about the
 * connection, not the keyspace (PING, HELLO, CLIENT SETNAME ...), or because only slotgate
 * can answer for the whole cluster (INFO).
 */
export const LOCAL_COMMANDS: ReadonlySet<string> = new Set([
  'ping', 'echo', 'quit', 'select', 'hello', 'time', 'info', 'readonly', 'readwrite', 'role',
  'client|setname', 'client|getname', 'client|id',
  // Sent to every master on control connections, not behind the busy script on a shared link.
  'script|kill', 'function|kill',
  // slotgate as a one-node cluster owning every slot (cluster-commands.ts).
  'cluster|info', 'cluster|myid', 'cluster|nodes', 'cluster|slots', 'cluster|shards', 'cluster|keyslot',
  'cluster|countkeysinslot', 'cluster|getkeysinslot', 'cluster|links', 'cluster|replicas', 'cluster|slaves',
  'cluster|count-failure-reports', 'asking',
  // A node's view of itself, merged over the masters (introspection-commands.ts).
  'slowlog|get', 'latency|latest', 'latency|history', 'latency|histogram', 'latency|doctor', 'memory|doctor', 'memory|stats',
  // slotgate's own users (acl-commands.ts).
  'acl|whoami', 'acl|users', 'acl|list', 'acl|getuser',
  // Every node's (slotgate's own counters reset too); FUNCTION STATS from the master running one;
  // SCRIPT EXISTS knowing which scripts slotgate can load where missing.
  'config|set', 'config|resetstat', 'function|stats', 'script|exists'
])

/**
 * Commands about the connection's own state that the session handles (transactions,
 * subscriptions, client bookkeeping). `slot` is set for the keyed ones (WATCH, SSUBSCRIBE).
 */
export const SESSION_COMMANDS: ReadonlySet<string> = new Set([
  'auth', 'wait', 'multi', 'exec', 'discard', 'watch', 'unwatch', 'reset', 'monitor',
  'subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe',
  'client|list', 'client|info', 'client|kill', 'client|reply', 'client|no-evict', 'client|tracking',
  'client|trackinginfo', 'client|getredir', 'client|caching', 'client|unblock', 'client|setinfo', 'client|no-touch'
])

/**
 * Keyless commands whose answer does not depend on which node gives it, so any master will
 * do. Scripts and functions with zero keys go here too: in a cluster they cannot touch
 * keys reliably anyway, and the node reports its own errors (e.g. a bad numkeys).
 */
const ANY_NODE_COMMANDS: ReadonlySet<string> = new Set([
  'command', 'command|count', 'command|info', 'command|docs', 'command|list', 'command|getkeys',
  'command|getkeysandflags',
  // Read-only introspection that is the same on every master (or close enough).
  'config|get', 'lastsave', 'memory|malloc-stats', 'module|list', 'function|dump', 'acl|cat'
])

/**
 * Multi-key commands that can be split by slot and merged without changing their meaning:
 * each key is handled on its own by a node (no atomic step across keys is promised to the
 * client beyond what a cluster client would give). MSETNX, RENAME, the *STORE commands and
 * the like are not here: they need one atomic step, and keep the cluster's CROSSSLOT.
 */
const SPLIT_MERGE: ReadonlyMap<string, MergeKind> = new Map<string, MergeKind>([
  ['mget', 'by-key'], ['mset', 'all-ok'], ['del', 'sum'], ['unlink', 'sum'], ['exists', 'sum'], ['touch', 'sum']
])

/** Commands that run code on a node: scripts, with their body remembered (EVAL) or healed (EVALSHA). */
const SCRIPTS: ReadonlySet<string> = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro'])

/** Keyless commands about the whole keyspace: sent to every master and merged. */
const BROADCAST_MERGE: ReadonlyMap<string, MergeKind> = new Map<string, MergeKind>([
  ['dbsize', 'sum'], ['keys', 'concat'], ['randomkey', 'random-non-null'],
  ['flushall', 'all-ok'], ['flushdb', 'all-ok'],
  ['script|load', 'all-ok'], ['script|flush', 'all-ok'],
  ['function|load', 'all-ok'], ['function|delete', 'all-ok'], ['function|flush', 'all-ok'],
  ['function|list', 'first'], ['function|restore', 'all-ok'],
  // Classic channels live on their home masters, slotgate's patterns on every master (so
  // NUMPAT: the largest count, not the sum; direct subscribers anywhere are summed in NUMSUB).
  ['pubsub|channels', 'union'], ['pubsub|numpat', 'max'], ['pubsub|numsub', 'pair-sum'],
  ['pubsub|shardchannels', 'union'], ['pubsub|shardnumsub', 'pair-sum'],
  ['slowlog|len', 'sum'], ['slowlog|reset', 'all-ok'], ['latency|reset', 'sum'],
  // The cluster's own users, when the operator allows changing them (denied by default).
  ['acl|setuser', 'all-ok'], ['acl|deluser', 'max']
])

/**
 * Blocking pops over keys in several slots, which slotgate carries out as one node would
 * (exec/cross-slot-pop.ts): they take one element (or one batch) from one key. Moves between
 * keys (BLMOVE, BRPOPLPUSH) need one atomic step and keep the cluster's CROSSSLOT.
 */
const CROSS_SLOT_POPS: ReadonlySet<string> = new Set(['blpop', 'brpop', 'bzpopmin', 'bzpopmax', 'blmpop', 'bzmpop'])

/** Broadcasts that must reach replicas too: configuration and ACL users are every node's own. */
const TO_ALL_NODES: ReadonlySet<string> = new Set(['acl|setuser', 'acl|deluser'])

/**
 * Turns a request into a plan. Pure: looks at the command table and the arguments only.
 * Checks run in a single node's order: unknown command, arity (then the proxy's command
 * policy), then the command's own syntax where keys depend on it (`checkShape`), then keys
 * and slots.
 */
export function routeCommand (table: CommandTable, args: readonly Buffer[], policy: CommandPolicy = ALLOW_ALL): RoutePlan {
  const spec = table.lookup(args as Buffer[])
  if (spec === undefined) {
    return { kind: 'reject', error: ReplyStrings.unknownCommand(args[0].toString('latin1'), args.slice(1)) }
  }
  if (spec.subcommands.size > 0 && args.length >= 2) {
    // A container (CLIENT, CONFIG, ...) given an unknown subcommand, as Redis checks.
    return { kind: 'reject', error: ReplyStrings.unknownSubcommand(args[1].toString('latin1'), spec.name) }
  }
  // Redis names a subcommand `config|get` in this error, so the spec name is used as it is.
  if (!hasValidArity(spec, args.length) || (spec.name === 'ping' && args.length > 2)) {
    return { kind: 'reject', error: ReplyStrings.wrongArity(spec.name) }
  }
  const rule = policy.deniedBy(spec.name)
  if (rule !== null) return { kind: 'reject', error: ReplyStrings.denied(spec.name.replace('|', ' '), rule), spec }
  const shapeError = checkShape(spec, args)
  if (shapeError !== null) return { kind: 'reject', error: shapeError, spec, atExec: true }
  if (LOCAL_COMMANDS.has(spec.name)) return { kind: 'local', name: spec.name, spec }
  if (spec.name === 'publish') {
    // To the channel's home master, where slotgate's subscribers of it are: the count is one node's.
    const home = channelHome(args[1])
    return home === 'all' ? { kind: 'any-node', readOnly: false, spec } : { kind: 'single', slot: home, readOnly: false, spec }
  }
  const readOnly = isReadOnly(spec)
  const keys = extractKeys(spec, args)
  if (SESSION_COMMANDS.has(spec.name)) {
    const slot = keys !== null && keys.length > 0 ? sameSlot(args, keys) : -1
    if (slot === CROSS) return { kind: 'reject', error: ReplyStrings.crossSlot, spec }
    return { kind: 'session', name: spec.name, slot, spec }
  }
  if (keys === null) {
    // Keys unknowable and not checked above (FCALL's numkeys, which a node checks only once
    // it found the function): let a master answer with its own error.
    if (spec.name === 'fcall' || spec.name === 'fcall_ro') {
      // Only `FCALL name numkeys`: the node's error is the same (function first, then
      // numkeys), while a cluster node would read keys after an unparsable numkeys with
      // atoi() ('02' as 2) and could answer CROSSSLOT where one node says "Function not found".
      return { kind: 'any-node', readOnly, spec, forward: args.slice(0, 3) }
    }
    return { kind: 'any-node', readOnly, spec }
  }
  if (SCRIPTS.has(spec.name)) {
    // Keyless scripts go to one master: in a cluster they cannot touch keys reliably anyway.
    const slot = keys.length > 0 ? sameSlot(args, keys) : -1
    return slot === CROSS ? { kind: 'reject', error: ReplyStrings.crossSlot, spec } : { kind: 'script', slot, readOnly, spec }
  }
  if (keys.length === 0) {
    // A movable-key command left with no key (LMPOP 0 ..., ZUNION 0 k): the node gives its own error.
    if (ANY_NODE_COMMANDS.has(spec.name) || (spec.flagBits & CommandFlag.MOVABLEKEYS) !== 0) return { kind: 'any-node', readOnly, spec }
    const merge = BROADCAST_MERGE.get(spec.name)
    if (merge !== undefined) return { kind: 'broadcast', spec, merge, readOnly, allNodes: TO_ALL_NODES.has(spec.name) }
    if (spec.name === 'scan') return { kind: 'scan', spec }
    return { kind: 'reject', error: ReplyStrings.notSupported(spec.name.replace('|', ' ')), spec }
  }
  const merge = keys.length > 1 ? SPLIT_MERGE.get(spec.name) : undefined
  if (merge !== undefined) {
    // Each key's slot computed once, kept for the split.
    const slots = keys.map(k => keySlot(args[k]))
    if (slots.some(s => s !== slots[0])) return { kind: 'split', spec, keys, slots, merge, readOnly }
    return { kind: 'single', slot: slots[0], readOnly, spec }
  }
  const slot = sameSlot(args, keys)
  if (slot === CROSS && CROSS_SLOT_POPS.has(spec.name)) {
    return { kind: 'cross-pop', spec, keys, slots: keys.map(k => keySlot(args[k])) }
  }
  if (slot === CROSS) return { kind: 'reject', error: ReplyStrings.crossSlot, spec }
  if ((spec.flagBits & CommandFlag.BLOCKING) !== 0 && blocks(spec.name, args)) return { kind: 'blocking', slot, spec }
  return { kind: 'single', slot, readOnly, spec }
}

const CROSS = -2

/** The one slot of all keys, or CROSS. */
function sameSlot (args: readonly Buffer[], keys: readonly number[]): number {
  const slot = keySlot(args[keys[0]])
  for (let i = 1; i < keys.length; i++) if (keySlot(args[keys[i]]) !== slot) return CROSS
  return slot
}

/**
 * XREAD/XREADGROUP block only with a BLOCK option; the B* commands always may. The options
 * were checked (check-shape.ts), so they are walked as xreadCommand reads them: a group or
 * consumer named BLOCK is not the option.
 */
function blocks (name: string, args: readonly Buffer[]): boolean {
  if (name !== 'xread' && name !== 'xreadgroup') return true
  for (let i = 1; i < args.length; i++) {
    const a = args[i]
    if (equalsUpper(a, 'BLOCK')) return true
    if (equalsUpper(a, 'STREAMS')) return false
    if (equalsUpper(a, 'COUNT')) i += 1
    else if (equalsUpper(a, 'GROUP')) i += 2
  }
  return false
}
