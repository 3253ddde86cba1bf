// Input generators for the fuzz test: a seeded PRNG and generators of valid, malformed,
// truncated, oversized and random RESP and inline requests. Pure: same seed, same inputs.
// Nothing generated here can touch keys outside the `fz:` space or stop the cluster: no
// FLUSHALL/FLUSHDB, no CLIENT KILL, no unbounded SETRANGE/SETBIT offsets, no endless scripts.

/** mulberry32: small, fast, good enough to drive a fuzzer, and replayable from one number. */
export class Prng {
  private state: number
  constructor (seed: number) { this.state = seed >>> 0 }
  /** Uniform in [0, 1). */
  next (): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let x = this.state
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }

  /** Integer in [lo, hi]. */
  int (lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)) }
  pick<T> (items: readonly T[]): T { return items[Math.floor(this.next() * items.length)] }
  chance (p: number): boolean { return this.next() < p }
  bytes (n: number): Buffer {
    const b = Buffer.allocUnsafe(n)
    for (let i = 0; i < n; i++) b[i] = Math.floor(this.next() * 256)
    return b
  }
}

/** One generated input. */
export interface FuzzInput {
  readonly bytes: Buffer
  /** Generator name, for the counts. */
  readonly kind: string
}

/** Encodes argv as a RESP multibulk. */
export function multibulk (args: ReadonlyArray<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)]
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'))
  }
  return Buffer.concat(parts)
}

function key (r: Prng): string {
  const n = r.int(0, 40)
  return r.chance(0.3) ? `fz:{t${n % 4}}${n}` : `fz:${n}`
}

function value (r: Prng): Buffer | string {
  if (r.chance(0.5)) return `v${r.int(0, 99999)}`
  return r.bytes(r.int(0, 40))
}

function num (r: Prng): string { return String(r.pick([0, 1, 2, 10, -1, 100, r.int(-1000, 1000)])) }

/** Valid commands on the fuzz key space (argv). */
const VALID: Array<(r: Prng) => Array<string | Buffer>> = [
  () => ['PING'],
  r => ['PING', value(r)],
  r => ['ECHO', value(r)],
  r => ['SET', key(r), value(r)],
  r => ['SET', key(r), value(r), 'EX', String(r.int(1, 100))],
  r => ['GET', key(r)],
  r => ['DEL', key(r), key(r)],
  r => ['MGET', key(r), key(r), key(r)],
  r => ['MSET', key(r), value(r), key(r), value(r)],
  r => ['INCR', key(r)],
  r => ['INCRBY', key(r), num(r)],
  r => ['APPEND', key(r), `a${r.int(0, 99)}`],
  r => ['STRLEN', key(r)],
  r => ['EXISTS', key(r), key(r)],
  r => ['EXPIRE', key(r), String(r.int(1, 100))],
  r => ['TTL', key(r)],
  r => ['TYPE', key(r)],
  r => ['HSET', key(r), `f${r.int(0, 9)}`, value(r)],
  r => ['HGETALL', key(r)],
  r => ['LPUSH', key(r), value(r)],
  r => ['LRANGE', key(r), '0', '10'],
  r => ['LPOP', key(r)],
  r => ['SADD', key(r), value(r)],
  r => ['SMEMBERS', key(r)],
  r => ['ZADD', key(r), num(r), value(r)],
  r => ['ZRANGE', key(r), '0', '-1', 'WITHSCORES'],
  r => ['XADD', key(r), 'MAXLEN', '~', '50', '*', 'f', value(r)],
  r => ['XRANGE', key(r), '-', '+', 'COUNT', '5'],
  r => ['SETBIT', key(r), String(r.int(0, 1000)), '1'],
  r => ['BITCOUNT', key(r)],
  r => ['PFADD', key(r), value(r)],
  r => ['GETDEL', key(r)],
  r => ['EVAL', 'return ARGV[1]', '0', value(r)],
  r => ['EVAL', 'return redis.call("GET", KEYS[1])', '1', key(r)],
  r => ['EVALSHA', r.bytes(20).toString('hex'), '0'],
  () => ['SCRIPT', 'LOAD', 'return 1'],
  () => ['MULTI'],
  () => ['EXEC'],
  () => ['DISCARD'],
  r => ['WATCH', key(r)],
  () => ['UNWATCH'],
  r => ['SUBSCRIBE', `fz:ch${r.int(0, 3)}`],
  () => ['UNSUBSCRIBE'],
  r => ['PSUBSCRIBE', `fz:p${r.int(0, 3)}*`],
  r => ['SSUBSCRIBE', `fz:{s}${r.int(0, 3)}`],
  r => ['PUBLISH', `fz:ch${r.int(0, 3)}`, value(r)],
  r => ['HELLO', r.pick(['2', '3'])],
  r => ['CLIENT', 'SETNAME', `n${r.int(0, 9)}`],
  () => ['CLIENT', 'GETNAME'],
  () => ['CLIENT', 'ID'],
  () => ['CLIENT', 'INFO'],
  r => ['CLIENT', 'REPLY', r.pick(['ON', 'OFF', 'SKIP'])],
  r => ['SELECT', r.pick(['0', '1'])],
  () => ['READONLY'],
  () => ['READWRITE'],
  r => ['INFO', r.pick(['server', 'keyspace', 'clients', 'everything'])],
  () => ['DBSIZE'],
  () => ['TIME'],
  () => ['COMMAND', 'COUNT'],
  () => ['COMMAND', 'INFO', 'get'],
  r => ['KEYS', `fz:${r.int(0, 9)}*`],
  () => ['SCAN', '0', 'MATCH', 'fz:*', 'COUNT', '20'],
  () => ['RANDOMKEY'],
  r => ['OBJECT', 'ENCODING', key(r)],
  r => ['BLPOP', key(r), r.pick(['0.01', '0.05'])],
  r => ['XREAD', 'BLOCK', '20', 'STREAMS', key(r), '$'],
  () => ['RESET'],
  r => ['AUTH', value(r)],
  () => ['CONFIG', 'GET', 'maxmemory'],
  r => ['WAIT', '0', String(r.int(1, 20))]
]

/** Well-formed frames that break the protocol (Redis' own protocol errors, and more). */
const MALFORMED: Array<(r: Prng) => string> = [
  () => '*abc\r\n', () => '*\r\n', () => '*01\r\n', () => '*+1\r\n', () => '*3000000000\r\n',
  () => '*1\r\n:5\r\n', () => '*1\r\n*1\r\n', () => '*2\r\n$3\r\nGET\r\nkey\r\n',
  () => '*2\r\n$3\r\nGET\r\n$-5\r\n', () => '*1\r\n$-1\r\n', () => '*2\r\n$3\r\nGET\r\n$abc\r\n',
  () => '*1\r\n$04\r\nPING\r\n', () => 'SET k "a b\r\n', () => 'ECHO \'x y\r\n', () => 'SET k "a"b\r\n',
  r => `*${r.int(1, 5)}\r\n$${r.int(0, 20)}\r\n${'x'.repeat(r.int(0, 30))}\r\n`,
  r => `*${r.int(-5, 5)}\r\n`,
  r => `$${r.int(-10, 10)}\r\n`,
  r => `*2\r\n$${r.int(1, 4)}\r\nECHO\r\n$2\r\nhi\r\n`,
  r => `*1\r\n$${r.pick(['', '-', ' 1', '1 ', '0x4', '1e3', '９'])}\r\nx\r\n`,
  () => '*1\r\n$4\r\nPING', // no terminator: runs into the next input
  () => '*1\r\n$4\r\nPINGxx\r\n'
]

/** Requests over the limits, or claiming to be. */
const OVERSIZED: Array<(r: Prng) => Buffer | string> = [
  () => '*2\r\n$3\r\nGET\r\n$600000000\r\n',
  () => '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870913\r\n',
  () => '*2000000\r\n',
  () => 'a'.repeat(70 * 1024),
  () => `*${'1'.repeat(70 * 1024)}`,
  () => `*1\r\n$${'1'.repeat(70 * 1024)}`,
  r => multibulk(['SET', `fz:big${r.int(0, 3)}`, Buffer.alloc(r.int(32, 256) * 1024, 0x7a)]),
  r => multibulk(['ECHO', r.bytes(r.int(8, 64) * 1024)]),
  // A large announced bulk, only partly sent: the connection ends before the rest.
  r => `*2\r\n$4\r\nECHO\r\n$${r.int(1, 400) * 1024 * 1024}\r\n${'p'.repeat(r.int(0, 2000))}`,
  r => `*${r.int(100000, 1000000)}\r\n$4\r\nPING\r\n`
]

/** Inline requests, some with quotes and escapes Redis understands. */
const INLINE: Array<(r: Prng) => string> = [
  () => 'PING\r\n', () => 'PING\n', () => '\r\n', () => '\n', () => '   \r\n',
  r => `ECHO ${r.pick(['hello', '"a b"', '\'c d\'', '"\\x41\\n"', '""'])}\r\n`,
  r => `SET fz:${r.int(0, 40)} ${r.pick(['v', '"quoted value"', '\'single\''])}\r\n`,
  r => `GET fz:${r.int(0, 40)}\r\n`,
  r => `EXISTS fz:${r.int(0, 40)} fz:${r.int(0, 40)}\r\n`,
  r => `${r.pick(['get', 'Get', 'GET'])}    fz:${r.int(0, 40)}   \r\n`,
  r => `NOSUCH${r.int(0, 9)} a b c\r\n`
]

const COMMAND_NAMES = ['GET', 'SET', 'CLIENT', 'CONFIG', 'CLUSTER', 'XADD', 'EVAL', 'OBJECT', 'MEMORY', 'SCRIPT',
  'FUNCTION', 'PUBSUB', 'COMMAND', 'LATENCY', 'SLOWLOG', 'MIGRATE', 'SORT', 'GEOADD', 'BITFIELD', 'XGROUP', 'ZUNIONSTORE',
  'LMOVE', 'BLMOVE', 'HELLO', 'AUTH', 'SELECT', 'INFO', 'NOSUCHCOMMAND', '', 'get\x00', 'P I N G']

/** A command name from a list (real ones, subcommand containers, junk) with random arguments. */
function randomCommand (r: Prng): Buffer {
  const args: Array<string | Buffer> = [r.pick(COMMAND_NAMES)]
  const n = r.int(0, 6)
  for (let i = 0; i < n; i++) {
    args.push(r.pick<() => string | Buffer>([() => key(r), () => value(r), () => num(r), () => r.pick(['HELP', 'LIST', 'INFO', 'GET', 'STREAMS', 'BLOCK', 'COUNT', 'KEYS', '*', '$', '-', '+'])])())
  }
  return multibulk(args)
}

/** Flips, inserts, deletes or duplicates a few bytes of a valid command. */
function mutate (r: Prng, b: Buffer): Buffer {
  const out = [...b]
  const edits = r.int(1, 3)
  for (let e = 0; e < edits; e++) {
    const at = r.int(0, Math.max(0, out.length - 1))
    switch (r.int(0, 4)) {
      case 0: out[at] = r.int(0, 255); break
      case 1: out.splice(at, 0, r.pick([0x0d, 0x0a, 0x24, 0x2a, 0x30, 0x39, 0x2d, 0x20, r.int(0, 255)])); break
      case 2: out.splice(at, 1); break
      case 3: out.splice(at, 0, ...out.slice(at, at + r.int(1, 8))); break
      default: out.splice(at, r.int(1, 4))
    }
  }
  return Buffer.from(out)
}

/**
 * Command names the generators leave out (upper case), from FUZZ_SKIP=A,B: a way to look past
 * a known crash while it is open. Empty by default.
 */
const SKIP = new Set((process.env.FUZZ_SKIP ?? '').split(',').map(s => s.trim().toUpperCase()).filter(s => s !== ''))

/** A valid command's argv, minus the skipped commands. */
function validArgs (r: Prng): Array<string | Buffer> {
  for (;;) {
    const args = r.pick(VALID)(r)
    if (!SKIP.has(String(args[0]).toUpperCase())) return args
  }
}

/** A valid request. */
export function validInput (r: Prng): FuzzInput {
  return { bytes: multibulk(validArgs(r)), kind: 'valid' }
}

/** Random bytes as an inline line: no CR/LF/quotes inside, not starting with '*'. */
function inlineJunk (r: Prng): Buffer {
  const b = r.bytes(r.int(1, 200))
  for (let i = 0; i < b.length; i++) if (b[i] === 0x0d || b[i] === 0x0a || b[i] === 0x22 || b[i] === 0x27) b[i] = 0x78
  if (b[0] === 0x2a) b[0] = 0x78
  return Buffer.concat([b, Buffer.from('\r\n')])
}

const EDGE = ['*0\r\n', '*-1\r\n', '*1\r\n$0\r\n\r\n', '*2\r\n$4\r\nECHO\r\n$0\r\n\r\n', '\x00\r\n', '+PING\r\n', ':1\r\n', '-ERR x\r\n', '\r\n', '\n', ' \t \r\n']

/** Inputs that are bad but keep the connection open: random command names and arguments, inline junk, odd frames. */
function junkInput (r: Prng): FuzzInput {
  const x = r.next()
  if (x < 0.5) return { bytes: randomCommand(r), kind: 'random-command' }
  if (x < 0.85) return { bytes: inlineJunk(r), kind: 'inline-junk' }
  return { bytes: Buffer.from(r.pick(EDGE), 'latin1'), kind: 'edge' }
}

/** Valid requests, multibulk or inline. */
function goodInput (r: Prng): FuzzInput {
  return r.chance(0.8) ? validInput(r) : { bytes: Buffer.from(r.pick(INLINE)(r), 'latin1'), kind: 'inline' }
}

/**
 * An input that usually breaks the protocol or the connection: malformed frames, mutated
 * commands, random bytes, oversized requests, a truncated request, QUIT.
 */
export function riskyInput (r: Prng): FuzzInput {
  const x = r.next()
  if (x < 0.30) return { bytes: mutate(r, multibulk(validArgs(r))), kind: 'mutated' }
  if (x < 0.48) return { bytes: r.bytes(r.int(1, 300)), kind: 'random-bytes' }
  if (x < 0.70) return { bytes: Buffer.from(r.pick(MALFORMED)(r), 'latin1'), kind: 'malformed' }
  if (x < 0.84) {
    const whole = multibulk(validArgs(r))
    return { bytes: whole.subarray(0, r.int(1, Math.max(1, whole.length - 1))), kind: 'truncated' }
  }
  if (x < 0.97) {
    const o = r.pick(OVERSIZED)(r)
    return { bytes: typeof o === 'string' ? Buffer.from(o, 'latin1') : o, kind: 'oversized' }
  }
  return { bytes: multibulk(['QUIT']), kind: 'quit' }
}

/** Kinds that are valid requests; every other kind counts as a bad input. */
export const VALID_KINDS: ReadonlySet<string> = new Set(['valid', 'inline'])

/**
 * The inputs of one connection: 1-60 of them, a third valid and the rest bad (junk that keeps
 * the connection open, now and then a risky one), and usually a risky input last, which most
 * often ends the connection with a protocol error.
 */
export function connectionInputs (r: Prng): FuzzInput[] {
  const inputs = Array.from({ length: r.int(1, 60) }, () => {
    const x = r.next()
    return x < 0.33 ? goodInput(r) : x < 0.92 ? junkInput(r) : riskyInput(r)
  })
  if (r.chance(0.7)) inputs.push(riskyInput(r))
  return inputs
}
