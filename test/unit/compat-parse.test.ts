import t from 'tap'
import { parseTclOutput } from '../../test/compat/parse-tcl-output.js'

// Hand-written in the shape test_helper.tcl prints (Redis 7.0): one line per event, an [err]
// followed by its assertion lines, the final recap of failures prefixed with `*** `.
const FINISHED_WITH_FAILURES = [
  'Cleanup: may take some time... OK',
  'Starting test server at port 21079',
  '[ready]: 4242',
  'Testing unit/demo',
  '[ok]: SET and GET an item (1 ms)',
  '[ignore]: something with DEBUG: Tag: needs:debug denied',
  '[skip]: skipped by option',
  '[err]: BLPOP reports a blocked client in tests/unit/demo.tcl',
  'Expected \'0\' to equal or match \'1\'',
  '[ok]: Another good test (12 ms)',
  '[err]: CLIENT UNBLOCK works in tests/unit/demo.tcl',
  'Expected \'ERR unknown subcommand\' to match \'1\'',
  'second line of detail',
  '[ignore]: EXEC with SWAPDB: Not supported on singledb',
  '[1/1 done]: unit/demo (3 seconds)',
  '',
  '                   The End',
  '',
  'Execution time of different units:',
  '  3 seconds - unit/demo',
  '',
  '!!! WARNING The following tests failed:',
  '',
  '*** [err]: BLPOP reports a blocked client in tests/unit/demo.tcl',
  'Expected \'0\' to equal or match \'1\'',
  '*** [err]: CLIENT UNBLOCK works in tests/unit/demo.tcl',
  'Expected \'ERR unknown subcommand\' to match \'1\'',
  'second line of detail',
  'Cleanup: may take some time... OK'
].join('\n')

t.test('a file that ran to its end with failures', async t => {
  const out = parseTclOutput(FINISHED_WITH_FAILURES)
  t.equal(out.ok, 2)
  // The recap at the end repeats both failures; they must not count twice.
  t.equal(out.err, 2)
  t.equal(out.exception, 0)
  t.equal(out.ignored, 2)
  t.equal(out.skipped, 1)
  t.equal(out.done, true)
  t.equal(out.suiteTimeout, false)
  t.equal(out.killedServers, 0)
  t.same(out.failures, [
    { test: 'BLPOP reports a blocked client', detail: 'Expected \'0\' to equal or match \'1\'' },
    { test: 'CLIENT UNBLOCK works', detail: 'Expected \'ERR unknown subcommand\' to match \'1\'\nsecond line of detail' }
  ])
})

const ABORTED = [
  '[ready]: 77',
  'Testing unit/demo',
  '[ok]: first (0 ms)',
  '[exception]: Executing test client: ERR slotgate: no reply within 5000 ms.',
  'ERR slotgate: no reply within 5000 ms',
  '    while executing',
  '"$r eval {while true do end} 0"',
  '    ("uplevel" body line 3)',
  '    invoked from within',
  '"test {MULTI and script timeout} {',
  '        set rd [redis_deferring_client]',
  '    }"',
  'Killing still running Redis server 1234',
  'Killing still running Redis server 1235'
].join('\n')

t.test('a file ended by an exception', async t => {
  const out = parseTclOutput(ABORTED)
  t.equal(out.ok, 1)
  t.equal(out.err, 0)
  t.equal(out.exception, 1)
  t.equal(out.done, false)
  t.equal(out.killedServers, 2)
  t.equal(out.exceptions[0].test, 'MULTI and script timeout')
  t.match(out.exceptions[0].detail, /^ERR slotgate: no reply within 5000 ms\.\n/)
  // The stack trace stays in the detail, the "Killing" lines do not.
  t.match(out.exceptions[0].detail, /invoked from within/)
  t.notMatch(out.exceptions[0].detail, /Killing/)
})

t.test('an exception whose test the trace does not name', async t => {
  const out = parseTclOutput('[exception]: Executing test client: couldn\'t open socket: connection refused.\n    while executing\n"socket 127.0.0.1 6379"')
  t.equal(out.exception, 1)
  t.equal(out.exceptions[0].test, '?')
  t.match(out.exceptions[0].detail, /^couldn't open socket/)
})

t.test('colours and CRLF are ignored', async t => {
  const out = parseTclOutput('[\u001b[0;32mok\u001b[0m]: coloured (1 ms)\r\n[\u001b[0;31merr\u001b[0m]: red one in tests/unit/x.tcl\r\nExpected 1\r\n[\u001b[0;33m1/1 done\u001b[0m]: unit/x (0 seconds)\r\n')
  t.equal(out.ok, 1)
  t.equal(out.err, 1)
  t.same(out.failures, [{ test: 'red one', detail: 'Expected 1' }])
  t.equal(out.done, true)
})

t.test('the suite\'s own timeout, and output cut short', async t => {
  const timeout = parseTclOutput('[ok]: a (1 ms)\n[TIMEOUT]: clients state report follows.\nsock1 => (IN PROGRESS) b\n')
  t.equal(timeout.suiteTimeout, true)
  t.equal(timeout.done, false)
  const cut = parseTclOutput('[ok]: a (1 ms)\n[ok]: b (2 ms)\n')
  t.equal(cut.ok, 2)
  t.equal(cut.done, false)
  t.equal(cut.exception, 0)
  const empty = parseTclOutput('')
  t.same([empty.ok, empty.err, empty.exception, empty.done], [0, 0, 0, false])
})

t.test('a test named without the file suffix keeps its whole name', async t => {
  const out = parseTclOutput('[err]: Check encoding in tests of ziplist\nExpected x\n[1/1 done]: unit/x (0 seconds)')
  t.equal(out.failures[0].test, 'Check encoding in tests of ziplist')
})
