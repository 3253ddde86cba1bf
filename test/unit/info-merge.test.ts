import t from 'tap'
import { commandStatsFields, errorStatsFields, latencyStatsFields, percentileUsec } from '../../src/exec/info/command-sections.js'
import { humanBytes, mergeSection, overlay, parseInfo, type InfoFields } from '../../src/exec/info/merge-node-info.js'
import { requestedSections } from '../../src/exec/info/requested-sections.js'
import { LatencyBuckets } from '../../src/metrics/latency-buckets.js'
import { errorCode, isRejection, NodeStats } from '../../src/exec/info/node-stats.js'

// INFO texts are shaped as redis-server 7.0.15 writes them (CRLF, `# Title`, name:value).
const node = (section: string, fields: Record<string, string>): string =>
  `# ${section}\r\n${Object.entries(fields).map(([k, v]) => `${k}:${v}\r\n`).join('')}`
const get = (fields: InfoFields, name: string): string | undefined => fields.find(([k]) => k === name)?.[1]

t.test('parseInfo splits sections by lower-cased title and keeps field order', async t => {
  const parsed = parseInfo('# Server\r\nredis_version:7.0.15\r\nos:Linux 6 x86_64\r\n\r\n# CPU\r\nused_cpu_sys:0.1\r\n')
  t.same([...parsed.keys()], ['server', 'cpu'])
  t.same(parsed.get('server'), [['redis_version', '7.0.15'], ['os', 'Linux 6 x86_64']], 'a value may hold spaces and colons')
  t.same(parsed.get('cpu'), [['used_cpu_sys', '0.1']])
  t.same(parseInfo('no title\r\nx:1\r\n').size, 0, 'lines before any title are ignored')
})

t.test('mergeSection: counters summed, flags and host sizes by maximum, oldest save, worst status', async t => {
  const a = parseInfo(node('Persistence', { loading: '0', rdb_changes_since_last_save: '5', rdb_last_save_time: '1000', rdb_last_bgsave_status: 'ok', rdb_saves: '2' })).get('persistence') as InfoFields
  const b = parseInfo(node('Persistence', { loading: '1', rdb_changes_since_last_save: '7', rdb_last_save_time: '900', rdb_last_bgsave_status: 'err', rdb_saves: '1' })).get('persistence') as InfoFields
  const m = mergeSection('persistence', [a, b])
  t.equal(get(m, 'loading'), '1', 'loading if any master loads')
  t.equal(get(m, 'rdb_changes_since_last_save'), '12', 'changes summed')
  t.equal(get(m, 'rdb_last_save_time'), '900', 'the oldest save')
  t.equal(get(m, 'rdb_last_bgsave_status'), 'err', 'a failed status wins')
  t.equal(get(m, 'rdb_saves'), '3')
  t.same(m.map(([k]) => k), ['loading', 'rdb_changes_since_last_save', 'rdb_last_save_time', 'rdb_last_bgsave_status', 'rdb_saves'], 'order kept')
})

t.test('mergeSection: memory sums with *_human and ratios recomputed, not summed', async t => {
  const mem = (used: number, rss: number, peak: number, startup: number, dataset: number): InfoFields =>
    parseInfo(node('Memory', {
      used_memory: String(used),
      used_memory_human: 'x',
      used_memory_rss: String(rss),
      used_memory_peak: String(peak),
      used_memory_peak_perc: '1.00%',
      used_memory_startup: String(startup),
      used_memory_dataset: String(dataset),
      used_memory_dataset_perc: '1.00%',
      total_system_memory: '25276182528',
      used_memory_lua: '32768',
      maxmemory: '0',
      maxmemory_policy: 'noeviction',
      mem_fragmentation_ratio: '9.99',
      mem_allocator: 'jemalloc-5.3.0'
    })).get('memory') as InfoFields
  const m = mergeSection('memory', [mem(1_000_000, 4_000_000, 2_000_000, 500_000, 300_000), mem(2_000_000, 6_000_000, 2_000_000, 500_000, 900_000)])
  t.equal(get(m, 'used_memory'), '3000000')
  t.equal(get(m, 'used_memory_human'), '2.86M', 'human form of the sum')
  t.equal(get(m, 'used_memory_peak_perc'), '75.00%', 'used/peak of the sums')
  t.equal(get(m, 'used_memory_dataset_perc'), '60.00%', 'dataset / (used - startup) of the sums')
  t.equal(get(m, 'mem_fragmentation_ratio'), '3.33', 'rss / used of the sums')
  t.equal(get(m, 'total_system_memory'), '25276182528', 'the host\'s memory is not summed')
  t.equal(get(m, 'used_memory_lua'), '32768', 'one script engine\'s memory, not three')
  t.equal(get(m, 'maxmemory'), '0', 'one unlimited master: unlimited')
  t.equal(get(m, 'maxmemory_policy'), 'noeviction')
  t.equal(get(m, 'mem_allocator'), 'jemalloc-5.3.0', 'text fields: the first master\'s')
})

t.test('mergeSection: maxmemory summed when every master has one; decimals keep their precision', async t => {
  const m = mergeSection('memory', [[['maxmemory', '100']], [['maxmemory', '200']]])
  t.equal(get(m, 'maxmemory'), '300')
  const cpu = mergeSection('cpu', [[['used_cpu_sys', '0.500000']], [['used_cpu_sys', '1.250001']]])
  t.equal(get(cpu, 'used_cpu_sys'), '1.750001')
})

t.test('mergeSection: replication drops the masters\' replica lines and keeps the smallest replica count', async t => {
  const r = (slaves: string, offset: string): InfoFields => [['role', 'master'], ['connected_slaves', slaves],
    ['slave0', 'ip=127.0.0.1,port=7003,state=online,offset=1,lag=0'], ['master_replid', `id${offset}`], ['master_repl_offset', offset]]
  const m = mergeSection('replication', [r('1', '100'), r('2', '50')])
  t.equal(get(m, 'connected_slaves'), '1', 'every shard has at least one')
  t.equal(get(m, 'slave0'), undefined, 'no replica of slotgate is listed')
  t.equal(get(m, 'master_repl_offset'), '150')
  t.equal(get(m, 'master_replid'), 'id100', 'an id: the first master\'s')
})

t.test('mergeSection: the module list is each line once', async t => {
  const line: [string, string] = ['module', 'name=search,ver=20000']
  t.same(mergeSection('modules', [[line], [line], [['module', 'name=json,ver=1']]]), [line, ['module', 'name=json,ver=1']])
  t.same(mergeSection('memory', []), [], 'no master answered: an empty section')
})

t.test('overlay: own values replace merged ones in place, new ones are appended', async t => {
  t.same(overlay([['a', '1'], ['b', '2']], [['b', '20'], ['c', '3']]), [['a', '1'], ['b', '20'], ['c', '3']])
})

t.test('humanBytes as Redis\' bytesToHuman', async t => {
  t.equal(humanBytes(0), '0B')
  t.equal(humanBytes(1023), '1023B')
  t.equal(humanBytes(1024), '1.00K')
  t.equal(humanBytes(1536), '1.50K')
  t.equal(humanBytes(3 * 1024 * 1024), '3.00M')
  t.equal(humanBytes(25276182528), '23.54G', 'as redis-server 7.0.15 prints total_system_memory_human')
})

t.test('requestedSections follows Redis 7\'s argument rules', async t => {
  const defaults = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace']
  t.same(requestedSections([]).sections, defaults, 'no argument: the defaults (no commandstats, latencystats)')
  t.same(requestedSections(['default']).sections, defaults)
  t.ok(requestedSections(['all']).sections.includes('commandstats'), 'all includes commandstats')
  t.same(requestedSections(['all']).everything, false)
  t.same(requestedSections(['everything']).everything, true)
  t.same(requestedSections(['commandSTATS']).sections, ['commandstats'], 'names in any case')
  t.same(requestedSections(['keyspace', 'cpu', 'CPU']).sections, ['cpu', 'keyspace'], 'node order, each once')
  t.same(requestedSections(['cpu', 'sentinel']).sections, ['cpu'], 'unknown names add nothing')
  t.same(requestedSections(['cpu', 'default']).sections, defaults, 'default with a section it holds')
  t.same(requestedSections(['module_list']).sections, ['modules'])
})

t.test('NodeStats counts calls, rejections and failures as commandstats does', async t => {
  const stats = new NodeStats()
  t.teardown(() => { stats.close() })
  const done = (command: string | null, reply: string, ms = 1): void => {
    stats.commandDone({ command, reply: Buffer.from(reply), startedAt: 100 }, 100 + ms)
  }
  done('get', '$1\r\nx\r\n')
  done('get', '$-1\r\n', 3)
  done('incr', '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n')
  done('set', '-ERR wrong number of arguments for \'set\' command\r\n')
  done('mset', '-CROSSSLOT Keys in request don\'t hash to the same slot\r\n')
  done(null, '-ERR unknown command \'foo\', with args beginning with: \r\n')
  t.equal(stats.totalCommands, 3, 'rejected and unknown commands are not processed')
  t.equal(stats.totalErrorReplies, 4)
  t.same(commandStatsFields(stats), [
    ['cmdstat_get', 'calls=2,usec=4000,usec_per_call=2000.00,rejected_calls=0,failed_calls=0'],
    ['cmdstat_incr', 'calls=1,usec=1000,usec_per_call=1000.00,rejected_calls=0,failed_calls=1'],
    ['cmdstat_mset', 'calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0'],
    ['cmdstat_set', 'calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0']
  ])
  t.same(errorStatsFields(stats), [['errorstat_CROSSSLOT', 'count=1'], ['errorstat_ERR', 'count=2'], ['errorstat_WRONGTYPE', 'count=1']])
  t.same(latencyStatsFields(stats).map(([k]) => k), ['latency_percentiles_usec_get', 'latency_percentiles_usec_incr'], 'only commands that ran')
  stats.reset()
  t.same(commandStatsFields(stats), [], 'CONFIG RESETSTAT empties them')
  t.equal(stats.totalCommands, 0)
})

t.test('rejections and error codes', async t => {
  t.ok(isRejection('NOPERM this user has no permissions to run the \'get\' command'))
  t.ok(isRejection('BUSY Redis is busy running a script.'))
  t.ok(isRejection('ERR slotgate: \'DEBUG\' is denied by the proxy\'s command policy (rule \'debug\' in denyCommands)'))
  t.notOk(isRejection('ERR value is not an integer or out of range'))
  t.notOk(isRejection('WRONGTYPE Operation against a key holding the wrong kind of value'))
  t.equal(errorCode('MY_ERR_CODE custom msg'), 'MY_ERR_CODE')
  t.equal(errorCode('NOSPACE'), 'NOSPACE')
})

t.test('percentileUsec: the upper bound of the bucket a quantile falls in', async t => {
  const b = new LatencyBuckets()
  for (let i = 0; i < 99; i++) b.observeMs(0.04) // <= 50 µs
  b.observeMs(3) // <= 5 ms
  t.equal(percentileUsec(b, 0.5), 50)
  t.equal(percentileUsec(b, 0.99), 50)
  t.equal(percentileUsec(b, 0.999), 5000)
})
