import type { CommandSpec } from './command-spec.js'

/**
 * Commands that may legitimately keep a node busy for long: whole-keyspace walks (KEYS,
 * FLUSHALL/FLUSHDB without ASYNC), scripts and functions (which run until they end or are
 * killed), loading scripts and functions, SORT with its lookups, MIGRATE. Each gets its own
 * reply time (slowCommandTimeoutMs) instead of the backend timeout, so that its wait is never
 * taken for a frozen node: the link it travels on is not recycled, and other requests to that
 * node wait behind it as they would on the node itself.
 */
const SLOW: ReadonlySet<string> = new Set([
  'keys', 'flushall', 'flushdb', 'eval', 'eval_ro', 'evalsha', 'evalsha_ro', 'fcall', 'fcall_ro',
  'script|load', 'function|load', 'function|restore', 'sort', 'sort_ro', 'migrate',
  'sunionstore', 'sinterstore', 'sdiffstore', 'zunionstore', 'zinterstore', 'zdiffstore', 'georadius', 'georadiusbymember'
])

/** True for a command with a reply time of its own (see SLOW). */
export function isSlowCommand (spec: CommandSpec): boolean {
  return SLOW.has(spec.name)
}
