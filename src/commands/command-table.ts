import snapshotJson from './command-snapshot.json' with { type: 'json' }
import {
  COMMAND_SNAPSHOT_FORMAT, commandFlagBit,
  type BeginSearch, type CommandInfo, type CommandSnapshot, type CommandSpec, type FindKeys, type KeySpec, type KeySpecInfo
} from './command-spec.js'
import { CommandTableError } from './command-table-error.js'
import { compileKeyPlan, hasIncompleteKeySpecs } from './extract-keys.js'
import { normalizeCommandReply } from './normalize-command-reply.js'

/**
 * The commands the cluster knows, read once at start from its own `COMMAND` reply (or the
 * bundled snapshot), looked up per request straight from the argument Buffers.
 */
export class CommandTable {
  readonly #byName = new Map<string, CommandSpec>()
  readonly #index: NameIndex

  /** Builds a table from normalized command infos; see the static factories. */
  constructor (infos: readonly CommandInfo[]) {
    const top: CommandSpec[] = []
    for (const info of withAnsweredHere(infos)) {
      const spec = buildSpec(info)
      // A name twice (a module command shadowing another) keeps the first, in both indexes.
      if (this.#byName.has(spec.name)) continue
      top.push(spec)
      this.#byName.set(spec.name, spec)
      for (const sub of spec.subcommands.values()) this.#byName.set(sub.name, sub)
    }
    this.#index = new NameIndex(top, true)
  }

  /**
   * From the reply of `COMMAND` as ioredis returns it (`await redis.call('COMMAND')`),
   * Buffers and RESP3 shapes included. Throws a {@link CommandTableError}
   * (`SLOTGATE_ERR_COMMANDS_BAD_REPLY`) on a malformed entry.
   */
  static fromCommandReply (reply: readonly unknown[]): CommandTable {
    return new CommandTable(normalizeCommandReply(reply))
  }

  /**
   * From a snapshot, by default the one bundled with slotgate (taken from Redis 7.0.15 by
   * `scripts/snapshot-commands.mjs`): the fallback when the cluster can't be asked.
   * Throws a {@link CommandTableError} (`SLOTGATE_ERR_COMMANDS_BAD_SNAPSHOT`) on another format.
   */
  static fromSnapshot (snapshot: CommandSnapshot = snapshotJson as unknown as CommandSnapshot): CommandTable {
    if (snapshot.format !== COMMAND_SNAPSHOT_FORMAT || !Array.isArray(snapshot.commands)) {
      throw new CommandTableError('SLOTGATE_ERR_COMMANDS_BAD_SNAPSHOT',
        `command snapshot: expected format ${COMMAND_SNAPSHOT_FORMAT}, got ${String(snapshot.format)}`)
    }
    return new CommandTable(snapshot.commands)
  }

  /** Number of top-level commands. */
  get size (): number {
    return this.#index.specs.length
  }

  /** Every top-level command (subcommands are in each one's `subcommands`). */
  commands (): IterableIterator<CommandSpec> {
    return this.#index.specs.values()
  }

  /** By name in any case: `get`, `CONFIG`, or a subcommand as `config|get`. Not for the hot path. */
  get (name: string): CommandSpec | undefined {
    return this.#byName.get(name.toLowerCase())
  }

  /**
   * The spec for a request: args[0] names the command in any case; for a container
   * (CONFIG, CLIENT, OBJECT, ...) the subcommand's spec when args[1] names one, else the
   * container's. `undefined` for an unknown command. Allocates nothing.
   */
  lookup (args: readonly Buffer[]): CommandSpec | undefined {
    if (args.length === 0) return undefined
    const index = this.#index
    const slot = index.find(args[0])
    if (slot < 0) return undefined
    const subs = index.subs[slot]
    if (subs !== null && args.length > 1) {
      const s = subs.find(args[1])
      if (s >= 0) return subs.specs[s]
    }
    return index.specs[slot]
  }
}

/**
 * Open-addressing hash table from names to specs, hashed and compared on the raw bytes
 * with ASCII case folding, so a lookup neither decodes nor lower-cases the argument.
 */
class NameIndex {
  readonly specs: CommandSpec[] = []
  readonly subs: Array<NameIndex | null> = []
  readonly #names: Array<Buffer | undefined>
  readonly #slots: Int32Array
  readonly #mask: number
  #maxLength = 0

  constructor (specs: readonly CommandSpec[], topLevel: boolean) {
    let size = 8
    while (size < specs.length * 4) size <<= 1
    this.#mask = size - 1
    this.#names = new Array<Buffer | undefined>(size).fill(undefined)
    this.#slots = new Int32Array(size).fill(-1)
    for (const spec of specs) {
      // A subcommand is keyed by what follows `container|`.
      const key = Buffer.from(topLevel ? spec.name : spec.name.slice(spec.name.indexOf('|') + 1), 'latin1')
      let h = hashFolded(key) & this.#mask
      while (this.#names[h] !== undefined) h = (h + 1) & this.#mask
      this.#names[h] = key
      this.#slots[h] = this.specs.length
      this.specs.push(spec)
      this.subs.push(topLevel && spec.subcommands.size > 0 ? new NameIndex([...spec.subcommands.values()], false) : null)
      if (key.length > this.#maxLength) this.#maxLength = key.length
    }
  }

  /** Position in `specs` of the name in `buf` (any case), or -1. */
  find (buf: Buffer): number {
    const len = buf.length
    // No name is longer: don't hash a long garbage argument.
    if (len > this.#maxLength) return -1
    const names = this.#names
    let h = hashFolded(buf) & this.#mask
    for (;;) {
      const name = names[h]
      if (name === undefined) return -1
      if (name.length === len && equalsFolded(name, buf)) return this.#slots[h]
      h = (h + 1) & this.#mask
    }
  }
}

/** FNV-1a over the bytes with A-Z folded to a-z, cut to 30 bits so V8 keeps it a small integer. */
function hashFolded (buf: Buffer): number {
  const len = buf.length
  let h = 0x811c9dc5 | 0
  for (let i = 0; i < len; i++) {
    let b = buf[i]
    if (b >= 0x41 && b <= 0x5a) b |= 0x20
    h = Math.imul(h ^ b, 0x01000193)
  }
  return h & 0x3fffffff
}

/** `lower` is lower case already; `buf` has the same length. */
function equalsFolded (lower: Buffer, buf: Buffer): boolean {
  for (let i = 0; i < lower.length; i++) {
    let b = buf[i]
    if (b >= 0x41 && b <= 0x5a) b |= 0x20
    if (b !== lower[i]) return false
  }
  return true
}

/**
 * Subcommands slotgate answers itself that an older cluster's table may lack: Redis 7.2
 * clients send CLIENT SETINFO on connect, and a 7.0 cluster would call it unknown.
 */
const ANSWERED_HERE: readonly CommandInfo[] = [
  { name: 'client|setinfo', arity: 4, flags: ['noscript', 'loading', 'stale'], keys: [0, 0, 0], acl: ['slow', 'connection'] },
  { name: 'client|no-touch', arity: 3, flags: ['noscript', 'loading', 'stale'], keys: [0, 0, 0], acl: ['slow', 'connection'] }
]

/** `infos` with {@link ANSWERED_HERE} added to their containers where missing. */
function withAnsweredHere (infos: readonly CommandInfo[]): readonly CommandInfo[] {
  return infos.map(info => {
    const prefix = `${info.name.toLowerCase()}|`
    const missing = ANSWERED_HERE.filter(extra => extra.name.startsWith(prefix) &&
      !(info.subcommands ?? []).some(sub => sub.name.toLowerCase() === extra.name))
    return missing.length === 0 ? info : { ...info, subcommands: [...(info.subcommands ?? []), ...missing] }
  })
}

function buildSpec (info: CommandInfo): CommandSpec {
  // Lower case whatever the source: the byte index compares against lower-case names.
  const name = info.name.toLowerCase()
  const keySpecs = (info.specs ?? []).map(buildKeySpec)
  const keyPlan = compileKeyPlan(name, keySpecs)
  const tips = info.tips ?? []
  const subcommands = new Map<string, CommandSpec>()
  for (const sub of info.subcommands ?? []) {
    const spec = buildSpec(sub)
    subcommands.set(spec.name.slice(spec.name.indexOf('|') + 1), spec)
  }
  let flagBits = 0
  for (const f of info.flags) flagBits |= commandFlagBit(f)
  return {
    name,
    arity: info.arity,
    flags: new Set(info.flags),
    flagBits,
    firstKey: info.keys[0],
    lastKey: info.keys[1],
    step: info.keys[2],
    aclCategories: new Set(info.acl),
    tips,
    requestPolicy: tipValue(tips, 'request_policy:'),
    responsePolicy: tipValue(tips, 'response_policy:'),
    keySpecs,
    keysIncomplete: keyPlan.kind !== 'proc' && hasIncompleteKeySpecs(keySpecs),
    subcommands,
    keyPlan
  }
}

function tipValue (tips: readonly string[], prefix: string): string | undefined {
  const tip = tips.find(t => t.startsWith(prefix))
  return tip === undefined ? undefined : tip.slice(prefix.length)
}

function buildKeySpec (info: KeySpecInfo): KeySpec {
  let beginSearch: BeginSearch = { type: 'unknown' }
  if (info.bs[0] === 'index') beginSearch = { type: 'index', index: info.bs[1] }
  else if (info.bs[0] === 'keyword') beginSearch = { type: 'keyword', keyword: info.bs[1].toUpperCase(), startFrom: info.bs[2] }
  let findKeys: FindKeys = { type: 'unknown' }
  if (info.fk[0] === 'range') findKeys = { type: 'range', lastKey: info.fk[1], keyStep: info.fk[2], limit: info.fk[3] }
  else if (info.fk[0] === 'keynum') findKeys = { type: 'keynum', keyNumIdx: info.fk[1], firstKey: info.fk[2], keyStep: info.fk[3] }
  return { flags: new Set(info.flags), beginSearch, findKeys }
}
