import t from 'tap'
import {
  mergeLatencyHistogram, mergeLatencyHistory, mergeLatencyLatest, mergeMemoryStats, mergeReports, mergeSlowlog
} from '../../src/commands/merge-introspection.js'
import { mergeReplies } from '../../src/commands/merge-replies.js'
import { decodeResp2, RespError } from '../../src/resp/decode-resp2.js'
import { arrayReply, bulkReply, errorReply, integerReply } from '../../src/resp/encode.js'

// Replies are built as redis-server 7.0.15 sends them on a RESP2 connection.
const entry = (id: number, time: number, cmd: string): Buffer => arrayReply([integerReply(id), integerReply(time), integerReply(10),
  arrayReply([bulkReply(cmd)]), bulkReply('127.0.0.1:5000'), bulkReply('')])
const ids = (entries: Buffer[]): string[] => entries.map(e => e.toString('latin1').split('\r\n')[1].slice(1))

t.test('decodeResp2 reads every RESP2 type, nested', async t => {
  t.same(decodeResp2(Buffer.from('*4\r\n:1\r\n$3\r\nabc\r\n*-1\r\n*2\r\n+OK\r\n$-1\r\n')), [1, Buffer.from('abc'), null, [Buffer.from('OK'), null]])
  t.same(decodeResp2(Buffer.from('-ERR bad\r\n')), new RespError('ERR bad'))
  t.throws(() => decodeResp2(Buffer.from('*2\r\n:1\r\n')), /cut short/)
  t.throws(() => decodeResp2(Buffer.from(':1\r\n:2\r\n')), /after its end/)
})

t.test('SLOWLOG GET: newest first over every master, cut to the count; entries untouched', async t => {
  const a = arrayReply([entry(7, 1000, 'get'), entry(6, 990, 'set')])
  const b = arrayReply([entry(3, 1005, 'del'), entry(2, 1000, 'incr'), entry(1, 980, 'mget')])
  t.same(ids(mergeSlowlog([a, b], 3)), ['3', '7', '2'], 'by time, then by id for the same second')
  t.same(mergeSlowlog([a, b], -1).length, 5, '-1: every entry')
  t.same(mergeSlowlog([a, b], 1)[0], entry(3, 1005, 'del'), 'an entry keeps its bytes')
  t.same(mergeSlowlog([arrayReply([]), arrayReply([])], 10), [])
})

t.test('LATENCY LATEST: per event, the newest spike and the largest maximum', async t => {
  const row = (event: string, time: number, latest: number, max: number): unknown[] => [Buffer.from(event), time, latest, max]
  const merged = mergeLatencyLatest([
    [row('command', 100, 20, 30), row('fork', 90, 5, 5)],
    [row('command', 120, 10, 25)],
    []
  ] as never)
  t.same(merged.map(r => [r[0].toString(), r[1], r[2], r[3]]), [['command', 120, 10, 30], ['fork', 90, 5, 5]])
})

t.test('LATENCY HISTORY: samples by time, the largest of a second, at most 160, oldest first', async t => {
  t.same(mergeLatencyHistory([[[10, 5], [12, 7]], [[11, 3], [12, 9]]] as never), [[10, 5], [11, 3], [12, 9]])
  const many = Array.from({ length: 200 }, (_, i) => [i, i])
  const kept = mergeLatencyHistory([many] as never)
  t.equal(kept.length, 160)
  t.same(kept[0], [40, 40], 'the newest 160 kept')
})

t.test('LATENCY HISTOGRAM: calls and buckets summed per command', async t => {
  const h = (calls: number, buckets: number[]): unknown[] => [Buffer.from('calls'), calls, Buffer.from('histogram_usec'), buckets]
  const merged = mergeLatencyHistogram([
    [Buffer.from('set'), h(2, [1, 1, 2, 1]), Buffer.from('get'), h(1, [4, 1])],
    [Buffer.from('set'), h(3, [2, 3])]
  ] as never)
  t.same(merged.get('set'), { calls: 5, buckets: new Map([[1, 1], [2, 4]]) })
  t.same(merged.get('get'), { calls: 1, buckets: new Map([[4, 1]]) })
})

t.test('DOCTOR reports: one text when all agree, else each under its masters', async t => {
  t.equal(mergeReports([{ node: 'a:1', text: 'fine' }, { node: 'b:2', text: 'fine' }]), 'fine')
  t.equal(mergeReports([{ node: 'a:1', text: 'fine' }, { node: 'b:2', text: 'spikes' }, { node: 'c:3', text: 'fine' }]),
    'Masters a:1, c:3:\nfine\n\nMasters b:2:\nspikes')
})

t.test('MEMORY STATS: integers summed (db maps too), ratios recomputed from the sums', async t => {
  const stats = (total: number, startup: number, keys: number, dataset: number, peak: number): unknown[] => [
    Buffer.from('peak.allocated'), peak, Buffer.from('total.allocated'), total, Buffer.from('startup.allocated'), startup,
    Buffer.from('db.0'), [Buffer.from('overhead.hashtable.main'), 72, Buffer.from('overhead.hashtable.expires'), 0],
    Buffer.from('keys.count'), keys, Buffer.from('keys.bytes-per-key'), 999, Buffer.from('dataset.bytes'), dataset,
    Buffer.from('dataset.percentage'), Buffer.from('1.5'), Buffer.from('peak.percentage'), Buffer.from('99.5')
  ]
  const merged = new Map(mergeMemoryStats([stats(3000, 1000, 10, 500, 4000), stats(5000, 1000, 30, 1500, 4000)] as never))
  t.equal(merged.get('total.allocated'), 8000)
  t.equal(merged.get('keys.count'), 40)
  t.same(merged.get('db.0'), [['overhead.hashtable.main', 144], ['overhead.hashtable.expires', 0]])
  t.equal(merged.get('keys.bytes-per-key'), 150, '(8000 - 2000) / 40, not a sum')
  t.same(merged.get('dataset.percentage'), { double: 2000 * 100 / 6000 })
  t.same(merged.get('peak.percentage'), { double: 100 })
})

t.test('mergeReplies: the same error from every part passes unchanged; different ones name their part', async t => {
  const bad = errorReply('ERR unknown subcommand or wrong number of arguments for \'restore\'. Try FUNCTION HELP.')
  t.same(mergeReplies('all-ok', [{ reply: bad, slot: -1, node: 'a:1' }, { reply: bad, slot: -1, node: 'b:2' }]), bad)
  const busy = errorReply('BUSY Redis is busy running a script.')
  t.equal(mergeReplies('all-ok', [{ reply: bad, slot: -1, node: 'a:1' }, { reply: busy, slot: -1, node: 'b:2' }]).toString(),
    '-ERR unknown subcommand or wrong number of arguments for \'restore\'. Try FUNCTION HELP. (slotgate: in the part for a:1, 2 parts)\r\n')
})
