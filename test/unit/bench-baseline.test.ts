import { resolve } from 'node:path'
import t from 'tap'
import { baselineCli } from '../../bench/baseline.js'
import { parseOptions } from '../../bench/options.js'
import type { BenchOutcome } from '../../bench/redis-benchmark.js'
import { memoryTable, summarize, summaryTable } from '../../bench/report.js'
import type { RunRecord, Target } from '../../bench/run-record.js'
import { targetOrder } from '../../bench/targets.js'
import { methods, workloads, type Workload } from '../../bench/workloads.js'

const users = methods(3)[0] as ReturnType<typeof methods>[number]
const get = workloads({ requests: 1000 }, users).find(w => w.id === 'get') as Workload
const getC1 = workloads({ requests: 1000 }, users).find(w => w.id === 'get-c1') as Workload

const outcome = (rps: number, p50 = 1): BenchOutcome => ({ rps, p50Ms: p50, p99Ms: 2 * p50, exitCode: 0, timedOut: false, errors: [], other: [], wallMs: 1000 })
const failed: BenchOutcome = { exitCode: 1, timedOut: false, errors: ['Error from server: ERR'], other: [], wallMs: 10 }

function runs (workload: Workload, table: Array<[number, Target, BenchOutcome, number?]>): RunRecord[] {
  return table.map(([round, target, o, cpu]) => ({ workload, round, target, outcome: o, cpuMicrosPerRequest: cpu, backendCalls: workload.requests }))
}

/** The cells of the row starting with `title`, and the header's cells. */
function row (table: string, title: string): { header: string[], cells: string[] } {
  const split = (line: string): string[] => line.split('|').slice(1, -1).map(c => c.trim())
  const lines = table.split('\n')
  return { header: split(lines[0] as string), cells: split(lines.find(l => l.startsWith(`| ${title} `)) as string) }
}

t.test('--baseline: resolved to an absolute directory, started as a target; none by default', async t => {
  const plain = parseOptions([], undefined)
  t.equal(plain.baseline, undefined)
  t.same(plain.targets, ['slotgate', 'direct', 'slotgate-workers'])
  const quick = parseOptions(['--quick', '--baseline', 'rel/base'], '/bin/predixy')
  t.equal(quick.baseline, resolve('rel/base'))
  t.same(quick.targets, ['slotgate', 'direct', 'slotgate-baseline'], 'the guard: no peer, no --workers, the baseline')
  t.same(parseOptions(['--baseline', '/b'], '/bin/predixy').targets, ['slotgate', 'direct', 'slotgate-baseline', 'predixy', 'slotgate-workers'])
  t.throws(() => parseOptions(['--baseline', ''], undefined), /--baseline needs a directory/)
  t.throws(() => parseOptions(['--baseline'], undefined), /argument missing/)
})

t.test('--targets narrows the run and keeps the other options consistent with it', async t => {
  const two = parseOptions(['--targets', 'slotgate,slotgate-baseline', '--baseline', '/b'], '/bin/predixy')
  t.same(two.targets, ['slotgate', 'slotgate-baseline'])
  t.equal(two.predixyBin, undefined, 'a peer left out is not started')
  t.equal(two.workers, 0, 'the default --workers slotgate left out is not started')
  t.equal(two.baseline, '/b')
  t.same(parseOptions(['--targets', 'direct , slotgate'], '/bin/predixy').targets, ['slotgate', 'direct'], 'in the rotation order, spaces ignored')
  t.equal(parseOptions(['--targets', 'slotgate,predixy'], '/bin/predixy').predixyBin, '/bin/predixy')
  t.throws(() => parseOptions(['--targets', 'direct'], undefined), /must include slotgate/)
  t.throws(() => parseOptions(['--targets', 'slotgate,haproxy'], undefined), /unknown haproxy; known: slotgate,direct,slotgate-baseline,predixy,slotgate-workers/)
  t.throws(() => parseOptions(['--targets', ''], undefined), /--targets: unknown \(empty list\)/)
  t.throws(() => parseOptions(['--targets', 'slotgate,slotgate-baseline'], undefined), /--targets slotgate-baseline needs --baseline DIR/)
  t.throws(() => parseOptions(['--targets', 'slotgate,predixy'], undefined), /--targets predixy needs PREDIXY_BIN/)
  t.throws(() => parseOptions(['--quick', '--targets', 'slotgate,predixy'], '/bin/predixy'), /--targets predixy needs PREDIXY_BIN=\/path\/to\/predixy \(and no --quick\)/)
  t.throws(() => parseOptions(['--quick', '--targets', 'slotgate,slotgate-workers'], undefined), /--targets slotgate-workers needs --workers N/)
  t.throws(() => parseOptions(['--workers', '3', '--targets', 'slotgate'], undefined), /--workers 3 given, but --targets leaves slotgate-workers out/)
  t.throws(() => parseOptions(['--baseline', '/b', '--targets', 'slotgate,direct'], undefined), /--baseline given, but --targets leaves slotgate-baseline out/)
})

t.test('targetOrder rotates every target through every position; --workers only on its workloads', async t => {
  const choice = { targets: ['slotgate', 'direct', 'slotgate-baseline'] as Target[], workersFor: [] }
  t.same(targetOrder(choice, 'get', 1), ['slotgate', 'direct', 'slotgate-baseline'])
  t.same(targetOrder(choice, 'get', 2), ['direct', 'slotgate-baseline', 'slotgate'], 'round 2: the baseline runs before slotgate')
  t.same(targetOrder(choice, 'get', 3), ['slotgate-baseline', 'slotgate', 'direct'])
  t.same(targetOrder(choice, 'get', 4), targetOrder(choice, 'get', 1))
  const all = { targets: ['slotgate', 'direct', 'slotgate-baseline', 'predixy', 'slotgate-workers'] as Target[], workersFor: ['set'] }
  t.same(targetOrder(all, 'set', 2), ['direct', 'slotgate-baseline', 'predixy', 'slotgate-workers', 'slotgate'])
  t.same(targetOrder(all, 'get', 1), ['slotgate', 'direct', 'slotgate-baseline', 'predixy'])
})

t.test('baselineCli finds the built CLI, or says how to build one', async t => {
  t.equal(baselineCli('/tmp/base', p => p === '/tmp/base/dist/src/bin/slotgate.js'), '/tmp/base/dist/src/bin/slotgate.js')
  t.throws(() => baselineCli('/tmp/unbuilt', () => false),
    /--baseline \/tmp\/unbuilt: no \/tmp\/unbuilt\/dist\/src\/bin\/slotgate\.js; .*git worktree add \/tmp\/base <commit> && cd \/tmp\/base && npm ci && npm run build/)
})

t.test('summaries with a baseline: slotgate/baseline is the median of per-round ratios, CPU s / b beside', async t => {
  const m = summarize(get, runs(get, [
    [1, 'direct', outcome(100)], [1, 'slotgate', outcome(60), 20], [1, 'slotgate-baseline', outcome(50), 25],
    [2, 'direct', outcome(200)], [2, 'slotgate', outcome(90), 22], [2, 'slotgate-baseline', outcome(100), 24],
    [3, 'direct', outcome(100)], [3, 'slotgate', outcome(70), 21], [3, 'slotgate-baseline', failed, 99]
  ]))
  // Round 1: 60/50 = 1.2, round 2: 0.9, round 3 left out (the baseline failed): median 1.05.
  t.equal(m.roundRatio('slotgate', 'slotgate-baseline'), 1.05)
  t.equal(m.targets.get('slotgate-baseline')?.cpuMicros, 24.5)
  const c1 = summarize(getC1, runs(getC1, [[1, 'direct', outcome(100)], [1, 'slotgate', outcome(40), 30], [1, 'slotgate-baseline', outcome(50), 28]]))
  const table = summaryTable([m, c1], new Map())
  const { header, cells } = row(table, 'GET -c 50')
  t.same(header.slice(5, 10), ['slotgate/predixy', 'slotgate/baseline', 'CPU µs/req s / p', 'CPU µs/req s / b', 'p50 ms s / p / d'])
  t.same(cells.slice(5, 9), ['—', '1.05', '21.0 / —', '21.0 / 24.5'])
  t.same(row(table, 'GET -c 1').cells.slice(6, 9), ['0.80', '30.0 / —', '30.0 / 28.0'])
  t.match(cells[12], /FAILED: 1 of 9 runs/)
})

t.test('summaries without a baseline keep their columns; --workers rows get none of the baseline', async t => {
  const plain = summaryTable([summarize(get, runs(get, [[1, 'direct', outcome(100)], [1, 'slotgate', outcome(60), 20]]))], new Map())
  t.notMatch(plain, /baseline|s \/ b/)
  t.equal(row(plain, 'GET -c 50').header.length, 11)
  const m = summarize(get, runs(get, [[1, 'direct', outcome(100)], [1, 'slotgate', outcome(60), 20], [1, 'slotgate-baseline', outcome(60), 20], [1, 'slotgate-workers', outcome(80), 30]]))
  const workersRow = row(summaryTable([m], new Map(), 'slotgate --workers 2'), 'GET -c 50, slotgate --workers 2').cells
  t.same([workersRow[2], workersRow[6], workersRow[8]], ['80', '—', '—'])
})

t.test('memory table: a baseline column when one ran, goals on slotgate only', async t => {
  const figures = { idle: 40 * 1024, crowdUnderLoad: 70 * 1024 }
  const table = memoryTable({ slotgate: figures, baseline: { idle: 38 * 1024, crowdConnected: 60 * 1024 } }, 1000)
  t.same(row(table, 'idle, before the warm-up'), { header: ['RSS', 'slotgate MiB', 'predixy MiB', 'baseline MiB', 'goal', 'met'], cells: ['idle, before the warm-up', '40.0', '—', '38.0', '≤ 64 MiB', 'not judged: no predixy in this run'] })
  t.same(row(table, '1,000 clients connected, idle').cells.slice(1, 4), ['—', '—', '60.0'])
  t.notMatch(memoryTable({ slotgate: figures }, 1000), /baseline/)
})
