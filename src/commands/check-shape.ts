import { ReplyStrings } from '../resp/reply-strings.js'
import { equalsUpper, parseLongLong } from './arg-words.js'
import type { CommandSpec } from './command-spec.js'

/**
 * The syntax checks a single Redis node makes inside a command before it reads any data, for
 * every command whose key extraction, split or merge in slotgate depends on that syntax.
 * Returns the exact error text redis-server 7.0.15 gives (without the leading '-'), or null
 * when the shape is one the command accepts (or one this module leaves to the node).
 *
 * Why slotgate checks these at all: a cluster node routes by key first, so a malformed
 * request gets CROSSSLOT or MOVED, or worse, a split by slot that a node never makes (MSET
 * with an odd argument count once split into parts with an undefined value). A single node
 * answers with the command's own error, and so must slotgate.
 *
 * Run after lookup and arity and before key extraction. The checks follow each command's own
 * order and stop at its first data access (a WRONGTYPE, a missing group or function can come
 * before a later syntax error, and only the node knows those). Every text was compared with
 * redis-server 7.0.15 (test/unit/check-shape.test.ts does it again when one is installed).
 *
 * | command | checks, in the node's order |
 * | --- | --- |
 * | MSET, MSETNX | key/value pairs: an even argument count is the arity error |
 * | EVAL, EVAL_RO | numkeys an integer, not more than the arguments left, not negative |
 * | EVALSHA, EVALSHA_RO | a SHA of 40 characters (else NOSCRIPT), then numkeys as EVAL |
 * | ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE, ZUNION, ZINTER, ZDIFF, ZINTERCARD | numkeys an integer, at least 1, not more than the arguments left (options come after the key lookups: the node's) |
 * | SINTERCARD | numkeys > 0, not more than the arguments left, then `LIMIT n` (n >= 0) options |
 * | LMPOP, BLMPOP, ZMPOP, BZMPOP | numkeys > 0, LEFT/RIGHT or MIN/MAX after the keys, then one `COUNT n` (n > 0); BLMPOP/BZMPOP's float timeout is left to the node |
 * | XREAD, XREADGROUP | BLOCK ms, COUNT n, GROUP g c (XREADGROUP only), NOACK (XREADGROUP only), STREAMS with a tail of keys and IDs in pairs; STREAMS required; GROUP required by XREADGROUP |
 * | SORT, SORT_RO | BY p, LIMIT off count (integers), GET p, ASC, DESC, ALPHA, STORE k (SORT only) |
 * | MIGRATE | COPY, REPLACE, AUTH pw, AUTH2 user pw, KEYS (the key argument must be empty), then timeout and db integers |
 *
 * Left to the node on purpose:
 * - FCALL, FCALL_RO: "Function not found" comes before the numkeys checks, and only a node
 *   knows its functions; the router forwards a malformed one to a master, which reads no key
 *   from it, except a numkeys C's atoi() still reads as a count ("02", "2x"): over keys in
 *   several slots that one gets the cluster's CROSSSLOT.
 * - GEORADIUS, GEORADIUSBYMEMBER (STORE/STOREDIST): the source key is looked up (WRONGTYPE)
 *   before the options are parsed; slotgate finds the STORE key as a cluster node does.
 * - Single-key commands with pairs or fields (HSET, HMSET, XADD, ZADD, ...): their key does
 *   not depend on the rest, so the key's node answers exactly what a single node would,
 *   inside MULTI too (where a node queues them and reports the error in EXEC's reply).
 */
export function checkShape (spec: CommandSpec, args: readonly Buffer[]): string | null {
  const check = CHECKS.get(spec.name)
  return check === undefined ? null : check(args, spec.name)
}

type ShapeCheck = (args: readonly Buffer[], name: string) => string | null

/** MSET/MSETNX: msetGenericCommand answers an even argc with the arity error. */
function pairs (args: readonly Buffer[], name: string): string | null {
  return args.length % 2 === 0 ? ReplyStrings.wrongArity(name) : null
}

/** EVAL script numkeys ...: evalGenericCommand. */
function evalNumKeys (args: readonly Buffer[]): string | null {
  const n = parseLongLong(args[2])
  if (Number.isNaN(n)) return ReplyStrings.notInteger
  if (n > args.length - 3) return ReplyStrings.numKeysTooMany
  if (n < 0) return ReplyStrings.numKeysNegative
  return null
}

/** EVALSHA: a SHA that is not 40 characters long cannot match, and evalShaCommand says so first. */
function evalShaNumKeys (args: readonly Buffer[]): string | null {
  return args[1].length !== 40 ? ReplyStrings.noScript : evalNumKeys(args)
}

/** ZUNIONSTORE and kin (zunionInterDiffGenericCommand): numkeys at `index`. */
function zsetNumKeys (index: number): ShapeCheck {
  return (args, name) => {
    const n = parseLongLong(args[index])
    if (Number.isNaN(n)) return ReplyStrings.notInteger
    if (n < 1) return ReplyStrings.needOneInputKey(name)
    if (n > args.length - (index + 1)) return ReplyStrings.syntaxError
    return null
  }
}

/** SINTERCARD numkeys key ... [LIMIT n]: sinterCardCommand parses everything before reading. */
function sinterCard (args: readonly Buffer[]): string | null {
  const argc = args.length
  const n = parseLongLong(args[1])
  if (Number.isNaN(n) || n < 1) return ReplyStrings.numKeysNotPositive
  if (n > argc - 2) return ReplyStrings.numKeysTooMany
  for (let j = 2 + n; j < argc; j++) {
    if (equalsUpper(args[j], 'LIMIT') && j < argc - 1) {
      const limit = parseLongLong(args[++j])
      if (Number.isNaN(limit) || limit < 0) return ReplyStrings.limitNegative
    } else {
      return ReplyStrings.syntaxError
    }
  }
  return null
}

/** LMPOP/ZMPOP and their blocking forms (lmpopGenericCommand, zmpopGenericCommand). */
function mpop (numKeysIndex: number, ends: readonly [string, string]): ShapeCheck {
  return args => {
    const argc = args.length
    const n = parseLongLong(args[numKeysIndex])
    if (Number.isNaN(n) || n < 1) return ReplyStrings.numKeysNotPositive
    const whereIndex = numKeysIndex + n + 1
    if (whereIndex >= argc) return ReplyStrings.syntaxError
    const where = args[whereIndex]
    if (!equalsUpper(where, ends[0]) && !equalsUpper(where, ends[1])) return ReplyStrings.syntaxError
    let counted = false
    for (let j = whereIndex + 1; j < argc; j++) {
      if (!counted && equalsUpper(args[j], 'COUNT') && j < argc - 1) {
        const count = parseLongLong(args[++j])
        if (Number.isNaN(count) || count < 1) return ReplyStrings.countNotPositive
        counted = true
      } else {
        return ReplyStrings.syntaxError
      }
    }
    // The blocking forms parse their timeout next, as a long double (strtold, then a cast
    // that overflows past 2^63 ms): left to the node rather than imitated.
    return null
  }
}

/** XREAD/XREADGROUP options up to STREAMS (xreadCommand); the IDs are read with the streams. */
function xread (args: readonly Buffer[], name: string): string | null {
  const argc = args.length
  const group = name === 'xreadgroup'
  let streams = 0
  let groupGiven = false
  for (let i = 1; i < argc; i++) {
    const more = argc - i - 1
    const a = args[i]
    if (equalsUpper(a, 'BLOCK') && more > 0) {
      const ms = parseLongLong(args[++i])
      if (Number.isNaN(ms)) return ReplyStrings.timeoutNotInteger
      if (ms < 0) return ReplyStrings.timeoutNegative
    } else if (equalsUpper(a, 'COUNT') && more > 0) {
      if (Number.isNaN(parseLongLong(args[++i]))) return ReplyStrings.notInteger
    } else if (equalsUpper(a, 'STREAMS') && more > 0) {
      streams = i + 1
      if ((argc - streams) % 2 !== 0) return ReplyStrings.xreadUnbalanced
      break
    } else if (equalsUpper(a, 'GROUP') && more >= 2) {
      if (!group) return ReplyStrings.xreadGroupOnly
      groupGiven = true
      i += 2
    } else if (equalsUpper(a, 'NOACK')) {
      if (!group) return ReplyStrings.xreadNoAckOnly
    } else {
      return ReplyStrings.syntaxError
    }
  }
  if (streams === 0) return ReplyStrings.syntaxError
  if (group && !groupGiven) return ReplyStrings.xreadGroupMissing
  return null
}

/**
 * SORT/SORT_RO options (sortCommandGeneric). A cluster node refuses BY with a pattern and
 * GET where a single node goes on parsing: the parse goes on here too, so a malformed
 * request gets the single node's error and a well-formed one the cluster's refusal.
 */
function sort (readOnly: boolean): ShapeCheck {
  return args => {
    const argc = args.length
    for (let j = 2; j < argc; j++) {
      const left = argc - j - 1
      const a = args[j]
      if (equalsUpper(a, 'ASC') || equalsUpper(a, 'DESC') || equalsUpper(a, 'ALPHA')) continue
      if (equalsUpper(a, 'LIMIT') && left >= 2) {
        if (Number.isNaN(parseLongLong(args[j + 1])) || Number.isNaN(parseLongLong(args[j + 2]))) return ReplyStrings.notInteger
        j += 2
      } else if ((!readOnly && equalsUpper(a, 'STORE') && left >= 1) ||
        ((equalsUpper(a, 'BY') || equalsUpper(a, 'GET')) && left >= 1)) {
        j++
      } else {
        return ReplyStrings.syntaxError
      }
    }
    return null
  }
}

/** MIGRATE host port key|"" db timeout [options]: migrateCommand's parse and sanity checks. */
function migrate (args: readonly Buffer[]): string | null {
  const argc = args.length
  for (let j = 6; j < argc; j++) {
    const more = argc - 1 - j
    const a = args[j]
    if (equalsUpper(a, 'COPY') || equalsUpper(a, 'REPLACE')) continue
    if (equalsUpper(a, 'AUTH')) {
      if (more < 1) return ReplyStrings.syntaxError
      j++
    } else if (equalsUpper(a, 'AUTH2')) {
      if (more < 2) return ReplyStrings.syntaxError
      j += 2
    } else if (equalsUpper(a, 'KEYS')) {
      if (args[3].length !== 0) return ReplyStrings.migrateKeysNeedEmptyKey
      break
    } else {
      return ReplyStrings.syntaxError
    }
  }
  // The timeout (argv[5]) is read before the db (argv[4]); both give the same text.
  if (Number.isNaN(parseLongLong(args[5])) || Number.isNaN(parseLongLong(args[4]))) return ReplyStrings.notInteger
  return null
}

const CHECKS: ReadonlyMap<string, ShapeCheck> = new Map<string, ShapeCheck>([
  ['mset', pairs], ['msetnx', pairs],
  ['eval', evalNumKeys], ['eval_ro', evalNumKeys], ['evalsha', evalShaNumKeys], ['evalsha_ro', evalShaNumKeys],
  ['zunionstore', zsetNumKeys(2)], ['zinterstore', zsetNumKeys(2)], ['zdiffstore', zsetNumKeys(2)],
  ['zunion', zsetNumKeys(1)], ['zinter', zsetNumKeys(1)], ['zdiff', zsetNumKeys(1)], ['zintercard', zsetNumKeys(1)],
  ['sintercard', sinterCard],
  ['lmpop', mpop(1, ['LEFT', 'RIGHT'])], ['blmpop', mpop(2, ['LEFT', 'RIGHT'])],
  ['zmpop', mpop(1, ['MIN', 'MAX'])], ['bzmpop', mpop(2, ['MIN', 'MAX'])],
  ['xread', xread], ['xreadgroup', xread],
  ['sort', sort(false)], ['sort_ro', sort(true)],
  ['migrate', migrate]
])

/** Names of the commands checked here (lower case), for tests and docs. */
export const SHAPE_CHECKED: readonly string[] = [...CHECKS.keys()]
