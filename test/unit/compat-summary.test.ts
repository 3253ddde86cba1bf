import t from 'tap'
import { parseOptions } from '../../test/compat/options.js'
import { parseTclOutput, type TclOutcome } from '../../test/compat/parse-tcl-output.js'
import { parseServerVersion, parseVersionHeader } from '../../test/compat/redis-src.js'
import { DEFAULT_FILES, normalizeFile, tclArgs } from '../../test/compat/suite.js'
import { abortReason, formatFailures, formatTable, totals, type FileResult, type RunEnd } from '../../test/compat/summary.js'

const CLEAN_END: RunEnd = { timedOut: false, exitCode: 0, signal: null, durationMs: 2400 }

function result (file: string, output: string, end: RunEnd = CLEAN_END, repairs: string[] = []): FileResult {
  const outcome = parseTclOutput(output)
  return { file, outcome, end, abortReason: abortReason(outcome, end, 300), repairs }
}

const DONE = '[1/1 done]: unit/x (1 seconds)'

t.test('abortReason: first cause that applies', async t => {
  const ran: TclOutcome = parseTclOutput(`[ok]: a (1 ms)\n${DONE}`)
  t.equal(abortReason(ran, CLEAN_END, 300), null)
  t.equal(abortReason(ran, { ...CLEAN_END, timedOut: true, signal: 'SIGKILL' }, 300), 'killed after the 300 s limit')
  const exc = parseTclOutput('[exception]: Executing test client: ERR boom.\n"test {T1} {')
  t.equal(abortReason(exc, { ...CLEAN_END, exitCode: 1 }, 300), 'exception in "T1": ERR boom.')
  t.equal(abortReason(parseTclOutput('[TIMEOUT]: clients state report follows.'), CLEAN_END, 300), 'the suite\'s own timeout fired')
  t.equal(abortReason(parseTclOutput('Killing still running Redis server 9'), CLEAN_END, 300), 'the suite aborted and killed its servers')
  t.equal(abortReason(parseTclOutput('[ok]: a (1 ms)'), { ...CLEAN_END, exitCode: null, signal: 'SIGSEGV' }, 300), 'tclsh ended (SIGSEGV) before the end of the file')
  t.equal(abortReason(parseTclOutput(''), { ...CLEAN_END, exitCode: 1 }, 300), 'tclsh ended (exit code 1) before the end of the file')
})

const RESULTS = [
  result('unit/quit', `[ok]: a (1 ms)\n[ok]: b (1 ms)\n[ok]: c (0 ms)\n${DONE}`),
  result('unit/multi', '[ok]: a (1 ms)\n[ignore]: b: Tag: needs:repl denied\n[exception]: Executing test client: ERR lost | link.\n"test {MULTI and script timeout} {', { ...CLEAN_END, exitCode: 1, durationMs: 6100 }, ['BUSY on 127.0.0.1:7000 ended (SCRIPT KILL: OK; FUNCTION KILL: not tried)']),
  result('unit/type/list', `[ok]: a (1 ms)\n[err]: BLPOP blocked_clients in tests/unit/type/list.tcl\nExpected '0' to equal '1'\n[err]: second in tests/unit/type/list.tcl\nnope\n${DONE}`, { ...CLEAN_END, durationMs: 61_499 })
]

t.test('totals sum counts and count aborted files', async t => {
  t.same(totals(RESULTS), { files: 3, ok: 5, err: 2, exception: 1, aborted: 1, ignored: 1 })
  t.same(totals([]), { files: 0, ok: 0, err: 0, exception: 0, aborted: 0, ignored: 0 })
})

t.test('formatTable: one aligned row per file and a total', async t => {
  const lines = formatTable(RESULTS).split('\n')
  t.equal(lines.length, 6)
  t.match(lines[0], /^\| file +\| ok +\| err \| exception \| aborted \| skipped \| seconds \| note/)
  t.match(lines[1], /^\| -+ \| -+: \| -+: \| -+: \| -+ \| -+: \| -+: \| -+ \|$/)
  t.match(lines[2], /^\| unit\/quit +\| +3 \| +0 \| +0 \| no +\| +0 \| +2 \| +\|$/)
  // The pipe inside the error is escaped so the Markdown table keeps its columns.
  t.match(lines[3], /^\| unit\/multi +\| +1 \| +0 \| +1 \| yes +\| +1 \| +6 \| exception in "MULTI and script timeout": ERR lost \\\| link\.; 1 repair\(s\) after +\|$/)
  t.match(lines[4], /^\| unit\/type\/list +\| +1 \| +2 \| +0 \| no +\| +0 \| +61 \|/)
  t.match(lines[5], /^\| \*\*total\*\* \(3 files\) \| +5 \| +2 \| +1 \| 1 +\| +1 \|/)
  // Every row has as many cells as the header, and all rows are the same width.
  const cells = lines.map(l => l.split(/(?<!\\)\|/).length)
  t.same(new Set(cells).size, 1)
  t.same(new Set(lines.map(l => l.length)).size, 1)
})

t.test('formatTable cuts long notes', async t => {
  const long = result('unit/x', `[exception]: Executing test client: ${'x'.repeat(300)}`, { ...CLEAN_END, exitCode: 1 })
  const row = formatTable([long]).split('\n')[2]
  t.ok(row.length < 200, `row is ${row.length} characters`)
  t.match(row, /…/)
})

t.test('formatFailures lists failures and repairs per file, nothing for clean files', async t => {
  t.equal(formatFailures(RESULTS), [
    'unit/multi:',
    '  [exception] MULTI and script timeout: ERR lost | link.',
    '  [repaired after] BUSY on 127.0.0.1:7000 ended (SCRIPT KILL: OK; FUNCTION KILL: not tried)',
    'unit/type/list:',
    '  [err] BLPOP blocked_clients: Expected \'0\' to equal \'1\'',
    '  [err] second: nope'
  ].join('\n'))
  t.equal(formatFailures([RESULTS[0]]), '')
})

t.test('tclArgs: external mode, cluster mode, one client, denied tags, one file', async t => {
  t.same(tclArgs('127.0.0.1', 7001, 'unit/multi', ['slow', 'needs:debug']), [
    'tests/test_helper.tcl', '--host', '127.0.0.1', '--port', '7001', '--cluster-mode', '--clients', '1',
    '--tags', '-slow -needs:debug', '--single', 'unit/multi'
  ])
  t.same(tclArgs('h', 1, 'unit/x', [], ['A test', '/^B']), [
    'tests/test_helper.tcl', '--host', 'h', '--port', '1', '--cluster-mode', '--clients', '1',
    '--tags', '', '--skiptest', 'A test', '--skiptest', '/^B', '--single', 'unit/x'
  ])
  t.same(tclArgs('h', 1, 'unit/x', ['slow'], [], true).slice(-5), ['--tags', '-slow', '--durable', '--single', 'unit/x'])
  t.equal(DEFAULT_FILES.length, 18)
  t.equal(normalizeFile('tests/unit/type/list.tcl'), 'unit/type/list')
  t.equal(normalizeFile(' unit/multi '), 'unit/multi')
})

t.test('parseOptions', async t => {
  const defaults = parseOptions([], {}, true)
  t.same(defaults, { files: DEFAULT_FILES, direct: false, limitSeconds: 300, outBase: '/work/scratch/compat-results', skipTests: [], durable: false, help: false })
  t.equal(parseOptions([], { COMPAT_OUT: '/tmp/out' }, true).outBase, '/tmp/out')
  t.match(parseOptions([], {}, false).outBase, /slotgate-compat$/)
  const custom = parseOptions(['--files', 'unit/multi,tests/unit/type/list.tcl', '--direct', '--file-timeout', '60', '--out', '/x', '--skip-test', 'T1', '--skip-test', '/^T2', '--durable'], {}, true)
  t.same(custom, { files: ['unit/multi', 'unit/type/list'], direct: true, limitSeconds: 60, outBase: '/x', skipTests: ['T1', '/^T2'], durable: true, help: false })
  t.equal(parseOptions(['--help'], {}, true).help, true)
  t.throws(() => parseOptions(['--files'], {}, true), { code: 'SLOTGATE_ERR_COMPAT_USAGE', message: '--files needs a value' })
  t.throws(() => parseOptions(['--files', ','], {}, true), /at least one file/)
  t.throws(() => parseOptions(['--file-timeout', '0'], {}, true), /whole number/)
  t.throws(() => parseOptions(['--file-timeout', 'soon'], {}, true), /whole number/)
  t.throws(() => parseOptions(['--bogus'], {}, true), /unknown argument --bogus/)
})

t.test('version strings', async t => {
  t.equal(parseVersionHeader('#define REDIS_VERSION "7.0.15"\n#define REDIS_VERSION_NUM 0x0007000f\n'), '7.0.15')
  t.equal(parseVersionHeader('nothing here'), undefined)
  t.equal(parseServerVersion('Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0\n'), '7.0.15')
  t.equal(parseServerVersion('redis-server 7'), undefined)
})
