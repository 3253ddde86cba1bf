import t from 'tap'
import { keySlot } from '../../src/cluster/key-slot.js'
import { Redis } from 'ioredis'
import { CommandTable } from '../../src/commands/command-table.js'
import { CommandPolicy } from '../../src/commands/command-policy.js'
import { routeCommand, type RoutePlan } from '../../src/commands/router.js'
import { hasRedisServer, startStandaloneRedis } from '../helpers/standalone-redis.js'

/** A plan reduced to what the tests compare: kind, slot, flags, merge, command name, error text. */
type Summary =
  | ['single', number, boolean, string]
  | ['any-node', boolean, string]
  | ['local', string]
  | ['split', number[], string, boolean, string]
  | ['broadcast', string, boolean, boolean, string]
  | ['scan', string]
  | ['blocking', number, string]
  | ['cross-pop', number[], number[], string]
  | ['script', number, boolean, string]
  | ['session', string, number]
  | ['reject', string]

function summarize (plan: RoutePlan): Summary {
  switch (plan.kind) {
    case 'single': return ['single', plan.slot, plan.readOnly, plan.spec.name]
    case 'any-node': return ['any-node', plan.readOnly, plan.spec.name]
    case 'local': return ['local', plan.name]
    case 'split': return ['split', plan.keys, plan.merge, plan.readOnly, plan.spec.name]
    case 'broadcast': return ['broadcast', plan.merge, plan.readOnly, plan.allNodes, plan.spec.name]
    case 'scan': return ['scan', plan.spec.name]
    case 'blocking': return ['blocking', plan.slot, plan.spec.name]
    case 'cross-pop': return ['cross-pop', plan.keys, plan.slots, plan.spec.name]
    case 'script': return ['script', plan.slot, plan.readOnly, plan.spec.name]
    case 'session': return ['session', plan.name, plan.slot]
    case 'reject': return ['reject', plan.error]
  }
}

const a = (n: number, c: string): string => c.repeat(n)

// Slots are redis-server 7.0.15's CLUSTER KEYSLOT answers: foo 12182, k 7629, s1 15224,
// h 11694, mylist 5282, and {user1000}... 3443.
const SINGLE: ReadonlyArray<readonly [string[], Summary]> = [
  [['GET', 'foo'], ['single', 12182, true, 'get']],
  [['get', 'foo'], ['single', 12182, true, 'get']],
  [['GeT', 'foo'], ['single', 12182, true, 'get']],
  [['SET', 'foo', 'bar'], ['single', 12182, false, 'set']],
  [['SET', 'k', 'v', 'EX', '10', 'NX'], ['single', 7629, false, 'set']],
  [['HSET', 'h', 'f', 'v'], ['single', 11694, false, 'hset']],
  [['LRANGE', 'mylist', '0', '-1'], ['single', 5282, true, 'lrange']],
  [['DEL', 'k'], ['single', 7629, false, 'del']],
  [['OBJECT', 'ENCODING', 'k'], ['single', 7629, true, 'object|encoding']],
  [['XREAD', 'COUNT', '1', 'STREAMS', 's1', '0'], ['single', 15224, true, 'xread']],
  // hash tags keep multi-key commands on one slot
  [['MGET', '{user1000}.following', '{user1000}.followers'], ['single', 3443, true, 'mget']],
  [['MSET', '{user1000}.a', '1', '{user1000}.b', '2'], ['single', 3443, false, 'mset']],
  [['SUNIONSTORE', '{user1000}.d', '{user1000}.a', '{user1000}.b'], ['single', 3443, false, 'sunionstore']],
  [['RENAME', '{user1000}.a', '{user1000}.b'], ['single', 3443, false, 'rename']],
  // scripts with keys go where their keys are
  [['EVAL', 'return 1', '1', 'k'], ['script', 7629, false, 'eval']],
  [['EVAL', 'return 1', '2', '{user1000}.a', '{user1000}.b', 'arg'], ['script', 3443, false, 'eval']],
  [['EVAL_RO', 'return 1', '1', 'k'], ['script', 7629, true, 'eval_ro']],
  [['FCALL', 'f', '1', 'foo'], ['script', 12182, false, 'fcall']]
]

const CROSSSLOT = 'CROSSSLOT Keys in request don\'t hash to the same slot'

// Multi-key commands that need one atomic step keep the cluster's CROSSSLOT.
const CROSS: ReadonlyArray<readonly [string[], Summary]> = [
  [['RENAME', 'a', 'b'], ['reject', CROSSSLOT]],
  [['SUNIONSTORE', 'd', 'a', 'b'], ['reject', CROSSSLOT]],
  [['MSETNX', 'a', '1', 'b', '2'], ['reject', CROSSSLOT]],
  [['EVAL', 'return 1', '2', 'a', 'b'], ['reject', CROSSSLOT]],
  [['BLMOVE', 'a', 'b', 'LEFT', 'LEFT', '0'], ['reject', CROSSSLOT]],
  [['SMOVE', '{user1000}.a', '{user1001}.a', 'm'], ['reject', CROSSSLOT]],
  [['SINTER', '{x}1', '{x}2', 'other'], ['reject', CROSSSLOT]],
  [['WATCH', 'a', 'b'], ['reject', CROSSSLOT]]
]

// Cross-slot MGET/MSET/DEL/UNLINK/EXISTS/TOUCH are split by slot and merged (DESIGN.md);
// keys are argument indices. a → 15495, b → 3300.
const SPLIT: ReadonlyArray<readonly [string[], Summary]> = [
  [['MGET', 'a', 'b'], ['split', [1, 2], 'by-key', true, 'mget']],
  [['MSET', 'a', '1', 'b', '2'], ['split', [1, 3], 'all-ok', false, 'mset']],
  [['DEL', 'foo', 'k', 'a'], ['split', [1, 2, 3], 'sum', false, 'del']],
  [['UNLINK', 'a', 'b'], ['split', [1, 2], 'sum', false, 'unlink']],
  [['EXISTS', 'a', 'b', 'a'], ['split', [1, 2, 3], 'sum', true, 'exists']],
  [['TOUCH', 'a', 'b'], ['split', [1, 2], 'sum', true, 'touch']],
  // one slot: no split needed
  [['MGET', 'a', 'a'], ['single', 15495, true, 'mget']],
  [['DEL', '{user1000}.a', '{user1000}.b'], ['single', 3443, false, 'del']]
]

// Rejections whose text is Redis' own (networking.c / server.c processCommand): the live
// test below checks each text against redis-server 7.0.15.
const REDIS_ERRORS: ReadonlyArray<readonly [string[], string]> = [
  [['foo', 'a', 'b'], 'ERR unknown command \'foo\', with args beginning with: \'a\' \'b\' '],
  [['foo'], 'ERR unknown command \'foo\', with args beginning with: '],
  [['FOO', 'x y'], 'ERR unknown command \'FOO\', with args beginning with: \'x y\' '],
  [[''], 'ERR unknown command \'\', with args beginning with: '],
  [['f\r\noo', 'x\ny', 'z'], 'ERR unknown command \'f  oo\', with args beginning with: \'x y\' \'z\' '],
  [[a(200, 'f'), 'x'], `ERR unknown command '${a(128, 'f')}', with args beginning with: 'x' `],
  [['foo', a(200, 'a')], `ERR unknown command 'foo', with args beginning with: '${a(128, 'a')}' `],
  // Redis stops adding args once the list reaches 128 characters, cutting the last one to fit.
  [['foo', a(100, 'a'), a(100, 'b')], `ERR unknown command 'foo', with args beginning with: '${a(100, 'a')}' '${a(25, 'b')}' `],
  [['foo', ...Array.from({ length: 40 }, () => 'a')], `ERR unknown command 'foo', with args beginning with: ${'\'a\' '.repeat(32)}`],
  // containers: no subcommand is an arity error, an unknown one says so
  [['CONFIG'], 'ERR wrong number of arguments for \'config\' command'],
  [['client'], 'ERR wrong number of arguments for \'client\' command'],
  [['CONFIG', 'foo'], 'ERR unknown subcommand \'foo\'. Try CONFIG HELP.'],
  [['config', 'Nope', 'x'], 'ERR unknown subcommand \'Nope\'. Try CONFIG HELP.'],
  [['object', 'x\r\ny'], 'ERR unknown subcommand \'x  y\'. Try OBJECT HELP.'],
  [['COMMAND', 'foo'], 'ERR unknown subcommand \'foo\'. Try COMMAND HELP.'],
  // arity
  [['GET'], 'ERR wrong number of arguments for \'get\' command'],
  [['GET', 'a', 'b'], 'ERR wrong number of arguments for \'get\' command'],
  [['set', 'k'], 'ERR wrong number of arguments for \'set\' command'],
  [['ECHO'], 'ERR wrong number of arguments for \'echo\' command'],
  [['SELECT'], 'ERR wrong number of arguments for \'select\' command'],
  [['EVAL', 'return 1'], 'ERR wrong number of arguments for \'eval\' command'],
  [['MSET', 'a'], 'ERR wrong number of arguments for \'mset\' command'],
  // a subcommand's arity error names it container|sub, as Redis 7.0 does
  [['CONFIG', 'GET'], 'ERR wrong number of arguments for \'config|get\' command'],
  [['CLIENT', 'SETNAME'], 'ERR wrong number of arguments for \'client|setname\' command'],
  [['OBJECT', 'ENCODING'], 'ERR wrong number of arguments for \'object|encoding\' command'],
  // the command's own syntax where keys depend on it (check-shape.ts): never split, never CROSSSLOT
  [['MSET', 'a', '1', 'b'], 'ERR wrong number of arguments for \'mset\' command'],
  [['MSETNX', 'a', '1', 'b'], 'ERR wrong number of arguments for \'msetnx\' command'],
  [['EVAL', 'return 1', 'notanumber'], 'ERR value is not an integer or out of range'],
  [['EVAL', 'return 1', '3', 'a', 'b'], 'ERR Number of keys can\'t be greater than number of args'],
  [['EVAL_RO', 'return 1', '-1', 'k'], 'ERR Number of keys can\'t be negative'],
  [['ZUNIONSTORE', 'd', 'x', 'a'], 'ERR value is not an integer or out of range'],
  [['XREAD', 'STREAMS', 'a', 'b', '0'], 'ERR Unbalanced XREAD list of streams: for each stream key an ID or \'$\' must be specified.']
]

const LOCAL: ReadonlyArray<readonly [string[], Summary]> = [
  [['PING'], ['local', 'ping']],
  [['ping', 'hello'], ['local', 'ping']],
  [['ECHO', 'x'], ['local', 'echo']],
  [['QUIT'], ['local', 'quit']],
  [['SELECT', '0'], ['local', 'select']],
  [['HELLO'], ['local', 'hello']],
  [['HELLO', '3', 'SETNAME', 'n'], ['local', 'hello']],
  [['INFO'], ['local', 'info']],
  [['INFO', 'keyspace'], ['local', 'info']],
  [['TIME'], ['local', 'time']],
  [['ROLE'], ['local', 'role']],
  [['READONLY'], ['local', 'readonly']],
  [['READWRITE'], ['local', 'readwrite']],
  [['CLIENT', 'SETNAME', 'x'], ['local', 'client|setname']],
  [['client', 'setname', 'x'], ['local', 'client|setname']],
  [['CLIENT', 'GETNAME'], ['local', 'client|getname']],
  [['CLIENT', 'ID'], ['local', 'client|id']],
  // slotgate as a one-node cluster, and a node's view of itself merged over the masters
  [['CLUSTER', 'NODES'], ['local', 'cluster|nodes']],
  [['CLUSTER', 'SLOTS'], ['local', 'cluster|slots']],
  [['CLUSTER', 'KEYSLOT', 'foo'], ['local', 'cluster|keyslot']],
  [['CLUSTER', 'GETKEYSINSLOT', '5', '10'], ['local', 'cluster|getkeysinslot']],
  [['ASKING'], ['local', 'asking']],
  [['SCRIPT', 'KILL'], ['local', 'script|kill']],
  [['FUNCTION', 'KILL'], ['local', 'function|kill']],
  [['FUNCTION', 'STATS'], ['local', 'function|stats']],
  [['SCRIPT', 'EXISTS', 'a', 'b'], ['local', 'script|exists']],
  [['SLOWLOG', 'GET', '5'], ['local', 'slowlog|get']],
  [['LATENCY', 'LATEST'], ['local', 'latency|latest']],
  [['LATENCY', 'HISTORY', 'command'], ['local', 'latency|history']],
  [['MEMORY', 'STATS'], ['local', 'memory|stats']],
  [['ACL', 'WHOAMI'], ['local', 'acl|whoami']],
  [['ACL', 'GETUSER', 'default'], ['local', 'acl|getuser']],
  [['CONFIG', 'SET', 'maxmemory', '0'], ['local', 'config|set']],
  [['CONFIG', 'RESETSTAT'], ['local', 'config|resetstat']]
]

// Connection state the session keeps (transactions, subscriptions, AUTH, client bookkeeping).
const SESSION: ReadonlyArray<readonly [string[], Summary]> = [
  [['AUTH', 'pw'], ['session', 'auth', -1]],
  [['WAIT', '1', '0'], ['session', 'wait', -1]],
  [['AUTH', 'user', 'pw'], ['session', 'auth', -1]],
  [['MULTI'], ['session', 'multi', -1]],
  [['EXEC'], ['session', 'exec', -1]],
  [['DISCARD'], ['session', 'discard', -1]],
  [['WATCH', 'k'], ['session', 'watch', 7629]],
  [['WATCH', '{user1000}.a', '{user1000}.b'], ['session', 'watch', 3443]],
  [['UNWATCH'], ['session', 'unwatch', -1]],
  [['SUBSCRIBE', 'news', 'sport'], ['session', 'subscribe', -1]],
  [['PSUBSCRIBE', 'n*'], ['session', 'psubscribe', -1]],
  [['SSUBSCRIBE', 'foo'], ['session', 'ssubscribe', 12182]],
  [['CLIENT', 'LIST'], ['session', 'client|list', -1]],
  [['CLIENT', 'KILL', 'ID', '5'], ['session', 'client|kill', -1]],
  [['RESET'], ['session', 'reset', -1]],
  [['MONITOR'], ['session', 'monitor', -1]],
  [['CLIENT', 'UNBLOCK', '5'], ['session', 'client|unblock', -1]],
  [['CLIENT', 'SETINFO', 'LIB-NAME', 'x'], ['session', 'client|setinfo', -1]],
  [['CLIENT', 'NO-TOUCH', 'on'], ['session', 'client|no-touch', -1]]
]

// Commands that may block go on a link of their own. XREAD blocks only with BLOCK.
const BLOCKING: ReadonlyArray<readonly [string[], Summary]> = [
  [['BLPOP', 'mylist', '0'], ['blocking', 5282, 'blpop']],
  [['BRPOP', '{user1000}.a', '{user1000}.b', '1.5'], ['blocking', 3443, 'brpop']],
  [['BZPOPMIN', 'k', '0'], ['blocking', 7629, 'bzpopmin']],
  [['XREAD', 'BLOCK', '0', 'STREAMS', 's1', '$'], ['blocking', 15224, 'xread']],
  [['xread', 'count', '5', 'block', '100', 'streams', 's1', '0'], ['blocking', 15224, 'xread']],
  [['XREAD', 'STREAMS', 's1', '0'], ['single', 15224, true, 'xread']],
  [['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's1', '>'], ['single', 15224, false, 'xreadgroup']],
  [['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '10', 'STREAMS', 's1', '>'], ['blocking', 15224, 'xreadgroup']],
  // Blocking pops over several slots wait on every node involved (exec/cross-slot-pop.ts).
  [['BLPOP', 'foo', 'k', '0'], ['cross-pop', [1, 2], [12182, 7629], 'blpop']],
  [['BZPOPMAX', 'mylist', 'h', '1'], ['cross-pop', [1, 2], [5282, 11694], 'bzpopmax']],
  [['BLMPOP', '0', '2', 'foo', 'k', 'LEFT', 'COUNT', '3'], ['cross-pop', [3, 4], [12182, 7629], 'blmpop']]
]

const ANY_NODE: ReadonlyArray<readonly [string[], Summary]> = [
  [['COMMAND'], ['any-node', false, 'command']],
  [['COMMAND', 'COUNT'], ['any-node', false, 'command|count']],
  [['COMMAND', 'DOCS'], ['any-node', false, 'command|docs']],
  [['command', 'docs', 'get'], ['any-node', false, 'command|docs']],
  [['COMMAND', 'INFO', 'get'], ['any-node', false, 'command|info']],
  [['COMMAND', 'GETKEYS', 'GET', 'k'], ['any-node', false, 'command|getkeys']],
  [['EVAL', 'return 1', '0'], ['script', -1, false, 'eval']],
  [['EVAL', 'return 1', '0', 'arg'], ['script', -1, false, 'eval']],
  [['EVAL_RO', 'return 1', '0'], ['script', -1, true, 'eval_ro']],
  [['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'], ['script', -1, false, 'evalsha']],
  [['FCALL', 'f', '0'], ['script', -1, false, 'fcall']],
  [['FCALL_RO', 'f', '0'], ['script', -1, true, 'fcall_ro']],
  // PUBLISH of a keyevent channel: every master has its own events, so any of them.
  [['PUBLISH', '__keyevent@0__:del', 'k'], ['any-node', false, 'publish']],
  [['CONFIG', 'GET', 'maxmemory'], ['any-node', false, 'config|get']],
  // FCALL's malformed numkeys: a node looks the function up first, so a master answers
  [['FCALL', 'f', 'notanumber', 'a', 'b'], ['any-node', false, 'fcall']],
  [['FCALL', 'f', '5', 'k'], ['any-node', false, 'fcall']],
  [['FCALL_RO', 'f', '-1', 'k'], ['any-node', true, 'fcall_ro']],
  // numkeys 0 and other malformed numkeys: the node's own error text, from the shape checks (check-shape.test.ts)
  [['ACL', 'CAT'], ['any-node', false, 'acl|cat']]
]

// PUBLISH goes to its channel's home master, where slotgate's subscribers of it are, so the
// count is one node's: the channel name's slot, or the key's for a keyspace channel.
const PUBLISH: ReadonlyArray<readonly [string[], Summary]> = [
  [['PUBLISH', 'news', 'hi'], ['single', keySlot(Buffer.from('news')), false, 'publish']],
  [['PUBLISH', '__keyspace@0__:user:1', 'x'], ['single', keySlot(Buffer.from('user:1')), false, 'publish']]
]

// Keyless commands about the whole keyspace go to every master (CONFIG SET to every node).
const BROADCAST: ReadonlyArray<readonly [string[], Summary]> = [
  [['DBSIZE'], ['broadcast', 'sum', true, false, 'dbsize']],
  [['KEYS', '*'], ['broadcast', 'concat', true, false, 'keys']],
  [['RANDOMKEY'], ['broadcast', 'random-non-null', true, false, 'randomkey']],
  [['FLUSHALL'], ['broadcast', 'all-ok', false, false, 'flushall']],
  [['SCRIPT', 'LOAD', 'return 1'], ['broadcast', 'all-ok', false, false, 'script|load']],
  [['ACL', 'SETUSER', 'bob', 'on'], ['broadcast', 'all-ok', false, true, 'acl|setuser']],
  [['ACL', 'DELUSER', 'bob'], ['broadcast', 'max', false, true, 'acl|deluser']],
  [['SCAN', '0'], ['scan', 'scan']]
]

const notSupported = (name: string): string => `ERR command '${name}' is not supported by slotgate yet`

// Keyless commands with no cluster-wide meaning slotgate could give are refused by name.
const UNSUPPORTED: ReadonlyArray<readonly [string[], Summary]> = [
  [['DEBUG', 'SLEEP', '0'], ['reject', notSupported('debug')]],
  [['SAVE'], ['reject', notSupported('save')]],

  [['SWAPDB', '0', '1'], ['reject', notSupported('swapdb')]],
  [['CLUSTER', 'RESET'], ['reject', notSupported('cluster reset')]]
]

const table = CommandTable.fromSnapshot()
const route = (words: readonly string[]): Summary => summarize(routeCommand(table, words.map(w => Buffer.from(w, 'latin1'))))
const label = (words: readonly string[]): string => JSON.stringify(words.map(w => w.length > 24 ? `${w.slice(0, 6)}...(${w.length})` : w))

const GROUPS: ReadonlyArray<readonly [string, ReadonlyArray<readonly [string[], Summary]>]> = [
  ['single slot', SINGLE],
  ['cross-slot', CROSS],
  ['split', SPLIT],
  ['local', LOCAL],
  ['session', SESSION],
  ['blocking', BLOCKING],
  ['any node', ANY_NODE],
  ['publish', PUBLISH],
  ['broadcast', BROADCAST],
  ['not supported', UNSUPPORTED],
  ['Redis\' own errors', REDIS_ERRORS.map(([words, error]) => [words, ['reject', error]] as const)]
]

for (const [group, rows] of GROUPS) {
  for (const [words, expected] of rows) {
    t.test(`${group}: ${label(words)}`, async t => {
      t.same(route(words), expected)
    })
  }
}

t.test('the command policy denies by name, by container, and after Redis\' own checks', async t => {
  const policy = new CommandPolicy(['config set', 'DEBUG', 'cluster'])
  const denied = (words: string[]): Summary => summarize(routeCommand(table, words.map(w => Buffer.from(w)), policy))
  t.same(denied(['CONFIG', 'SET', 'maxmemory', '0']),
    ['reject', 'ERR slotgate: \'CONFIG SET\' is denied by the proxy\'s command policy (rule \'config|set\' in denyCommands)'])
  t.same(denied(['debug', 'sleep', '0']),
    ['reject', 'ERR slotgate: \'DEBUG\' is denied by the proxy\'s command policy (rule \'debug\' in denyCommands)'])
  t.same(denied(['CLUSTER', 'INFO']),
    ['reject', 'ERR slotgate: \'CLUSTER INFO\' is denied by the proxy\'s command policy (rule \'cluster\' in denyCommands)'])
  t.same(denied(['CONFIG', 'GET', 'maxmemory']), ['any-node', false, 'config|get'], 'a sibling subcommand stays allowed')
  t.same(denied(['DEBUG']), ['reject', 'ERR wrong number of arguments for \'debug\' command'], 'arity first, as Redis')
  t.same(denied(['GET', 'foo']), ['single', 12182, true, 'get'])
})

t.test('MSET a 1 b (issue 13): the arity error as a single node says it, never a split plan', async t => {
  const plan = routeCommand(table, ['MSET', 'a', '1', 'b'].map(w => Buffer.from(w)))
  t.equal(plan.kind, 'reject')
  if (plan.kind !== 'reject') return
  t.equal(plan.error, 'ERR wrong number of arguments for \'mset\' command')
  t.equal(plan.spec?.name, 'mset', 'spec set: NOAUTH and NOPERM still come first in the session')
  t.equal(plan.atExec, true, 'a node finds it when running MSET: inside MULTI it would be queued')
  // a and b are in different slots: with an even count it is a split, so the odd count is what refuses it
  t.same(route(['MSET', 'a', '1', 'b', '2']), ['split', [1, 3], 'all-ok', false, 'mset'])
  t.same(route(['MSET', 'a', '1', 'b', '2', 'c']), ['reject', 'ERR wrong number of arguments for \'mset\' command'])
  t.same(route(['MSET', '{t}a', '1', '{t}b']), ['reject', 'ERR wrong number of arguments for \'mset\' command'], 'one slot too')
})

t.test('the order of checks: unknown command, arity, the proxy\'s policy, then the command\'s own syntax', async t => {
  t.same(route(['MSET', 'a']), ['reject', 'ERR wrong number of arguments for \'mset\' command'], 'arity (table) first')
  const policy = new CommandPolicy(['mset'])
  const plan = summarize(routeCommand(table, ['MSET', 'a', '1', 'b'].map(w => Buffer.from(w)), policy))
  t.same(plan, ['reject', 'ERR slotgate: \'MSET\' is denied by the proxy\'s command policy (rule \'mset\' in denyCommands)'],
    'a denied command is refused as unknown would be, before its syntax is looked at')
  const arityPlan = routeCommand(table, ['GET'].map(w => Buffer.from(w)))
  t.equal(arityPlan.kind === 'reject' ? arityPlan.atExec : 'not a reject', undefined, 'an arity error is not deferred: a node refuses it before MULTI queues it')
})

t.test('FCALL with a numkeys a cluster node would misread: only `FCALL name numkeys` is forwarded', async t => {
  for (const numkeys of ['02', 'notanumber', '5', '-1']) {
    const plan = routeCommand(table, ['FCALL', 'f', numkeys, 'a', 'b'].map(w => Buffer.from(w)))
    t.equal(plan.kind, 'any-node', numkeys)
    if (plan.kind !== 'any-node') continue
    // A node reading '02' with atoi() would route by a and b (two slots) and answer CROSSSLOT.
    t.same(plan.forward?.map(b => b.toString()), ['FCALL', 'f', numkeys], `${numkeys}: the function's name and numkeys, no keys`)
  }
  const config = routeCommand(table, ['CONFIG', 'GET', 'maxmemory'].map(w => Buffer.from(w)))
  t.equal(config.kind === 'any-node' ? config.forward : 'other', undefined, 'other any-node commands go as the client sent them')
})

t.test('XREAD blocks only with a BLOCK option, read as xreadCommand reads its options', async t => {
  t.same(route(['XREADGROUP', 'GROUP', 'BLOCK', 'c', 'STREAMS', 's1', '>']), ['single', 15224, false, 'xreadgroup'], 'a group named BLOCK')
  t.same(route(['XREAD', 'COUNT', '1', 'BLOCK', '5', 'STREAMS', 's1', '$']), ['blocking', 15224, 'xread'])
  t.same(route(['XREAD', 'BLOCK', 'x', 'STREAMS', 's1', '$']), ['reject', 'ERR timeout is not an integer or out of range'])
})

// A key without a tag that equals another key's tag hashes to the same slot.
t.test('{user1000}.a and user1000 are in one slot', async t => {
  t.same(route(['MGET', '{user1000}.a', 'user1000']), ['single', 3443, true, 'mget'])
})

/** Live checks need Debian's redis-server; without it they are reported as skipped. */
const LIVE = { skip: hasRedisServer() ? false : 'redis-server is not installed' }

// The texts above are only "Redis' format" if Redis says them: ask a real redis-server.
t.test('live redis-server 7.0.15 gives the same error texts', LIVE, async t => {
  const server = await startStandaloneRedis()
  const redis = new Redis(server.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 })
  t.teardown(async () => {
    redis.disconnect()
    await server.stop()
  })
  await redis.connect()
  t.equal(((await redis.info('server')).match(/redis_version:(\S+)/) ?? [])[1], '7.0.15')
  for (const [words, expected] of REDIS_ERRORS) {
    let message: string
    try {
      await redis.call(words[0], ...words.slice(1))
      message = '(no error)'
    } catch (err) {
      message = (err as Error).message
    }
    t.equal(message, expected, label(words))
  }
})
