import t from 'tap'
import { judgeRow, judgeRss } from '../../bench/goals.js'
import { parseOptions } from '../../bench/options.js'
import { predixyConfig } from '../../bench/predixy-process.js'
import { cutToWindow, type CpuProfile } from '../../bench/profile-write.js'
import { compareQuick, quickRecord } from '../../bench/quick-compare.js'
import type { BenchOutcome } from '../../bench/redis-benchmark.js'
import { summarize, summaryTable } from '../../bench/report.js'
import type { RunRecord, Target } from '../../bench/run-record.js'
import { methods, workloads, type Workload } from '../../bench/workloads.js'

const [users, threads] = methods(3) as [ReturnType<typeof methods>[number], ReturnType<typeof methods>[number]]

t.test('workloads: the users method runs no --threads through the proxies, --cluster direct', async t => {
  const get = workloads({ requests: 1000 }, users).find(w => w.id === 'get') as Workload
  t.same(get.viaProxy, ['-t', 'get', '-n', '1000', '-r', '100000', '-c', '50'])
  t.same(get.direct, ['--cluster', '-t', 'get', '-n', '1000', '-r', '100000', '-c', '50'])
  const threaded = workloads({ requests: 1000 }, threads).find(w => w.id === 'get') as Workload
  t.same(threaded.viaProxy.slice(0, 2), ['--threads', '3'])
  t.same(threaded.direct.slice(0, 3), ['--cluster', '--threads', '3'])
  const mget = workloads({ requests: 1000 }, users).find(w => w.id === 'mget') as Workload
  t.ok(mget.direct.includes('key{tag}:__rand_int__'), 'direct MGET keys carry the {tag} --cluster needs')
  t.notOk(mget.viaProxy.includes('key{tag}:__rand_int__'), 'keys through the proxies spread over slots')
})

t.test('options: defaults, --quick, --workers, bad values', async t => {
  const full = parseOptions([], '/bin/predixy')
  t.same(full.methods.map(m => m.id), ['users', 'threads'])
  t.equal(full.predixyBin, '/bin/predixy')
  t.equal(full.workers, 2)
  t.equal(full.rounds, 3)
  const quick = parseOptions(['--quick'], '/bin/predixy')
  t.same(quick.methods.map(m => m.id), ['users'])
  t.equal(quick.predixyBin, undefined, 'the guard compares slotgate with itself: no peer')
  t.equal(quick.workers, 0)
  t.equal(quick.rounds, 2)
  t.notOk(quick.workloadIds.includes('mget'))
  t.equal(parseOptions(['--workers', '0'], undefined).workers, 0)
  t.throws(() => parseOptions(['--workers', '1'], undefined), /--workers 1/)
  t.throws(() => parseOptions(['--methods', 'users,fast'], undefined), /unknown fast/)
  t.throws(() => parseOptions(['--rounds', '0'], undefined), /at least 1/)
})

t.test('predixy configuration: one worker thread, reads from masters, every seed listed', async t => {
  const conf = predixyConfig(['127.0.0.1:7000', '127.0.0.1:7001'], 7617)
  t.match(conf, /^Bind 127\.0\.0\.1:7617$/m)
  t.match(conf, /^WorkerThreads 1$/m)
  t.match(conf, /^ClientTimeout 0$/m)
  t.match(conf, /^ {4}MasterReadPriority 100$/m)
  t.match(conf, /^ {4}StaticSlaveReadPriority 0$/m)
  t.match(conf, /^ {4}DynamicSlaveReadPriority 0$/m)
  t.match(conf, /Servers \{\n {8}\+ 127\.0\.0\.1:7000\n {8}\+ 127\.0\.0\.1:7001\n {4}\}\n\}\n$/)
})

t.test('goals: a row meets them only with the peer, at s/p ≥ 1 and CPU ≤ 1.1×', async t => {
  t.same(judgeRow({ peerRatio: 1.02, cpuSlotgate: 10.9, cpuPredixy: 10, latency: false }, true), { goal: 's/p ≥ 1.00, CPU ≤ 1.10× p', met: 'yes' })
  t.same(judgeRow({ peerRatio: 0.8, cpuSlotgate: 20, cpuPredixy: 10, latency: false }, true).met, 'no: s/p 0.80, CPU 2.00×')
  t.same(judgeRow({ peerRatio: 1.1, cpuSlotgate: 10, cpuPredixy: 10, p50: 0.12, latency: true }, true),
    { goal: 's/p ≥ 1.00, CPU ≤ 1.10× p, p50 ≤ 0.11 ms', met: 'no: p50 0.120 ms' })
  t.equal(judgeRow({ peerRatio: 1.1, cpuSlotgate: 10, cpuPredixy: 10, latency: false }, false).met, 'not judged: no predixy in this run')
  t.equal(judgeRow({ cpuSlotgate: 10, cpuPredixy: 10, latency: false }, true).met, 'not judged: runs failed')
  t.same(judgeRss(70 * 1024, 64 * 1024, true), { goal: '≤ 64 MiB', met: 'no: 70.0 MiB' })
  t.equal(judgeRss(60 * 1024, 64 * 1024, true).met, 'yes')
})

const outcome = (rps: number, p50 = 1): BenchOutcome => ({ rps, p50Ms: p50, p99Ms: 2 * p50, exitCode: 0, timedOut: false, errors: [], other: [], wallMs: 1000 })
const failed: BenchOutcome = { exitCode: 1, timedOut: false, errors: ['Error from server: ERR'], other: [], wallMs: 10 }

function runs (workload: Workload, table: Array<[number, Target, BenchOutcome, number?]>): RunRecord[] {
  return table.map(([round, target, o, cpu]) => ({ workload, round, target, outcome: o, cpuMicrosPerRequest: cpu, backendCalls: workload.requests }))
}

t.test('summaries: per-round ratios, their medians, slotgate/predixy, and the verdict in the table', async t => {
  const get = workloads({ requests: 1000 }, users).find(w => w.id === 'get') as Workload
  const records = runs(get, [
    [1, 'direct', outcome(100)], [1, 'slotgate', outcome(60, 0.9), 20], [1, 'predixy', outcome(75), 10],
    [2, 'direct', outcome(200)], [2, 'slotgate', outcome(100, 1.1), 22], [2, 'predixy', outcome(160), 12],
    [3, 'direct', outcome(100)], [3, 'slotgate', failed, 99], [3, 'predixy', outcome(70), 11]
  ])
  const m = summarize(get, records)
  // Rounds 1 and 2: 0.60 and 0.50; round 3 failed and is left out.
  t.equal(m.targets.get('slotgate')?.ratio, 0.55)
  t.equal(m.targets.get('predixy')?.ratio, 0.75)
  // 60/75 = 0.8 and 100/160 = 0.625.
  t.equal(m.peerRatio('slotgate'), 0.7125)
  t.equal(m.targets.get('slotgate')?.cpuMicros, 21)
  t.equal(m.targets.get('predixy')?.cpuMicros, 11)
  t.equal(m.failedRuns, 1)
  const table = summaryTable([m], new Map())
  const row = table.split('\n').find(l => l.startsWith('| GET -c 50')) as string
  const cells = row.split('|').slice(1, -1).map(c => c.trim())
  t.same(cells.slice(0, 10), ['GET -c 50', '100', '80', '0.55', '0.75', '0.71', '21.0 / 11.0', '1.000 / 1.000 / 1.000', 's/p ≥ 1.00, CPU ≤ 1.10× p', 'no: s/p 0.71, CPU 1.91×'])
  t.match(cells[10], /FAILED: 1 of 9 runs/)
})

t.test('slotgate/baseline: the median of the per-round ratios, with its 95% interval from 6 rounds on', async t => {
  const set = workloads({ requests: 1000 }, users).find(w => w.id === 'set') as Workload
  const baselineRow = (rounds: number): string[] => {
    // slotgate's ops/s over the baseline's: 0.90, 0.95, 1.00, ... by round.
    const records = runs(set, Array.from({ length: rounds }, (_, i): Array<[number, Target, BenchOutcome, number?]> =>
      [[i + 1, 'slotgate', outcome(90 + 5 * i), 10], [i + 1, 'slotgate-baseline', outcome(100), 10]]).flat())
    const row = summaryTable([summarize(set, records)], new Map()).split('\n').find(l => l.startsWith('| SET -c 50')) as string
    return row.split('|').slice(1, -1).map(c => c.trim())
  }
  t.equal(baselineRow(5)[6], '1.00', 'five rounds: no interval reaches 95%')
  t.equal(baselineRow(7)[6], '1.05 (0.90–1.20)', 'seven rounds: the extremes (98.4%)')
  t.equal(baselineRow(9)[6], '1.10 (0.95–1.25)', 'nine rounds: the second from each end (96.1%)')
})

t.test('cutToWindow keeps the samples inside the window and restarts the clock at the first', async t => {
  const profile: CpuProfile = { nodes: [], startTime: 1000, endTime: 2000, samples: [1, 2, 3, 4, 5], timeDeltas: [100, 100, 100, 100, 100] }
  // Sample times: 1100, 1200, 1300, 1400, 1500.
  t.same(cutToWindow(profile, { fromUs: 1150, toUs: 1400 }), { nodes: [], startTime: 1200, endTime: 1400, samples: [2, 3, 4], timeDeltas: [0, 100, 100] })
  t.equal(cutToWindow(profile, { fromUs: 3000, toUs: 4000 }), undefined)
})

t.test('the regression guard compares CPU, ratio and p50 with the previous run', async t => {
  const get = workloads({ requests: 1000 }, users).find(w => w.id === 'get') as Workload
  const before = quickRecord('d1', 'abc', '0.1', [summarize(get, runs(get, [[1, 'direct', outcome(100)], [1, 'slotgate', outcome(50), 20]]))], 60 * 1024, 80 * 1024)
  const now = quickRecord('d2', 'def', '0.2', [summarize(get, runs(get, [[1, 'direct', outcome(100)], [1, 'slotgate', outcome(60), 25]]))], 61 * 1024, 80 * 1024)
  const text = compareQuick(before, now)
  t.match(text, /Before: abc at d1 .* now: def at d2/)
  t.match(text, /\| GET -c 50 +\| +20\.0 → 25\.0 \(\+25%\) \| +0\.50 → 0\.60 \(\+20%\) \| +1\.000 → 1\.000 \(\+0%\) \|/)
  t.match(text, /RSS, MiB: idle 60\.0 → 61\.0 \(\+2%\); 1,000 clients under load 80\.0 → 80\.0 \(\+0%\)/)
})
