/**
 * What slotgate knows about one Redis command, as the cluster describes it in its
 * `COMMAND` reply (Redis doc "COMMAND" and "Command key specifications").
 * Types and tiny predicates only: building lives in `command-table.ts`, key positions in
 * `extract-keys.ts`.
 */

/**
 * Bits of {@link CommandSpec.flagBits} for the command flags the proxy acts on.
 * A flag Redis reports that has no bit here is still in {@link CommandSpec.flags}.
 */
export const CommandFlag = {
  WRITE: 1 << 0,
  READONLY: 1 << 1,
  DENYOOM: 1 << 2,
  ADMIN: 1 << 3,
  PUBSUB: 1 << 4,
  NOSCRIPT: 1 << 5,
  BLOCKING: 1 << 6,
  LOADING: 1 << 7,
  STALE: 1 << 8,
  FAST: 1 << 9,
  MOVABLEKEYS: 1 << 10,
  NO_MULTI: 1 << 11,
  NO_AUTH: 1 << 12,
  MAY_REPLICATE: 1 << 13,
  NO_MANDATORY_KEYS: 1 << 14,
  ALLOW_BUSY: 1 << 15,
  ASKING: 1 << 16,
  SKIP_MONITOR: 1 << 17,
  SKIP_SLOWLOG: 1 << 18,
  NO_ASYNC_LOADING: 1 << 19,
  MODULE: 1 << 20
} as const

/** Bit of a flag name as Redis spells it in `COMMAND` (`no_multi` → `NO_MULTI`), 0 when unknown. */
export function commandFlagBit (name: string): number {
  const bit = (CommandFlag as Record<string, number>)[name.toUpperCase()]
  return bit ?? 0
}

/** Where a key spec starts looking: a fixed index, after a keyword, or unknown. */
export type BeginSearch =
  | { readonly type: 'index', readonly index: number }
  /** `startFrom` < 0 searches backwards from `argc + startFrom`; `keyword` is upper case. */
  | { readonly type: 'keyword', readonly keyword: string, readonly startFrom: number }
  | { readonly type: 'unknown' }

/** How a key spec finds its keys once the search began (relative to where it began). */
export type FindKeys =
  /** `lastKey` < 0 counts from the end; with `limit` > 0 the keys are the first 1/limit of the rest. */
  | { readonly type: 'range', readonly lastKey: number, readonly keyStep: number, readonly limit: number }
  /** The argument at `keyNumIdx` holds the key count; keys start at `firstKey`. */
  | { readonly type: 'keynum', readonly keyNumIdx: number, readonly firstKey: number, readonly keyStep: number }
  | { readonly type: 'unknown' }

/** One key specification (Redis doc "Command key specifications"). */
export interface KeySpec {
  /** `RO`, `RW`, `OW`, `RM`, `access`, `update`, `insert`, `delete`, `not_key`, `incomplete`, `variable_flags`. */
  readonly flags: ReadonlySet<string>
  readonly beginSearch: BeginSearch
  readonly findKeys: FindKeys
}

/**
 * Key positions of one command reduced at table build time, so that `extractKeys` does
 * no spec interpretation for the common shapes.
 * - `none`: keyless; `single`: one key at `index`;
 * - `ranges`: only index + range specs without limit, as triples (begin, lastKey, step) in `ranges`;
 * - `specs`: interpret `keySpecs` per call (keyword, keynum, limit);
 * - `proc`: a hand-written rule mirroring Redis' own getkeys function, for commands whose
 *   specs are `unknown` or `incomplete` (SORT's STORE, MIGRATE's KEYS).
 */
export interface KeyPlan {
  readonly kind: 'none' | 'single' | 'ranges' | 'specs' | 'proc'
  readonly index: number
  readonly ranges: Int32Array | null
  readonly proc: ((args: readonly Buffer[]) => number[] | null) | null
}

/** One command or subcommand. */
export interface CommandSpec {
  /** Lower case; a subcommand is `container|sub` as Redis names it (`config|get`). */
  readonly name: string
  /** Positive: exact argument count (name included); negative: at least `-arity`. */
  readonly arity: number
  /** Every flag Redis reported, lower case (`write`, `readonly`, `movablekeys`, ...). */
  readonly flags: ReadonlySet<string>
  /** The known flags as {@link CommandFlag} bits, for hot-path checks. */
  readonly flagBits: number
  /** Legacy key positions (pre-key-spec): first, last (negative counts from the end), step. */
  readonly firstKey: number
  readonly lastKey: number
  readonly step: number
  /** ACL categories without the leading `@`. */
  readonly aclCategories: ReadonlySet<string>
  /** Command tips, e.g. `request_policy:all_shards`, `nondeterministic_output`. */
  readonly tips: readonly string[]
  /** The value of the `request_policy:` tip, e.g. `all_shards`, if any. */
  readonly requestPolicy: string | undefined
  /** The value of the `response_policy:` tip, e.g. `agg_sum`, if any. */
  readonly responsePolicy: string | undefined
  readonly keySpecs: readonly KeySpec[]
  /**
   * True when some key spec is `unknown` or `incomplete` and slotgate has no rule of its
   * own for the command: its extracted keys may miss some (a module command, or a Redis
   * version newer than this code). The router can let the node decide (MOVED/CROSSSLOT).
   */
  readonly keysIncomplete: boolean
  /** Subcommands by lower-case sub-name (`get` for `config|get`); empty for plain commands. */
  readonly subcommands: ReadonlyMap<string, CommandSpec>
  /** Precomputed key-position plan; see {@link KeyPlan}. */
  readonly keyPlan: KeyPlan
}

/** True when the command may modify the keyspace (flag `write`). */
export function isWrite (spec: CommandSpec): boolean {
  return (spec.flagBits & CommandFlag.WRITE) !== 0
}

/** True when the command only reads (flag `readonly`): a candidate for replicas and retries. */
export function isReadOnly (spec: CommandSpec): boolean {
  return (spec.flagBits & CommandFlag.READONLY) !== 0
}

/**
 * True when `argc` (the command name included) satisfies the command's arity, the check
 * Redis makes before anything else ("wrong number of arguments for '...' command").
 */
export function hasValidArity (spec: CommandSpec, argc: number): boolean {
  return spec.arity >= 0 ? argc === spec.arity : argc >= -spec.arity
}

/**
 * A key spec in the normalized form of the bundled snapshot (and of
 * `normalizeCommandReply`): positional tuples instead of Redis' nested key/value arrays.
 * - `bs`: `['index', index]`, `['keyword', KEYWORD, startfrom]` or `['unknown']`;
 * - `fk`: `['range', lastkey, keystep, limit]`, `['keynum', keynumidx, firstkey, keystep]` or `['unknown']`.
 */
export interface KeySpecInfo {
  readonly flags: readonly string[]
  readonly bs: readonly ['index', number] | readonly ['keyword', string, number] | readonly ['unknown']
  readonly fk: readonly ['range', number, number, number] | readonly ['keynum', number, number, number] | readonly ['unknown']
}

/**
 * One command in normalized form: names and flags lower case, ACL categories without `@`,
 * `keys` = legacy [firstkey, lastkey, step]; `tips`, `specs` and `subcommands` are left out
 * when empty.
 */
export interface CommandInfo {
  readonly name: string
  readonly arity: number
  readonly flags: readonly string[]
  readonly keys: readonly [number, number, number]
  readonly acl: readonly string[]
  readonly tips?: readonly string[]
  readonly specs?: readonly KeySpecInfo[]
  readonly subcommands?: readonly CommandInfo[]
}

/** The bundled `command-snapshot.json`, written by `scripts/snapshot-commands.mjs`. */
export interface CommandSnapshot {
  /** Always {@link COMMAND_SNAPSHOT_FORMAT}. */
  readonly format: string
  /** `redis_version` of the server the snapshot was taken from. */
  readonly redisVersion: string
  /** Sorted by name; subcommands sorted by name too. */
  readonly commands: readonly CommandInfo[]
}

/** Format tag of {@link CommandSnapshot}; bump it when the shape changes. */
export const COMMAND_SNAPSHOT_FORMAT = 'slotgate-command-snapshot/1'
