import type { CommandInfo, KeySpecInfo } from './command-spec.js'
import { CommandTableError } from './command-table-error.js'

/**
 * Turns a `COMMAND` reply into the normalized {@link CommandInfo} form (the same form as
 * the bundled snapshot). Accepts what ioredis 6 returns from `redis.call('COMMAND')`
 * (nested arrays of strings and numbers), Buffers (`callBuffer`), and RESP3 shapes
 * (maps as flat arrays, `Map`s or plain objects; sets as `Set`s).
 * Throws a {@link CommandTableError} (`SLOTGATE_ERR_COMMANDS_BAD_REPLY`) when an entry is
 * malformed: a half-read command table is worse than the bundled snapshot.
 */
export function normalizeCommandReply (reply: readonly unknown[]): CommandInfo[] {
  const out: CommandInfo[] = []
  for (const entry of reply) {
    // COMMAND INFO answers nil for a name it does not know; skip those.
    if (entry === null || entry === undefined) continue
    out.push(normalizeEntry(entry))
  }
  return out.sort(byName)
}

function byName (a: CommandInfo, b: CommandInfo): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

function normalizeEntry (raw: unknown): CommandInfo {
  const e = list(raw, 'command entry')
  const name = text(e[0], 'name').toLowerCase()
  const flags = list(e[2], 'flags').map(f => text(f, 'flag').toLowerCase())
  const keys = [int(e[3], 'firstkey'), int(e[4], 'lastkey'), int(e[5], 'step')] as const
  const acl = list(e[6] ?? [], 'acl categories').map(c => text(c, 'acl category').replace(/^@/, ''))
  const tips = list(e[7] ?? [], 'tips').map(t => text(t, 'tip'))
  // Redis < 7 sends 6 or 7 fields and no key specs: derive one from the legacy positions.
  const specs = e.length >= 9 ? list(e[8], 'key specs').map(keySpec) : legacySpecs(keys, flags)
  const subcommands = list(e[9] ?? [], 'subcommands').map(normalizeEntry).sort(byName)
  return {
    name,
    arity: int(e[1], 'arity'),
    flags,
    keys,
    acl,
    ...(tips.length > 0 ? { tips } : {}),
    ...(specs.length > 0 ? { specs } : {}),
    ...(subcommands.length > 0 ? { subcommands } : {})
  }
}

function legacySpecs (keys: readonly [number, number, number], flags: readonly string[]): KeySpecInfo[] {
  const [first, last, step] = keys
  const specs: KeySpecInfo[] = []
  // Legacy lastkey is absolute (or negative from the end); a key spec's is relative to first.
  if (first > 0) specs.push({ flags: [], bs: ['index', first], fk: ['range', last < 0 ? last : last - first, step, 0] })
  // Movable keys (EVAL, ZUNIONSTORE, ...) have no legacy description: say so, so that
  // CommandSpec.keysIncomplete tells the caller.
  if (flags.includes('movablekeys')) specs.push({ flags: ['incomplete'], bs: ['unknown'], fk: ['unknown'] })
  return specs
}

function keySpec (raw: unknown): KeySpecInfo {
  const f = fields(raw, 'key spec')
  const flags = list(f.get('flags') ?? [], 'key spec flags').map(x => text(x, 'key spec flag'))
  const bsFields = fields(f.get('begin_search'), 'begin_search')
  const bsSpec = fields(bsFields.get('spec') ?? [], 'begin_search spec')
  const fkFields = fields(f.get('find_keys'), 'find_keys')
  const fkSpec = fields(fkFields.get('spec') ?? [], 'find_keys spec')
  let bs: KeySpecInfo['bs'] = ['unknown']
  switch (text(bsFields.get('type'), 'begin_search type')) {
    case 'index':
      bs = ['index', int(bsSpec.get('index'), 'index')]
      break
    case 'keyword':
      bs = ['keyword', text(bsSpec.get('keyword'), 'keyword').toUpperCase(), int(bsSpec.get('startfrom'), 'startfrom')]
      break
  }
  let fk: KeySpecInfo['fk'] = ['unknown']
  switch (text(fkFields.get('type'), 'find_keys type')) {
    case 'range':
      fk = ['range', int(fkSpec.get('lastkey'), 'lastkey'), int(fkSpec.get('keystep'), 'keystep'), int(fkSpec.get('limit'), 'limit')]
      break
    case 'keynum':
      fk = ['keynum', int(fkSpec.get('keynumidx'), 'keynumidx'), int(fkSpec.get('firstkey'), 'firstkey'), int(fkSpec.get('keystep'), 'keystep')]
      break
  }
  return { flags, bs, fk }
}

function bad (what: string, value: unknown): CommandTableError {
  const shown = typeof value === 'object' && value !== null ? Object.prototype.toString.call(value) : String(value)
  return new CommandTableError('SLOTGATE_ERR_COMMANDS_BAD_REPLY', `malformed COMMAND reply: bad ${what}: ${shown}`)
}

function text (v: unknown, what: string): string {
  if (typeof v === 'string') return v
  if (Buffer.isBuffer(v)) return v.toString('utf8')
  throw bad(what, v)
}

function int (v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v
  if (typeof v === 'bigint') return Number(v)
  // Clients with stringNumbers (or Buffers) hand integers over as text.
  if (typeof v === 'string' || Buffer.isBuffer(v)) {
    const s = v.toString()
    if (/^-?\d+$/.test(s)) return Number(s)
  }
  throw bad(what, v)
}

function list (v: unknown, what: string): readonly unknown[] {
  if (Array.isArray(v)) return v
  if (v instanceof Set) return [...v]
  throw bad(what, v)
}

/** A RESP map as a flat [k, v, ...] array (RESP2, ioredis' legacy mapping), a Map or an object. */
function fields (v: unknown, what: string): Map<string, unknown> {
  const m = new Map<string, unknown>()
  if (Array.isArray(v)) {
    if (v.length % 2 !== 0) throw bad(what, v)
    for (let i = 0; i < v.length; i += 2) m.set(text(v[i], `${what} field`), v[i + 1])
  } else if (v instanceof Map) {
    for (const [k, x] of v) m.set(text(k, `${what} field`), x)
  } else if (typeof v === 'object' && v !== null && !Buffer.isBuffer(v)) {
    for (const [k, x] of Object.entries(v)) m.set(k, x)
  } else {
    throw bad(what, v)
  }
  return m
}
