// Request shapes for the command-shape fuzzer (issue 13, point 7), generated from a command
// table rather than listed by hand: every command and subcommand with argument counts from
// arity-1 to several past arity, filled with awkward arguments. Pure and seeded: the same
// seed and table give the same requests.
import type { CommandSpec } from '../../src/commands/command-spec.js'
import type { CommandTable } from '../../src/commands/command-table.js'
import { Prng } from './fuzz-inputs.js'

/**
 * Where a shape's requests go:
 * - `main`: pipelined in batches, exactly one reply each;
 * - `blocking`: one at a time by a client that gives up after a short wait (the command may
 *   legitimately block for as long as its arguments say);
 * - `last`: the connection's last request, then the connection is closed: commands that
 *   change what the connection receives (QUIT, RESET, HELLO, CLIENT REPLY, SUBSCRIBE ...).
 */
export type Lane = 'main' | 'blocking' | 'last'

/** One command (or subcommand) with one argument count. */
export interface Shape {
  /** `get`, `config|get`, or `config|<unknown>` for a container given a subcommand it lacks. */
  readonly name: string
  /** The name as sent: one word, or container and subcommand. */
  readonly words: readonly string[]
  /** Arguments in all, the name included. */
  readonly argc: number
  /** null for the unknown-subcommand shapes. */
  readonly spec: CommandSpec | null
  readonly lane: Lane
}

/**
 * Commands left out, each for a reason of the fuzz run itself (the product's policy refuses
 * some of them anyway; they are left out so a policy change cannot break the run).
 */
export const EXCLUDED: ReadonlyMap<string, string> = new Map([
  ['flushall', 'deletes every key, the control client\'s included'],
  ['flushdb', 'deletes every key, the control client\'s included'],
  ['client|kill', 'CLIENT KILL TYPE normal (or ID n) would kill the control client'],
  ['client|pause', 'would pause every client, the control client included'],
  ['migrate', 'connects to the host and port in its arguments: off-loopback DNS lookups and connections'],
  ['shutdown', 'would stop a node if the policy ever let it through (denied by default)'],
  ['debug', 'DEBUG SEGFAULT/SLEEP/RELOAD would stop or stall a node if the policy ever let it through (denied by default)']
])

/** Commands that may block although `COMMAND` does not flag them `blocking`. */
const ALSO_BLOCKING: ReadonlySet<string> = new Set(['wait'])

/** Commands after which the connection is not reused (see {@link Lane}). */
const LAST: ReadonlySet<string> = new Set([
  'quit', 'reset', 'hello', 'client|reply', 'monitor', 'sync', 'psync',
  'subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe'
])

function laneOf (spec: CommandSpec): Lane {
  if (LAST.has(spec.name)) return 'last'
  if (spec.flags.has('blocking') || ALSO_BLOCKING.has(spec.name)) return 'blocking'
  return 'main'
}

/** Every shape of a table: for each command and subcommand, argc from |arity|-1 to |arity|+`past`. */
export function commandShapes (table: CommandTable, past = 5): { shapes: Shape[], excluded: Array<[string, string]> } {
  const shapes: Shape[] = []
  const excluded: Array<[string, string]> = []
  const add = (spec: CommandSpec, words: string[]): void => {
    const why = EXCLUDED.get(spec.name)
    if (why !== undefined) { excluded.push([spec.name, why]); return }
    const n = Math.abs(spec.arity)
    for (let argc = Math.max(words.length, n - 1); argc <= n + past; argc++) {
      shapes.push({ name: spec.name, words, argc, spec, lane: laneOf(spec) })
    }
  }
  for (const spec of table.commands()) {
    const top = spec.name.toUpperCase()
    if (spec.subcommands.size === 0) { add(spec, [top]); continue }
    if (EXCLUDED.has(spec.name)) { excluded.push([spec.name, EXCLUDED.get(spec.name) as string]); continue }
    // The container alone (an arity error), and with a subcommand it does not have.
    shapes.push({ name: spec.name, words: [top], argc: 1, spec, lane: 'main' })
    for (let argc = 2; argc <= 4; argc++) shapes.push({ name: `${spec.name}|<unknown>`, words: [top], argc, spec: null, lane: 'main' })
    for (const sub of spec.subcommands.values()) add(sub, [top, sub.name.slice(sub.name.indexOf('|') + 1).toUpperCase()])
  }
  return { shapes, excluded }
}

/** Prefix of the control client's keys: never produced here. */
export const CONTROL_PREFIX = 'ctl:'

// Integers that stay clear of requests a node would honour at great cost: no SETBIT or
// SETRANGE offsets between 10^7 and their limits (2^32 bits, 512 MB), and no large negative
// counts (SRANDMEMBER/HRANDFIELD/ZRANDMEMBER k -N reply N elements). The huge ones are past
// every limit, or positive where a large count is harmless.
const HUGE = ['9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809',
  '18446744073709551616', '99999999999999999999', '4294967296', '1' + '0'.repeat(40)]
const SMALL = ['0', '1', '2', '3', '5', '10', '100', '1000', '65536', '-1', '-2', '-10', '-100']
const FLOATS = ['0.5', '1.5', '-0.5', '0.01', 'inf', '-inf', '+inf', 'nan', '1e3', '0x10', '1e400', '-0', '01', '+1', ' 1']
const KEYWORDS = ['STORE', 'STOREDIST', 'STREAMS', 'NUMKEYS', 'COUNT', 'LIMIT', 'BLOCK', 'GROUP', 'NOACK', 'KEYS',
  'WITHSCORES', 'MATCH', 'TYPE', 'ASYNC', 'SYNC', 'NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'EX', 'PX', 'EXAT', 'PXAT',
  'KEEPTTL', 'GET', 'SET', 'BY', 'ASC', 'DESC', 'ALPHA', 'LEFT', 'RIGHT', 'MIN', 'MAX', 'AGGREGATE', 'WEIGHTS', 'SUM',
  'BYSCORE', 'BYLEX', 'REV', 'MAXLEN', 'MINID', 'NOMKSTREAM', 'ID', 'IDLE', 'TIME', 'RETRYCOUNT', 'FORCE', 'JUSTID',
  'REPLACE', 'COPY', 'AUTH', 'AUTH2', 'HELP', 'ANY', 'WITHCOORD', 'WITHDIST', 'WITHHASH', 'FROMMEMBER', 'FROMLONLAT',
  'BYRADIUS', 'BYBOX', 'm', 'km', 'LEN', 'IDX', 'WITHMATCHLEN', 'OVERFLOW', 'SAT', 'u8', 'i64', '#1', 'ON', 'OFF',
  'SKIP', 'YES', 'NO', 'FULL', 'SAMPLES', 'RANK', 'ABSTTL', 'FREQ', 'SCHEDULE', 'ENCODING', 'SETNAME', 'NOW',
  'GETNAME', 'INFO', 'LIST', 'LOAD', 'FLUSH', 'EXISTS', 'RESETSTAT', 'DOCS', 'COUNTKEYSINSLOT', 'LIBRARYNAME', 'WITHCODE',
  '*', '$', '>', '-', '+', '~', '=', '(1', '[a', '0-0', '1-1', '0-1', '*-*', 'maxmemory', 'return 1', '#!lua name=fz\nredis.register_function("f", function() return 1 end)']

function key (r: Prng): string {
  const n = r.int(0, 40)
  return r.chance(0.3) ? `{fz${n % 4}}:${n}` : `fz:${n}`
}

/** One awkward argument: empty, binary, huge or negative integers, floats, keywords, keys, values. */
export function awkward (r: Prng): string | Buffer {
  const x = r.next()
  if (x < 0.06) return ''
  if (x < 0.16) {
    const b = r.bytes(r.int(1, 12))
    return b.subarray(0, 4).toString('latin1') === CONTROL_PREFIX ? Buffer.concat([Buffer.from('x'), b]) : b
  }
  if (x < 0.24) return r.pick(HUGE)
  if (x < 0.40) return r.pick(SMALL)
  if (x < 0.46) return r.pick(FLOATS)
  if (x < 0.72) return r.pick(KEYWORDS)
  if (x < 0.90) return key(r)
  return `v${r.int(0, 999)}`
}

/** The name in upper, lower or mixed case: lookups must not care. */
function spell (r: Prng, word: string): string {
  const x = r.next()
  if (x < 0.7) return word
  if (x < 0.9) return word.toLowerCase()
  return [...word].map(c => r.chance(0.5) ? c.toLowerCase() : c).join('')
}

/** Argument positions the command's legacy key range names, for this argc. */
function isKeyPosition (spec: CommandSpec, i: number, argc: number): boolean {
  if (spec.firstKey <= 0 || spec.step <= 0) return false
  const last = spec.lastKey < 0 ? argc + spec.lastKey : spec.lastKey
  return i >= spec.firstKey && i <= last && (i - spec.firstKey) % spec.step === 0
}

/**
 * One request of `shape`: keys where the table says keys go (most of the time), awkward
 * arguments elsewhere; numkeys arguments often consistent with the argument count and the
 * keywords of keyword key specs (STREAMS, STORE ...) now and then, so the shapes reach past
 * the first syntax check as well as into it.
 */
export function shapeRequest (r: Prng, shape: Shape): Array<string | Buffer> {
  const args: Array<string | Buffer> = shape.words.map(w => spell(r, w))
  if (shape.spec === null) args.push(spell(r, r.pick(['NOSUCHSUB', 'GETX', '', 'SET\r\n', 'help me'])))
  const spec = shape.spec
  for (let i = args.length; i < shape.argc; i++) {
    args.push(spec !== null && isKeyPosition(spec, i, shape.argc) && r.chance(0.75) ? key(r) : awkward(r))
  }
  if (spec === null) return args
  for (const ks of spec.keySpecs) {
    const bs = ks.beginSearch
    const fk = ks.findKeys
    if (bs.type === 'index' && fk.type === 'keynum' && r.chance(0.6)) {
      const at = bs.index + fk.keyNumIdx
      const first = bs.index + fk.firstKey
      if (at < args.length) {
        const n = r.int(0, Math.max(0, args.length - first))
        args[at] = String(n)
        for (let k = first; k < first + n && k < args.length; k++) if (r.chance(0.8)) args[k] = key(r)
      }
    } else if (bs.type === 'keyword' && r.chance(0.4) && args.length > shape.words.length) {
      const at = r.int(Math.min(args.length - 1, Math.max(shape.words.length, bs.startFrom > 0 ? bs.startFrom : 1)), args.length - 1)
      args[at] = spell(r, bs.keyword)
    }
  }
  return args
}

/** Shapes with their own Prng each, so one connection's requests replay from the seed alone. */
export function shapeCycle (shapes: readonly Shape[], seed: number): () => { shape: Shape, args: Array<string | Buffer> } {
  const r = new Prng(seed)
  const order = shapes.map((_, i) => i)
  for (let i = order.length - 1; i > 0; i--) { const j = r.int(0, i); [order[i], order[j]] = [order[j], order[i]] }
  let next = 0
  return () => {
    const shape = shapes[order[next++ % order.length]]
    return { shape, args: shapeRequest(r, shape) }
  }
}
