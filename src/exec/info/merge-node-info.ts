/** One INFO section's `name:value` lines, in order (a name may repeat: `module:` lines). */
export type InfoFields = Array<[string, string]>

/**
 * Splits a node's INFO text into its sections, keyed by the lower-cased title (`# Memory` →
 * `memory`, `# CPU` → `cpu`). Lines before any title, blank lines and lines without a colon
 * are skipped.
 */
export function parseInfo (text: string): Map<string, InfoFields> {
  const sections = new Map<string, InfoFields>()
  let current: InfoFields | null = null
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('# ')) {
      current = []
      sections.set(line.slice(2).trim().toLowerCase(), current)
      continue
    }
    const colon = line.indexOf(':')
    if (current !== null && colon > 0) current.push([line.slice(0, colon), line.slice(colon + 1)])
  }
  return sections
}

/** How one field's values from several masters become one: see {@link mergeSection}. */
type Rule = 'sum' | 'max' | 'min' | 'first' | 'worst-status' | 'drop'

/** Flags, peaks, durations and sizes of the host or of one event: the largest says it. */
const MAX_FIELDS = new Set([
  'loading', 'async_loading', 'current_cow_peak', 'current_cow_size', 'current_cow_size_age', 'current_fork_perc',
  'rdb_bgsave_in_progress', 'rdb_last_bgsave_time_sec', 'rdb_current_bgsave_time_sec', 'rdb_last_cow_size',
  'aof_enabled', 'aof_rewrite_in_progress', 'aof_rewrite_scheduled', 'aof_last_rewrite_time_sec',
  'aof_current_rewrite_time_sec', 'aof_last_cow_size', 'aof_rewrites_consecutive_failures', 'module_fork_in_progress',
  'module_fork_last_cow_size', 'active_defrag_running', 'total_system_memory', 'number_of_cached_scripts',
  'number_of_functions', 'number_of_libraries', 'hz', 'configured_hz', 'arch_bits', 'latest_fork_usec',
  // slotgate's patterns live on every master: the count of one, not the sum.
  'pubsub_patterns', 'expired_stale_perc', 'repl_backlog_active', 'io_threads_active', 'second_repl_offset',
  // Scripts and functions are loaded on every master (SCRIPT LOAD, FUNCTION LOAD go to all):
  // one node would hold one copy, and one script engine.
  'used_memory_lua', 'used_memory_vm_eval', 'used_memory_scripts_eval', 'used_memory_vm_functions',
  'used_memory_vm_total', 'used_memory_functions', 'used_memory_scripts'
])
/** The oldest save, and the replicas every shard has at least. */
const MIN_FIELDS = new Set(['rdb_last_save_time', 'connected_slaves', 'repl_backlog_first_byte_offset'])
/** Identities and build facts: one node's value stands for all. */
const FIRST_FIELDS = new Set([
  'redis_git_sha1', 'redis_git_dirty', 'redis_build_id', 'process_id', 'run_id', 'tcp_port', 'lru_clock',
  'server_time_usec', 'uptime_in_seconds', 'uptime_in_days', 'master_replid', 'master_replid2'
])

function ruleOf (name: string): Rule {
  if (/^slave\d+$/.test(name)) return 'drop' // a master's replicas, not replicas of slotgate
  if (MAX_FIELDS.has(name)) return 'max'
  if (MIN_FIELDS.has(name)) return 'min'
  if (FIRST_FIELDS.has(name)) return 'first'
  if (name.endsWith('_status')) return 'worst-status'
  return 'sum'
}

const INTEGER = /^-?\d+$/
const DECIMAL = /^-?\d+\.(\d+)$/

/**
 * Merges one section as reported by several masters into what one node holding all their data
 * would report: counters and memory summed, flags and peaks by their maximum, the oldest save
 * time, a failed status over an ok one, the first node's value for text (allocator, policy);
 * ratios, percentages and `*_human` sizes recomputed from the merged values, not summed; a
 * master's `slaveN` lines dropped. Fields keep the order of their first appearance.
 */
export function mergeSection (section: string, nodes: readonly InfoFields[]): InfoFields {
  if (section === 'modules') return unionLines(nodes)
  const values = new Map<string, string[]>()
  for (const fields of nodes) {
    for (const [name, value] of fields) {
      const list = values.get(name)
      if (list === undefined) values.set(name, [value])
      else list.push(value)
    }
  }
  const merged: InfoFields = []
  for (const [name, list] of values) {
    const rule = ruleOf(name)
    if (rule === 'drop') continue
    merged.push([name, mergeValues(name, rule, list)])
  }
  return recomputeDerived(merged)
}

function mergeValues (name: string, rule: Rule, values: readonly string[]): string {
  if (rule === 'first' || values.length === 1) return values[0]
  if (rule === 'worst-status') return values.find(v => v !== 'ok') ?? 'ok'
  if (name === 'master_failover_state') return values.find(v => v !== 'no-failover') ?? values[0]
  const decimals = values.every(v => INTEGER.test(v)) ? 0 : (DECIMAL.exec(values[0])?.[1].length ?? -1)
  if (decimals < 0 || !values.every(v => INTEGER.test(v) || DECIMAL.test(v))) return values[0]
  const numbers = values.map(Number)
  // maxmemory 0 is "no limit": one unlimited master makes the whole unlimited.
  if (name === 'maxmemory' && numbers.includes(0)) return '0'
  let result: number
  if (rule === 'max') result = Math.max(...numbers)
  else if (rule === 'min') result = Math.min(...numbers)
  else result = numbers.reduce((a, b) => a + b, 0)
  return decimals === 0 ? String(result) : result.toFixed(decimals)
}

/** Ratios of merged sizes, as Redis computes them (server.c, genRedisInfoString / object.c). */
const RATIOS: ReadonlyArray<readonly [string, string, string, boolean]> = [
  // [field, numerator, denominator, written as a percentage]
  ['used_memory_peak_perc', 'used_memory', 'used_memory_peak', true],
  ['allocator_frag_ratio', 'allocator_active', 'allocator_allocated', false],
  ['allocator_rss_ratio', 'allocator_resident', 'allocator_active', false],
  ['rss_overhead_ratio', 'used_memory_rss', 'allocator_resident', false],
  ['mem_fragmentation_ratio', 'used_memory_rss', 'used_memory', false]
]

function recomputeDerived (fields: InfoFields): InfoFields {
  const numbers = new Map<string, number>()
  for (const [name, value] of fields) if (INTEGER.test(value)) numbers.set(name, Number(value))
  const derived = new Map<string, string>()
  for (const [name] of fields) {
    if (name.endsWith('_human')) {
      const base = numbers.get(name.slice(0, -'_human'.length))
      if (base !== undefined) derived.set(name, humanBytes(base))
    }
  }
  for (const [name, num, den, percent] of RATIOS) {
    const a = numbers.get(num)
    const b = numbers.get(den)
    if (a !== undefined && b !== undefined && b > 0) derived.set(name, percent ? `${(a * 100 / b).toFixed(2)}%` : (a / b).toFixed(2))
  }
  const used = numbers.get('used_memory')
  const startup = numbers.get('used_memory_startup')
  const dataset = numbers.get('used_memory_dataset')
  if (used !== undefined && startup !== undefined && dataset !== undefined) {
    const net = used - startup
    derived.set('used_memory_dataset_perc', `${(net > 0 ? dataset * 100 / net : 0).toFixed(2)}%`)
  }
  return fields.map(([name, value]) => [name, derived.get(name) ?? value])
}

/** The module list: each distinct line once (every master should load the same modules). */
function unionLines (nodes: readonly InfoFields[]): InfoFields {
  const seen = new Set<string>()
  const out: InfoFields = []
  for (const fields of nodes) {
    for (const [name, value] of fields) {
      const line = `${name}:${value}`
      if (!seen.has(line)) { seen.add(line); out.push([name, value]) }
    }
  }
  return out
}

/**
 * Sets slotgate's own values over merged ones: a field present keeps its place, the others
 * are appended in the order given.
 */
export function overlay (fields: InfoFields, own: InfoFields): InfoFields {
  const ownValues = new Map(own)
  const out: InfoFields = fields.map(([name, value]) => [name, ownValues.get(name) ?? value])
  const present = new Set(fields.map(([name]) => name))
  for (const [name, value] of own) if (!present.has(name)) out.push([name, value])
  return out
}

/** Redis' bytesToHuman (util.c): `512B`, `1.50K`, `3.00M`, ... with two decimals. */
export function humanBytes (n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P']
  if (n < 1024) return `${n}B`
  let value = n / 1024
  for (const unit of units) {
    if (value < 1024 || unit === 'P') return `${value.toFixed(2)}${unit}`
    value /= 1024
  }
  return `${n}B`
}

/** `# Title\r\nname:value\r\n...` */
export function formatSection (title: string, fields: InfoFields): string {
  return `# ${title}\r\n${fields.map(([name, value]) => `${name}:${value}\r\n`).join('')}`
}
