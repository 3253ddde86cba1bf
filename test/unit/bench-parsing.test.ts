import t from 'tap'
import { parseCommandStats } from '../../bench/command-counts.js'
import { markdownTable } from '../../bench/markdown-table.js'
import { parseOutput } from '../../bench/redis-benchmark.js'
import { median, medianInterval, range } from '../../bench/stats.js'

const HEADER = '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"'

t.test('parseOutput reads the CSV row and skips --cluster chatter', async t => {
  const stdout = `Cluster has 3 master nodes:\n\nMaster 0: abc 127.0.0.1:7000\n${HEADER}\n"GET","66313.00","0.526","0.032","0.295","1.951","4.199","10.127"\n`
  t.same(parseOutput(stdout, 'WARNING: Could not fetch server CONFIG\n'), {
    rps: 66313, avgMs: 0.526, p50Ms: 0.295, p99Ms: 4.199, maxMs: 10.127, errors: [], other: []
  })
})

t.test('parseOutput keeps a custom command title with quotes and spaces', async t => {
  const out = parseOutput(`${HEADER}\n"MGET key:__rand_int__ key:__rand_int__","100.5","1","0","2","3","4","5"\n`, '')
  t.equal(out.rps, 100.5)
  t.equal(out.p99Ms, 4)
})

t.test('parseOutput reports the error line of an aborted run and no numbers', async t => {
  // What redis-benchmark 7.0 prints when slotgate answers CROSSSLOT: the header, then exit(1).
  const out = parseOutput(`${HEADER}\n`, "WARNING: Could not fetch server CONFIG\nError from server: CROSSSLOT Keys in request don't hash to the same slot\n")
  t.equal(out.rps, undefined)
  t.same(out.errors, ["Error from server: CROSSSLOT Keys in request don't hash to the same slot"])
})

t.test('parseOutput counts connection failures as errors', async t => {
  const out = parseOutput('', 'Could not connect to Redis at 127.0.0.1:1: Connection refused\n')
  t.same(out.errors, ['Could not connect to Redis at 127.0.0.1:1: Connection refused'])
})

t.test('parseCommandStats reads calls per command', async t => {
  const info = '# Commandstats\r\ncmdstat_set:calls=12,usec=30,usec_per_call=2.50,rejected_calls=0,failed_calls=0\r\ncmdstat_cluster|slots:calls=3,usec=1\r\n'
  t.same([...parseCommandStats(info)], [['set', 12], ['cluster|slots', 3]])
})

t.test('median and range ignore missing values', async t => {
  t.equal(median([3, undefined, 1, 2]), 2)
  t.equal(median([4, 1, 3, 2]), 2.5)
  t.equal(median([undefined]), undefined)
  t.same(range([2, undefined, 5, 1]), [1, 5])
})

t.test('medianInterval: the order statistics of the binomial table for the median', async t => {
  const ascending = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1)
  // Five values reach only 93.75% (both extremes): no 95% interval.
  t.equal(medianInterval(ascending(5)), undefined)
  // Six: the extremes, 1 - 2/64.
  t.same(medianInterval([6, 2, undefined, 4, 1, 5, 3]), { low: 1, high: 6, coverage: 1 - 2 / 64 })
  // Twenty-one: x(6) and x(16), 97.3% (x(7)..x(15) would be 92.2%).
  const i21 = medianInterval(ascending(21).reverse())
  t.equal(i21?.low, 6)
  t.equal(i21?.high, 16)
  t.ok(Math.abs((i21?.coverage ?? 0) - 0.9734) < 1e-4, `coverage ${i21?.coverage}`)
  // A lower confidence narrows it.
  t.same([medianInterval(ascending(21), 0.9)?.low, medianInterval(ascending(21), 0.9)?.high], [7, 15])
})

t.test('markdownTable pads columns and aligns numbers right', async t => {
  t.equal(markdownTable(['a', 'n'], [['x', '1'], ['yy', '100']]), '| a  |   n |\n|:---|----:|\n| x  |   1 |\n| yy | 100 |')
})
