/**
 * Reads what Redis' `test_helper.tcl` prints for one run into counts. The test server prints one
 * line per event (`[ok]: name (3 ms)`, `[err]: name in tests/unit/x.tcl` followed by the
 * assertion's lines, `[exception]: Executing test client: ...` followed by a Tcl stack trace),
 * `[1/1 done]: unit/x (5 seconds)` when a file ran to its end, and, when it gives up on a file,
 * `[TIMEOUT]` or `Killing still running Redis server <pid>`.
 */

/** One failed test (or the exception that ended a file). */
export interface TclFailure {
  /** The test's name, or `?` when the output does not say. */
  readonly test: string
  /** What the suite printed about it (assertion text, error, stack), trimmed. */
  readonly detail: string
}

/** Counts and failures from one run's output. */
export interface TclOutcome {
  readonly ok: number
  readonly err: number
  readonly exception: number
  /** Tests skipped by a tag (`[ignore]`) or by test options (`[skip]`). */
  readonly ignored: number
  readonly skipped: number
  /** A `[n/m done]` line was seen: the file ran to its end. */
  readonly done: boolean
  /** The suite's own no-progress timeout fired. */
  readonly suiteTimeout: boolean
  /** `Killing still running Redis server` lines (the suite aborting with servers up). */
  readonly killedServers: number
  readonly failures: readonly TclFailure[]
  readonly exceptions: readonly TclFailure[]
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g
const EVENT = /^\[(ok|err|exception|skip|ignore)\]: ?(.*)$/
const DONE = /^\[\d+\/\d+ done\]:/
// Lines that start something new, so they end the multi-line text of an [err] or [exception].
const BOUNDARY = [
  /^\[(ok|err|exception|skip|ignore|ready|TIMEOUT|testing)\]/, DONE, /^Testing /, /^\s+The End\s*$/,
  /^Killing still running Redis server/, /^Execution time of different units:/, /^\*\*\* \[/,
  /^!!! WARNING/, /^Cleanup: /, /^Starting test server at port/
]

function isBoundary (line: string): boolean {
  return BOUNDARY.some(re => re.test(line))
}

/** `name in tests/unit/x.tcl` → `name` (the suite appends the file to a failed test's name). */
function testName (firstLine: string): string {
  const name = firstLine.replace(/ in tests\/\S+\.tcl$/, '').trim()
  return name === '' ? '?' : name
}

/** The test an exception came from, from the Tcl stack trace (`"test {name} {`), if it shows. */
function exceptionTestName (text: string): string {
  const braced = /invoked from within\s*\n\s*"test \{([^}\n]*)\}/.exec(text) ?? /"test \{([^}\n]*)\}/.exec(text)
  if (braced !== null) return braced[1]
  const quoted = /"test "([^"\n]*)"/.exec(text) ?? /"test \\"([^"\n]*)\\"/.exec(text)
  return quoted !== null ? quoted[1] : '?'
}

/** Parses one run's combined stdout and stderr (colours or not). */
export function parseTclOutput (output: string): TclOutcome {
  const lines = output.replace(ANSI, '').split(/\r?\n/)
  let ok = 0
  let skipped = 0
  let ignored = 0
  let done = false
  let suiteTimeout = false
  let killedServers = 0
  const failures: TclFailure[] = []
  const exceptions: TclFailure[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (DONE.test(line)) { done = true; continue }
    if (line.startsWith('[TIMEOUT]')) { suiteTimeout = true; continue }
    if (line.startsWith('Killing still running Redis server')) { killedServers++; continue }
    const event = EVENT.exec(line)
    if (event === null) continue
    const [, status, data] = event
    if (status === 'ok') ok++
    else if (status === 'skip') skipped++
    else if (status === 'ignore') ignored++
    else {
      const body = [data]
      while (i + 1 < lines.length && !isBoundary(lines[i + 1])) body.push(lines[++i])
      const text = body.join('\n').trim()
      if (status === 'err') {
        failures.push({ test: testName(data), detail: body.slice(1).join('\n').trim() })
      } else {
        exceptions.push({ test: exceptionTestName(text), detail: text.replace(/^Executing test client: /, '') })
      }
    }
  }
  return { ok, err: failures.length, exception: exceptions.length, ignored, skipped, done, suiteTimeout, killedServers, failures, exceptions }
}
