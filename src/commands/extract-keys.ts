import { equalsUpper } from './arg-words.js'
import type { CommandSpec, KeyPlan, KeySpec } from './command-spec.js'

/**
 * Indices into `args` (args[0] = command name) of every argument the cluster hashes to a
 * slot, in key-spec order (the order of `COMMAND GETKEYS`). Key specs flagged `not_key`
 * (shard channels of SPUBLISH/SSUBSCRIBE) are included: the cluster routes them by slot too.
 *
 * Never throws, never reads past `args`: positions a malformed request does not have are
 * left out, and the node then answers the request with its own error. Returns `null` when
 * the request is malformed in a way that leaves its keys unknowable, which Redis rejects:
 * - a keynum argument (EVAL, FCALL, ZUNIONSTORE, LMPOP, SINTERCARD, ...) that is missing,
 *   not an integer in Redis' strict decimal form, negative, or claims more keys than there
 *   are arguments;
 * - MIGRATE ... KEYS with a non-empty key argument.
 * Arity is not checked here: see `hasValidArity`.
 */
export function extractKeys (spec: CommandSpec, args: readonly Buffer[]): number[] | null {
  const plan = spec.keyPlan
  switch (plan.kind) {
    case 'single':
      return plan.index < args.length ? [plan.index] : []
    case 'none':
      return []
    case 'ranges':
      return fromRanges(plan.ranges as Int32Array, args.length)
    case 'specs':
      return fromSpecs(spec.keySpecs, args)
    case 'proc':
      return (plan.proc as NonNullable<KeyPlan['proc']>)(args)
  }
}

function fromRanges (ranges: Int32Array, argc: number): number[] {
  const out: number[] = []
  for (let r = 0; r < ranges.length; r += 3) {
    const first = ranges[r]
    const lastKey = ranges[r + 1]
    pushSpan(out, first, lastKey >= 0 ? first + lastKey : argc + lastKey, ranges[r + 2], argc)
  }
  return out
}

/** Indices first, first+step, ... up to `last`, clipped to the arguments there are. */
function pushSpan (out: number[], first: number, last: number, step: number, argc: number): void {
  if (last >= argc) last = argc - 1
  // A step below 1 only comes from a broken reply; never let it loop.
  const by = step > 0 ? step : 1
  for (let i = first; i <= last; i += by) out.push(i)
}

function fromSpecs (specs: readonly KeySpec[], args: readonly Buffer[]): number[] | null {
  const argc = args.length
  const out: number[] = []
  for (const ks of specs) {
    const bs = ks.beginSearch
    let first = -1
    if (bs.type === 'index') {
      first = bs.index
    } else if (bs.type === 'keyword') {
      first = findKeyword(args, bs.keyword, bs.startFrom)
    }
    // An optional keyword that is absent (STORE) or an unknown spec yields no keys.
    if (first < 1) continue
    const fk = ks.findKeys
    if (fk.type === 'range') {
      if (first >= argc) continue
      let last: number
      if (fk.lastKey >= 0) last = first + fk.lastKey
      // "limit": the keys are the first 1/limit of what follows (XREAD ... STREAMS k1 k2 id1 id2).
      else if (fk.limit > 0) last = first + Math.floor((argc - first) / fk.limit) + fk.lastKey
      else last = argc + fk.lastKey
      pushSpan(out, first, last, fk.keyStep, argc)
    } else if (fk.type === 'keynum') {
      const numIdx = first + fk.keyNumIdx
      if (numIdx >= argc) return null
      const n = parseCount(args[numIdx])
      if (n < 0) return null
      if (n === 0) continue
      // Redis doc: keystep is the distance between keys, so n keys span (n-1)*keystep args.
      const step = fk.keyStep > 0 ? fk.keyStep : 1
      const start = first + fk.firstKey
      const last = start + (n - 1) * step
      if (last >= argc) return null
      for (let i = start; i <= last; i += step) out.push(i)
    }
  }
  return out
}

/**
 * Index after `keyword` (upper case), searching forward from `startFrom`, or backwards
 * from `argc + startFrom` when negative, as Redis' getKeysUsingKeySpecs does; -1 if absent.
 */
function findKeyword (args: readonly Buffer[], keyword: string, startFrom: number): number {
  const argc = args.length
  if (startFrom > 0) {
    // The last argument is not searched: a keyword there would have no key after it.
    for (let i = startFrom; i < argc - 1; i++) if (equalsUpper(args[i], keyword)) return i + 1
  } else {
    for (let i = argc + startFrom; i >= 1 && i < argc; i--) if (equalsUpper(args[i], keyword)) return i + 1
  }
  return -1
}

/**
 * A key count as the commands themselves read it (Redis' string2ll: no sign, spaces or
 * leading zeros); -1 when it is not one or is negative (EVAL answers "value is not an
 * integer" even for `01`, `+1` and `-0`). Counts past 1e9 are clamped: no request has
 * that many arguments, so they fail the "more keys than arguments" check all the same.
 */
function parseCount (buf: Buffer): number {
  const len = buf.length
  if (len === 0) return -1
  if (buf[0] === 0x30) return len === 1 ? 0 : -1
  let n = 0
  for (let i = 0; i < len; i++) {
    const d = buf[i] - 0x30
    if (d < 0 || d > 9) return -1
    if (n < 1e9) n = n * 10 + d
  }
  return n
}

/** SORT key [BY p] [LIMIT o c] [GET p ...] [ASC|DESC] [ALPHA] [STORE dest]: Redis' sortGetKeys. */
function sortKeys (args: readonly Buffer[]): number[] {
  const argc = args.length
  if (argc < 2) return []
  // The STORE spec is 'unknown' because STORE may appear anywhere; BY/GET patterns name
  // keys derived from data, which the cluster only allows in the sort key's own slot.
  let store = -1
  for (let i = 2; i < argc; i++) {
    const a = args[i]
    if (equalsUpper(a, 'LIMIT')) i += 2
    else if (equalsUpper(a, 'GET') || equalsUpper(a, 'BY')) i += 1
    // The last STORE wins, as in SORT itself; its argument is then scanned as an option too.
    else if (equalsUpper(a, 'STORE') && i + 1 < argc) store = i + 1
  }
  return store > 0 ? [1, store] : [1]
}

/** SORT_RO key ...: only the sort key (Redis' sortROGetKeys). */
function sortRoKeys (args: readonly Buffer[]): number[] {
  return args.length > 1 ? [1] : []
}

/**
 * MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS k ...]:
 * Redis' migrateGetKeys. The KEYS spec is 'incomplete' because a key may be named "KEYS".
 */
function migrateKeys (args: readonly Buffer[]): number[] | null {
  const argc = args.length
  for (let i = 6; i < argc; i++) {
    const a = args[i]
    if (equalsUpper(a, 'KEYS')) {
      if (args[3].length > 0) return null
      const out: number[] = []
      for (let k = i + 1; k < argc; k++) out.push(k)
      return out
    }
    if (equalsUpper(a, 'AUTH')) i += 1
    else if (equalsUpper(a, 'AUTH2')) i += 2
  }
  return argc > 3 ? [3] : []
}

const PROCS: ReadonlyMap<string, NonNullable<KeyPlan['proc']>> = new Map([
  ['sort', sortKeys],
  ['sort_ro', sortRoKeys],
  ['migrate', migrateKeys]
])

/** True when some spec is `unknown` or flagged `incomplete` (Redis then uses a getkeys function). */
export function hasIncompleteKeySpecs (specs: readonly KeySpec[]): boolean {
  return specs.some(s => s.beginSearch.type === 'unknown' || s.findKeys.type === 'unknown' || s.flags.has('incomplete'))
}

/**
 * Reduces a command's key specs to a {@link KeyPlan} once, at table build time. `name` is
 * the full lower-case name (`object|encoding`), used to attach slotgate's own rules.
 */
export function compileKeyPlan (name: string, specs: readonly KeySpec[]): KeyPlan {
  const proc = PROCS.get(name)
  if (proc !== undefined) return { kind: 'proc', index: 0, ranges: null, proc }
  if (specs.length === 0) return { kind: 'none', index: 0, ranges: null, proc: null }
  const ranges: number[] = []
  for (const s of specs) {
    const bs = s.beginSearch
    const fk = s.findKeys
    if (bs.type !== 'index' || fk.type !== 'range' || fk.limit !== 0 || fk.keyStep < 1 || bs.index < 1) {
      return { kind: 'specs', index: 0, ranges: null, proc: null }
    }
    ranges.push(bs.index, fk.lastKey, fk.keyStep)
  }
  if (ranges.length === 3 && ranges[1] === 0) return { kind: 'single', index: ranges[0], ranges: null, proc: null }
  return { kind: 'ranges', index: 0, ranges: Int32Array.from(ranges), proc: null }
}
