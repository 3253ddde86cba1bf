/**
 * What the compatibility run measures: the Redis test files of issue 16 and the tags left out,
 * and the `test_helper.tcl` command line for one file in external-server mode.
 */

/** The 18 files of Redis' own `tests/` measured by default, in the order they run. */
export const DEFAULT_FILES: readonly string[] = [
  'unit/type/string', 'unit/type/incr', 'unit/type/list', 'unit/type/hash', 'unit/type/set',
  'unit/type/zset', 'unit/type/stream', 'unit/expire', 'unit/keyspace', 'unit/scan',
  'unit/info-command', 'unit/multi', 'unit/scripting', 'unit/functions', 'unit/pubsub',
  'unit/bitops', 'unit/sort', 'unit/quit'
]

/**
 * Tags whose tests are skipped. Each names something an external server cannot offer to a test
 * that only has one client address: DEBUG, replication streams, server restarts, a
 * maxmemory that would hit every node, RESETSTAT's whole-server counters, local log files.
 * `slow` keeps a run short.
 */
export const DENIED_TAGS: readonly string[] = [
  'slow', 'needs:debug', 'needs:repl', 'needs:config-maxmemory', 'needs:config-resetstat',
  'needs:reset', 'needs:save', 'needs:pfdebug', 'needs:local-process', 'needs:latency'
]

/**
 * Arguments to `tclsh` (run in the Redis source dir) for one file against `host:port`.
 * `--host/--port` select external-server mode (no server is spawned; each test group starts with
 * FLUSHALL and FUNCTION FLUSH); `--cluster-mode` implies `--singledb` (no SELECT) and skips tests
 * tagged `cluster:skip`; one client, so tests run one after another. Each of `skipTests` (a
 * test's name, or a regexp after a leading `/`) is skipped with `--skiptest`; `durable` adds
 * `--durable` (a test that throws is reported as [err] and the file goes on).
 */
export function tclArgs (host: string, port: number, file: string, deniedTags: readonly string[] = DENIED_TAGS, skipTests: readonly string[] = [], durable = false): string[] {
  return [
    'tests/test_helper.tcl', '--host', host, '--port', String(port), '--cluster-mode', '--clients', '1',
    '--tags', deniedTags.map(t => `-${t}`).join(' '), ...skipTests.flatMap(t => ['--skiptest', t]),
    ...(durable ? ['--durable'] : []), '--single', file
  ]
}

/** A file name as given (`unit/multi`, `tests/unit/multi.tcl`) in the `unit/multi` form test_helper wants. */
export function normalizeFile (file: string): string {
  return file.trim().replace(/^\.?\/?tests\//, '').replace(/\.tcl$/, '')
}
