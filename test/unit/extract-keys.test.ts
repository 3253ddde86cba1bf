import t from 'tap'
import { Redis } from 'ioredis'
import { CommandTable } from '../../src/commands/command-table.js'
import { extractKeys } from '../../src/commands/extract-keys.js'
import { hasRedisServer, startStandaloneRedis } from '../helpers/standalone-redis.js'

// [request, expected key indices] — null means "malformed, keys unknowable" (see extractKeys).
// Indices count from the command name at 0. Positions follow the Redis 7.0 key specs
// (Redis doc "Command key specifications"); SORT and MIGRATE follow Redis' getkeys rules.
const CASES: ReadonlyArray<readonly [string[], number[] | null]> = [
  // one key at a fixed index
  [['GET', 'k'], [1]],
  [['get', 'k'], [1]],
  [['SET', 'k', 'v', 'EX', '10', 'GET'], [1]],
  [['HSET', 'h', 'f', 'v', 'f2', 'v2'], [1]],
  [['OBJECT', 'ENCODING', 'k'], [2]],
  [['MEMORY', 'USAGE', 'k', 'SAMPLES', '5'], [2]],
  [['XINFO', 'STREAM', 's', 'FULL'], [2]],
  [['GET'], []],
  // ranges: step 2, to the end, to the second to last, several specs
  [['MSET', 'a', '1', 'b', '2', 'c', '3'], [1, 3, 5]],
  [['MSET', 'a', '1', 'b'], [1, 3]],
  [['DEL', 'a', 'b', 'c', 'd'], [1, 2, 3, 4]],
  [['MGET', 'a'], [1]],
  [['BLPOP', 'a', 'b', '0'], [1, 2]],
  [['BZPOPMIN', 'a', 'b', '1.5'], [1, 2]],
  [['RENAME', 'a', 'b'], [1, 2]],
  [['SMOVE', 'src', 'dst', 'm'], [1, 2]],
  [['SINTERSTORE', 'd', 'a', 'b'], [1, 2, 3]],
  [['BITOP', 'AND', 'd', 'a', 'b'], [2, 3, 4]],
  [['LMOVE', 'a', 'b', 'LEFT', 'RIGHT'], [1, 2]],
  [['SPUBLISH', 'chan', 'msg'], [1]],
  // numkeys
  [['EVAL', 'return 1', '2', 'k1', 'k2', 'a1'], [3, 4]],
  [['EVAL', 'return 1', '0', 'a1'], []],
  [['EVAL', 'return 1', '0'], []],
  [['EVALSHA', 'abc', '1', 'k'], [3]],
  [['EVAL_RO', 'return 1', '1', 'k', 'a'], [3]],
  [['EVALSHA_RO', 'abc', '2', 'k1', 'k2'], [3, 4]],
  [['FCALL', 'f', '2', 'a', 'b', 'x'], [3, 4]],
  [['FCALL_RO', 'f', '1', 'a'], [3]],
  [['ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'], [1, 3, 4]],
  [['ZINTERSTORE', 'd', '1', 'a'], [1, 3]],
  [['ZDIFFSTORE', 'd', '2', 'a', 'b'], [1, 3, 4]],
  [['ZUNION', '2', 'a', 'b', 'WITHSCORES'], [2, 3]],
  [['ZINTER', '2', 'a', 'b'], [2, 3]],
  [['ZDIFF', '3', 'a', 'b', 'c'], [2, 3, 4]],
  [['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '1'], [2, 3]],
  [['SINTERCARD', '2', 'a', 'b'], [2, 3]],
  [['LMPOP', '2', 'a', 'b', 'LEFT', 'COUNT', '2'], [2, 3]],
  [['ZMPOP', '1', 'a', 'MIN'], [2]],
  [['BLMPOP', '0', '2', 'a', 'b', 'LEFT'], [3, 4]],
  [['BZMPOP', '1.5', '1', 'a', 'MAX'], [3]],
  // keyword + limit: keys are the first half after STREAMS
  [['XREAD', 'COUNT', '5', 'BLOCK', '0', 'STREAMS', 'a', 'b', '0', '0'], [6, 7]],
  [['xread', 'streams', 'a', '0'], [2]],
  [['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'NOACK', 'STREAMS', 'a', 'b', '>', '>'], [8, 9]],
  // the consumer is named "streams": the search starts at index 4, past it
  [['XREADGROUP', 'GROUP', 'g', 'streams', 'STREAMS', 'a', '>'], [5]],
  // an unbalanced list: Redis' spec arithmetic floors (argc - first) / 2
  [['XREAD', 'STREAMS', 'a', 'b', '0'], [2]],
  [['XREAD', 'COUNT', '1', 'STREAMS', 'a'], []],
  [['XREAD', 'COUNT', '1', 'STREAMS'], []],
  // SORT: the STORE spec is 'unknown'; Redis' sortGetKeys rule
  [['SORT', 'k'], [1]],
  [['SORT', 'k', 'BY', 'w_*', 'LIMIT', '0', '10', 'GET', '#', 'GET', 'o_*', 'DESC', 'ALPHA', 'STORE', 'd'], [1, 14]],
  [['sort', 'k', 'store', 'd1', 'STORE', 'd2'], [1, 5]],
  [['SORT', 'k', 'GET', 'store', 'STORE', 'd'], [1, 5]],
  [['SORT', 'k', 'STORE'], [1]],
  // patterns named "store" are arguments of GET / BY, not the keyword
  [['SORT', 'k', 'GET', 'store', 'x'], [1]],
  [['SORT', 'k', 'BY', 'store', 'ALPHA'], [1]],
  [['SORT_RO', 'k', 'BY', 'w_*', 'GET', '#'], [1]],
  // GEORADIUS: optional STORE / STOREDIST keywords
  [['GEORADIUS', 'k', '15', '37', '200', 'km', 'WITHDIST'], [1]],
  [['GEORADIUS', 'k', '15', '37', '200', 'km', 'WITHDIST', 'STORE', 'd'], [1, 8]],
  [['GEORADIUS', 'k', '15', '37', '200', 'km', 'storedist', 'd'], [1, 7]],
  [['GEORADIUSBYMEMBER', 'k', 'm', '200', 'km', 'STORE', 'd'], [1, 6]],
  [['GEORADIUSBYMEMBER', 'k', 'm', '200', 'km', 'ASC'], [1]],
  // MIGRATE: one key, or "" and KEYS k ... (AUTH takes 1 argument, AUTH2 takes 2)
  [['MIGRATE', 'h', '6380', 'k', '0', '5000'], [3]],
  [['MIGRATE', 'h', '6380', 'k', '0', '5000', 'COPY', 'REPLACE'], [3]],
  [['MIGRATE', 'h', '6380', '', '0', '5000', 'COPY', 'REPLACE', 'AUTH', 'pw', 'KEYS', 'a', 'b'], [11, 12]],
  [['MIGRATE', 'h', '6380', '', '0', '5000', 'AUTH2', 'u', 'keys', 'KEYS', 'a'], [10]],
  // keyless
  [['PING'], []],
  [['DBSIZE'], []],
  [['CONFIG', 'GET', 'maxmemory'], []],
  [['CLIENT', 'SETNAME', 'x'], []],
  [['FLUSHALL'], []],
  // malformed numkeys or KEYS form: null
  [['EVAL', 'return 1', 'notanumber'], null],
  [['EVAL', 'return 1', '5', 'onlyonekey'], null],
  [['EVAL', 'return 1', '-1', 'k'], null],
  [['EVAL', 'return 1', '01', 'k'], null],
  [['EVAL', 'return 1', '+1', 'k'], null],
  [['EVAL', 'return 1', '-0'], null],
  [['EVAL', 'return 1', ''], null],
  [['EVAL', 'return 1', '99999999999999999999999', 'k'], null],
  [['EVAL', 's'], null],
  [['ZUNIONSTORE', 'd', 'x', 'a'], null],
  [['LMPOP', '3', 'a', 'LEFT'], null],
  [['BLMPOP', '0'], null],
  [['MIGRATE', 'h', '6380', 'k', '0', '5000', 'KEYS', 'a'], null]
]

/** The test object tap hands to a subtest callback. */
type TapTest = Parameters<Parameters<typeof t.test>[0]>[0]

function argv (words: readonly string[]): Buffer[] {
  return words.map(w => Buffer.from(w))
}

/**
 * COMMAND GETKEYS as a list; [] where Redis finds none: an empty reply (EVAL with 0 or a
 * malformed numkeys), or its errors for keyless commands, bad key arguments and bad arity.
 */
async function getKeys (redis: Redis, words: readonly string[]): Promise<string[]> {
  try {
    return await redis.call('COMMAND', 'GETKEYS', ...words) as string[]
  } catch (err) {
    const message = (err as Error).message
    if (/no key arguments|Invalid arguments|wrong number of arguments/.test(message)) return []
    throw err
  }
}

function checkTable (tt: TapTest, table: CommandTable): void {
  for (const [words, expected] of CASES) {
    const args = argv(words)
    const spec = table.lookup(args)
    if (spec === undefined) {
      tt.fail(`${words.join(' ')}: unknown command`)
      continue
    }
    tt.same(extractKeys(spec, args), expected, `${words.join(' ')} → ${JSON.stringify(expected)}`)
  }
}

t.test('key positions from the bundled snapshot', async tt => {
  checkTable(tt, CommandTable.fromSnapshot())
})

// Spec shapes no built-in 7.0 command exercises through the generic interpreter
// (MIGRATE's backwards keyword search is behind Redis' own rule, like SORT's).
t.test('synthetic key specs', async tt => {
  const table = CommandTable.fromSnapshot({
    format: 'slotgate-command-snapshot/1',
    redisVersion: 'test',
    commands: [
      // MIGRATE's two specs as the generic interpreter reads them
      {
        name: 'kwback',
        arity: -6,
        flags: [],
        keys: [3, 3, 1],
        acl: [],
        specs: [
          { flags: [], bs: ['index', 3], fk: ['range', 0, 1, 0] },
          { flags: [], bs: ['keyword', 'KEYS', -2], fk: ['range', -1, 1, 0] }]
      },
      {
        name: 'kwlast',
        arity: -2,
        flags: [],
        keys: [0, 0, 0],
        acl: [],
        specs: [
          { flags: [], bs: ['keyword', 'TO', -1], fk: ['range', 0, 1, 0] }]
      },
      {
        name: 'knstep',
        arity: -2,
        flags: [],
        keys: [0, 0, 0],
        acl: [],
        specs: [
          { flags: [], bs: ['index', 1], fk: ['keynum', 0, 1, 2] }]
      },
      {
        name: 'badstep',
        arity: -2,
        flags: [],
        keys: [1, -1, 0],
        acl: [],
        specs: [
          { flags: [], bs: ['index', 1], fk: ['range', -1, 0, 0] }]
      },
      {
        name: 'unknown',
        arity: -2,
        flags: [],
        keys: [0, 0, 0],
        acl: [],
        specs: [
          { flags: ['incomplete'], bs: ['unknown'], fk: ['unknown'] }]
      }
    ]
  })
  const cases: ReadonlyArray<readonly [string[], number[] | null]> = [
    [['KWBACK', 'h', 'p', '', '0', '5', 'KEYS', 'a', 'b'], [3, 7, 8]],
    // backwards from the second to last: the last argument "KEYS" is a key, not the keyword
    [['KWBACK', 'h', 'p', '', '0', '5', 'KEYS', 'a', 'KEYS'], [3, 7, 8]],
    [['KWBACK', 'h', 'p', 'k', '0', '5'], [3]],
    [['KWLAST', 'x', 'to', 'k'], [3]],
    [['KWLAST', 'x', 'TO'], []],
    [['KNSTEP', '2', 'a', 'v', 'b', 'v'], [2, 4]],
    [['KNSTEP', '2', 'a', 'v', 'b'], [2, 4]],
    [['KNSTEP', '2', 'a', 'v'], null],
    // a step of 0 only comes from a broken reply: it must not loop
    [['BADSTEP', 'a', 'b'], [1, 2]],
    [['UNKNOWN', 'a', 'b'], []]
  ]
  for (const [words, expected] of cases) {
    const args = argv(words)
    tt.same(extractKeys(table.lookup(args)!, args), expected, `${words.join(' ')} → ${JSON.stringify(expected)}`)
  }
  tt.ok(table.get('unknown')!.keysIncomplete)
  tt.notOk(table.get('kwback')!.keysIncomplete)
})

t.test('live redis-server', {
  skip: hasRedisServer() ? false : 'redis-server is not installed: live COMMAND checks skipped'
}, async tt => {
  const server = await startStandaloneRedis()
  const redis = new Redis(server.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 })
  tt.teardown(async () => {
    redis.disconnect()
    await server.stop()
  })
  await redis.connect()
  const table = CommandTable.fromCommandReply(await redis.call('COMMAND') as unknown[])

  tt.test('key positions from a table built from the live COMMAND reply', async t2 => {
    checkTable(t2, table)
  })

  // COMMAND GETKEYS is Redis' own key extraction: the keys we find must be exactly its.
  tt.test('agrees with COMMAND GETKEYS', async t2 => {
    for (const [words, expected] of CASES) {
      const label = words.join(' ')
      // GETKEYS leaves out not_key specs (shard channels) that slotgate routes by; for a
      // malformed numkeys it falls back to atoi() ("01" → 1) where the command itself
      // rejects it: the next test checks those against the commands.
      if (words[0] === 'SPUBLISH' || expected === null) continue
      const keys = await getKeys(redis, words)
      t2.same(keys, expected.map(i => words[i]), `${label}: GETKEYS ${JSON.stringify(keys)}`)
    }
  })

  // null promises that the node rejects the request: run each one for real.
  tt.test('Redis rejects every request extractKeys calls malformed', async t2 => {
    for (const [words, expected] of CASES) {
      if (expected !== null) continue
      // ...for its key arguments, not for an unrelated reason (a Lua syntax error, say).
      await t2.rejects(redis.call(words[0], ...words.slice(1)),
        /not an integer|number of keys|Number of keys|syntax error|wrong number of arguments|MIGRATE KEYS/,
        `${words.join(' ')} is rejected`)
    }
  })
})
