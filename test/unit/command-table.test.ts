import t from 'tap'
import { Redis } from 'ioredis'
import { CommandTable } from '../../src/commands/command-table.js'
import { CommandTableError } from '../../src/commands/command-table-error.js'
import { CommandFlag, hasValidArity, isReadOnly, isWrite, type CommandSnapshot, type KeySpec } from '../../src/commands/command-spec.js'
import { extractKeys } from '../../src/commands/extract-keys.js'
import { normalizeCommandReply } from '../../src/commands/normalize-command-reply.js'
import snapshot from '../../src/commands/command-snapshot.json' with { type: 'json' }
import { hasRedisServer, startStandaloneRedis } from '../helpers/standalone-redis.js'

const SNAPSHOT = snapshot as unknown as CommandSnapshot

/** The test object tap hands to a subtest callback. */
type TapTest = Parameters<Parameters<typeof t.test>[0]>[0]

function argv (...words: string[]): Buffer[] {
  return words.map(w => Buffer.from(w))
}

function lookupName (table: CommandTable, ...words: string[]): string | undefined {
  return table.lookup(argv(...words))?.name
}

/** Checks every table, whichever way it was built. */
function checkLookups (tt: TapTest, table: CommandTable): void {
  tt.test('lookup is case-insensitive and returns one spec per command', async t2 => {
    const get = table.lookup(argv('get', 'k'))
    t2.equal(get?.name, 'get')
    t2.equal(table.lookup(argv('GET', 'k')), get)
    t2.equal(table.lookup(argv('gEt', 'k')), get)
    t2.equal(table.get('GET'), get)
    t2.equal(lookupName(table, 'ZRANGEBYSCORE', 'z', '0', '1'), 'zrangebyscore')
    t2.equal(lookupName(table, 'evalsha_ro', 'abc', '0'), 'evalsha_ro')
  })

  tt.test('subcommands', async t2 => {
    t2.equal(lookupName(table, 'CONFIG', 'GET', 'maxmemory'), 'config|get')
    t2.equal(lookupName(table, 'config', 'set', 'x', 'y'), 'config|set')
    t2.equal(lookupName(table, 'client', 'setname', 'me'), 'client|setname')
    t2.equal(lookupName(table, 'OBJECT', 'ENCODING', 'k'), 'object|encoding')
    t2.equal(lookupName(table, 'Cluster', 'Shards'), 'cluster|shards')
    t2.equal(lookupName(table, 'XINFO', 'stream', 's'), 'xinfo|stream')
    t2.equal(lookupName(table, 'SCRIPT', 'LOAD', 'return 1'), 'script|load')
    t2.equal(lookupName(table, 'MEMORY', 'USAGE', 'k'), 'memory|usage')
    // A container alone or with an unknown subcommand is the container itself.
    t2.equal(lookupName(table, 'CONFIG'), 'config')
    t2.equal(lookupName(table, 'CONFIG', 'NOPE'), 'config')
    // Only containers look at args[1]: a key named like a subcommand stays a key.
    t2.equal(lookupName(table, 'GET', 'get'), 'get')
    t2.equal(table.get('config|get'), table.lookup(argv('config', 'get', 'x')))
    t2.equal(table.get('config')?.subcommands.get('get')?.name, 'config|get')
  })

  tt.test('unknown commands', async t2 => {
    t2.equal(table.lookup([]), undefined)
    t2.equal(table.lookup(argv('NOSUCHCOMMAND')), undefined)
    t2.equal(table.lookup(argv('')), undefined)
    t2.equal(table.lookup(argv('GE')), undefined)
    t2.equal(table.lookup(argv('GETT')), undefined)
    t2.equal(table.lookup([Buffer.from([0xc7, 0x45, 0x54])]), undefined, 'GET with a non-ASCII first byte')
    t2.equal(table.lookup([Buffer.alloc(1 << 20, 0x61)]), undefined, 'a 1 MiB name')
    t2.equal(table.get('config|nope'), undefined)
  })

  tt.test('flags, ACL categories, tips', async t2 => {
    const get = table.get('get')!
    const set = table.get('set')!
    t2.ok(isReadOnly(get))
    t2.notOk(isWrite(get))
    t2.ok(isWrite(set))
    t2.notOk(isReadOnly(set))
    t2.notOk(isWrite(table.get('ping')!))
    t2.notOk(isReadOnly(table.get('ping')!))
    t2.ok(get.flags.has('fast'))
    t2.ok(set.flags.has('denyoom'))
    t2.ok(table.get('blpop')!.flags.has('blocking'))
    t2.ok(table.get('eval')!.flags.has('movablekeys'))
    t2.ok(table.get('multi')!.flags.has('allow_busy'))
    t2.ok((table.get('multi')!.flagBits & CommandFlag.ALLOW_BUSY) !== 0)
    t2.ok(table.get('config|set')!.flags.has('admin'))
    t2.same([...get.aclCategories].sort(), ['fast', 'read', 'string'])
    t2.equal(table.get('dbsize')!.requestPolicy, 'all_shards')
    t2.equal(table.get('dbsize')!.responsePolicy, 'agg_sum')
    t2.equal(table.get('flushall')!.requestPolicy, 'all_shards')
    t2.equal(table.get('keys')!.requestPolicy, 'all_shards')
    t2.ok(table.get('keys')!.tips.includes('nondeterministic_output_order'))
    t2.equal(table.get('config|set')!.requestPolicy, 'all_nodes')
    t2.equal(get.requestPolicy, undefined)
    t2.same([get.firstKey, get.lastKey, get.step], [1, 1, 1])
    t2.same([table.get('mset')!.firstKey, table.get('mset')!.lastKey, table.get('mset')!.step], [1, -1, 2])
  })

  tt.test('arity', async t2 => {
    t2.ok(hasValidArity(table.get('get')!, 2))
    t2.notOk(hasValidArity(table.get('get')!, 3))
    t2.notOk(hasValidArity(table.get('get')!, 1))
    t2.ok(hasValidArity(table.get('mset')!, 3))
    t2.ok(hasValidArity(table.get('mset')!, 7))
    t2.notOk(hasValidArity(table.get('mset')!, 2))
  })

  tt.test('key specs and plans', async t2 => {
    t2.same(table.get('get')!.keySpecs.map(s => [s.beginSearch, s.findKeys]),
      [[{ type: 'index', index: 1 }, { type: 'range', lastKey: 0, keyStep: 1, limit: 0 }]])
    t2.same(table.get('xread')!.keySpecs.map(s => [s.beginSearch, s.findKeys]),
      [[{ type: 'keyword', keyword: 'STREAMS', startFrom: 1 }, { type: 'range', lastKey: -1, keyStep: 1, limit: 2 }]])
    t2.same(table.get('eval')!.keySpecs.map(s => [s.beginSearch, s.findKeys]),
      [[{ type: 'index', index: 2 }, { type: 'keynum', keyNumIdx: 0, firstKey: 1, keyStep: 1 }]])
    t2.same(table.get('migrate')!.keySpecs[1]!.beginSearch, { type: 'keyword', keyword: 'KEYS', startFrom: -2 })
    t2.ok(table.get('migrate')!.keySpecs[1]!.flags.has('incomplete'))
    t2.equal(table.get('get')!.keyPlan.kind, 'single')
    t2.equal(table.get('object|encoding')!.keyPlan.kind, 'single')
    t2.equal(table.get('mset')!.keyPlan.kind, 'ranges')
    t2.equal(table.get('rename')!.keyPlan.kind, 'ranges')
    t2.equal(table.get('ping')!.keyPlan.kind, 'none')
    t2.equal(table.get('eval')!.keyPlan.kind, 'specs')
    t2.equal(table.get('sort')!.keyPlan.kind, 'proc')
    // SORT and MIGRATE have unknown/incomplete specs, but slotgate has Redis' own rule for them.
    const incomplete: string[] = []
    for (const c of table.commands()) {
      if (c.keysIncomplete) incomplete.push(c.name)
      for (const s of c.subcommands.values()) if (s.keysIncomplete) incomplete.push(s.name)
    }
    t2.same(incomplete, [], 'every Redis 7.0 command has exact key positions')
  })
}

t.test('bundled snapshot', async tt => {
  tt.equal(SNAPSHOT.format, 'slotgate-command-snapshot/1')
  tt.equal(SNAPSHOT.redisVersion, '7.0.15')
  const table = CommandTable.fromSnapshot()
  tt.equal(table.size, SNAPSHOT.commands.length)
  tt.ok(table.size >= 200, `${table.size} commands`)
  checkLookups(tt, table)
})

t.test('a snapshot of another format is refused', async tt => {
  tt.throws(() => CommandTable.fromSnapshot({ ...SNAPSHOT, format: 'something/2' }),
    new CommandTableError('SLOTGATE_ERR_COMMANDS_BAD_SNAPSHOT', 'command snapshot: expected format slotgate-command-snapshot/1, got something/2'))
})

t.test('malformed COMMAND replies are refused', async tt => {
  const bad: unknown[][] = [
    [42],
    [['get']],
    [['get', 'two', [], 1, 1, 1, [], [], [], []]],
    [['get', 2, [], 1, 1, 1, [], [], [['flags', [], 'begin_search']], []]],
    [['get', 2, [], 1, 1, 1, [], [], [['flags', [], 'begin_search', ['type', 'index', 'spec', []], 'find_keys', ['type', 'unknown']]], []]]
  ]
  for (const reply of bad) {
    tt.throws(() => CommandTable.fromCommandReply(reply), { name: 'CommandTableError', code: 'SLOTGATE_ERR_COMMANDS_BAD_REPLY' }, JSON.stringify(reply))
  }
  // COMMAND INFO answers nil for unknown names: skipped, not an error.
  tt.equal(CommandTable.fromCommandReply([null]).size, 0)
})

t.test('a Redis 6 reply (no key specs) gets key specs from the legacy positions', async tt => {
  const table = CommandTable.fromCommandReply([
    ['get', 2, ['readonly', 'fast'], 1, 1, 1, ['@read', '@string', '@fast']],
    ['mset', -3, ['write', 'denyoom'], 1, -1, 2, ['@write', '@string', '@slow']],
    ['ping', -1, ['stale', 'fast'], 0, 0, 0, ['@fast', '@connection']],
    ['eval', -3, ['noscript', 'movablekeys'], 0, 0, 0, ['@slow', '@scripting']],
    ['sort', -2, ['write', 'denyoom', 'movablekeys'], 1, 1, 1, ['@write', '@slow']]
  ])
  // Redis 6 does not describe movable keys: the table says it can't know them...
  tt.ok(table.get('eval')!.keysIncomplete)
  tt.notOk(table.get('get')!.keysIncomplete)
  // ...unless slotgate has Redis' own rule for the command.
  tt.notOk(table.get('sort')!.keysIncomplete)
  const sort = argv('SORT', 'k', 'STORE', 'd')
  tt.same(extractKeys(table.lookup(sort)!, sort), [1, 3])
  const mset = argv('MSET', 'a', '1', 'b', '2')
  tt.same(extractKeys(table.lookup(mset)!, mset), [1, 3])
  const get = argv('GET', 'k')
  tt.same(extractKeys(table.lookup(get)!, get), [1])
  tt.same(extractKeys(table.get('ping')!, argv('PING')), [])
  tt.ok(isReadOnly(table.get('get')!))
})

t.test('live redis-server', {
  skip: hasRedisServer() ? false : 'redis-server is not installed: live COMMAND checks skipped'
}, async tt => {
  const server = await startStandaloneRedis()
  const clients: Redis[] = []
  function client (options: object = {}): Redis {
    const c = new Redis(server.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1, ...options })
    clients.push(c)
    return c
  }
  tt.teardown(async () => {
    for (const c of clients) c.disconnect()
    await server.stop()
  })
  const redis = client()
  await redis.connect()
  const reply = await redis.call('COMMAND') as unknown[]
  const live = CommandTable.fromCommandReply(reply)
  const version = /^redis_version:(\S+)/m.exec(String(await redis.call('INFO', 'server')))?.[1]

  tt.test('the table built from the live reply', async t2 => {
    checkLookups(t2, live)
  })

  tt.test('snapshot and live table agree on every name and key spec', async t2 => {
    const snap = CommandTable.fromSnapshot()
    const names = (table: CommandTable): string[] => {
      const out: string[] = []
      for (const c of table.commands()) out.push(c.name, ...[...c.subcommands.values()].map(s => s.name))
      return out.sort()
    }
    if (version !== SNAPSHOT.redisVersion) {
      t2.comment(`live redis ${String(version)} vs snapshot ${SNAPSHOT.redisVersion}: comparing shared commands only`)
    } else {
      t2.same(names(live), names(snap), 'same command and subcommand names')
      // The snapshot script and normalizeCommandReply must produce the same normalized form.
      t2.same(normalizeCommandReply(reply), SNAPSHOT.commands, 'normalized reply = snapshot')
    }
    let compared = 0
    for (const name of names(snap)) {
      const a = snap.get(name)
      const b = live.get(name)
      if (a === undefined || b === undefined) continue
      compared++
      if (JSON.stringify(specsOf(a.keySpecs)) !== JSON.stringify(specsOf(b.keySpecs)) || a.arity !== b.arity) {
        t2.fail(`${name}: key specs or arity differ`)
      }
    }
    t2.ok(compared >= 300, `${compared} commands compared`)
  })

  // What ioredis hands over depends on the call: Buffers, RESP2, RESP3 maps as objects.
  tt.test('the same table from every reply shape ioredis produces', async t2 => {
    const expected = normalizeCommandReply(reply)
    t2.same(normalizeCommandReply(await redis.callBuffer('COMMAND') as unknown[]), expected, 'Buffers')
    const resp2 = client({ protocol: 2 })
    await resp2.connect()
    t2.same(normalizeCommandReply(await resp2.call('COMMAND') as unknown[]), expected, 'RESP2')
    const resp3 = client({ protocol: 3, replyMapping: 'resp3' })
    await resp3.connect()
    const objects = await resp3.call('COMMAND') as unknown[]
    t2.same(normalizeCommandReply(objects), expected, 'RESP3 maps as objects')
  })
})

function specsOf (specs: readonly KeySpec[]): unknown {
  return specs.map(s => ({ flags: [...s.flags].sort(), beginSearch: s.beginSearch, findKeys: s.findKeys }))
}
