// Celery through slotgate (issue 15 point 4): Debian's python3-celery with kombu's Redis
// transport as broker and Redis as result backend, both at slotgate's one address, in front of
// a real 3-master cluster. A worker (prefork pool of 2) consumes three queues; a client sends
// 100 add tasks, 10 to a second queue and 5 that fail once and are retried, and every result
// is checked, in the client and in the result keys on the cluster. The same run against a
// plain redis-server first proves the test itself. A logging relay in front of the target
// prints every command shape that got an error reply: what slotgate has yet to learn.
import t from 'tap'
import { Redis } from 'ioredis'
import { type CeleryApp, DEBIAN_PYTHON, writeCeleryApp } from '../helpers/apps-celery.js'
import type { AppProcess } from '../helpers/apps-process.js'
import { debianPythonImports, ensureDebianPackages } from '../helpers/apps-debian.js'
import { EXPECTED_ERRORS, WireLog } from '../helpers/apps-wire-log.js'
import { type Tap, startCoreEnv } from '../helpers/core-env.js'
import { startStandaloneRedis } from '../helpers/standalone-redis.js'

const COUNTS = { add: 100, mul: 10, flaky: 5 }
const ready = ensureDebianPackages(['python3-celery', 'python3-redis'], () => debianPythonImports('celery', 'kombu', 'redis'))

/** Where the test reads the result keys: a client on the node, or on the cluster. */
interface ResultStore { get: (key: string) => Promise<string | null> }

/** What one task must have returned. */
function expected (kind: string, i: number): unknown {
  if (kind === 'add') return i + i
  if (kind === 'mul') return i * 3
  return { i, retries: 1 }
}

/**
 * Runs worker + client against `targetPort` through a logging relay and checks every result;
 * `resultStore` reads what landed. Returns the relay's log for the caller's checks.
 */
async function runCelery (t: Tap, targetPort: number, resultStore: ResultStore): Promise<WireLog> {
  const log = await WireLog.start(targetPort)
  const app = await writeCeleryApp(log.port)
  const worker = app.startWorker()
  try {
    await checkCelery(t, app, worker, resultStore)
  } finally {
    // Before the caller stops the server: slotgate's close waits for its clients to leave.
    await worker.stop()
    await log.close()
    await app.remove()
  }
  return log
}

/** Waits for the worker, runs the client, checks every result where it came back and landed. */
async function checkCelery (t: Tap, app: CeleryApp, worker: AppProcess, resultStore: ResultStore): Promise<void> {
  let workerReady = true
  await worker.waitFor(/ ready\./, 20_000).catch((err: Error) => {
    workerReady = false
    t.fail(`the Celery worker did not start: ${err.message.split('\n')[0]}`, { diagnostic: true, worker: worker.output().slice(-2000) })
  })
  // Without a worker the client still runs briefly, so its own command shapes are logged too.
  const { code, output } = await app.runClient(COUNTS, workerReady ? 40 : 5)
  const lastLine = output.trim().split('\n').at(-1) ?? ''
  let results: Array<[string, number, string, unknown]> = []
  try {
    const parsed = JSON.parse(lastLine) as unknown
    if (Array.isArray(parsed)) results = parsed as typeof results
  } catch {
    // Not JSON: a traceback, shown below.
  }
  t.equal(code, 0, 'the client got every result', { output: output.slice(-2000) })
  t.equal(results.length, COUNTS.add + COUNTS.mul + COUNTS.flaky, 'one result per task sent')
  const wrong = results.filter(([kind, i, , result]) => JSON.stringify(result) !== JSON.stringify(expected(kind, i)))
  t.same(wrong, [], 'every result is the task\'s own')
  // What landed in the result backend: celery-task-meta-<id> as Celery's JSON.
  const metas = await Promise.all(results.map(async r => await resultStore.get(`celery-task-meta-${r[2]}`)))
  const stored = metas.map(m => m === null ? null : JSON.parse(m) as { status: string, result: unknown })
  t.equal(stored.filter((m, n) => m?.status === 'SUCCESS' && JSON.stringify(m.result) === JSON.stringify(results[n][3])).length,
    COUNTS.add + COUNTS.mul + COUNTS.flaky, 'every task\'s result is stored as SUCCESS with its value')
  t.equal(worker.output().match(/Task tasks\.flaky\[[^\]]+\] retry:/g)?.length ?? 0, COUNTS.flaky, 'each flaky task was retried once by the worker')
  t.notOk(/Traceback|ERROR\//.test(worker.output()), 'the worker logged no error', { worker: worker.output().slice(-3000) })
}

if (!ready.ok) {
  t.comment(`skipped: ${ready.reason}`)
  t.plan(0, ready.reason)
} else {
  t.comment(`Debian Python ${DEBIAN_PYTHON} has celery, kombu and redis`)

  t.test('against a plain redis-server (proves the test)', async t => {
    const standalone = await startStandaloneRedis()
    const store = new Redis({ port: standalone.port, host: '127.0.0.1', protocol: 2 })
    t.teardown(async () => { store.disconnect(); await standalone.stop() })
    const log = await runCelery(t, standalone.port, store)
    t.same(log.failureShapes(EXPECTED_ERRORS), [], 'no request got an unexpected error reply')
    // What a cluster has to cope with: printed for whoever makes slotgate handle them.
    t.comment(`commands sent: ${log.commandSummary()}`)
    for (const line of log.crossSlotShapes()) t.comment(`keys in several slots: ${line}`)
  })

  t.test('through slotgate in front of a 3-master cluster', async t => {
    const env = await startCoreEnv()
    t.teardown(async () => { await env.stop() })
    const log = await runCelery(t, env.proxy.port, env.direct)
    const failures = log.failureShapes(EXPECTED_ERRORS)
    for (const line of failures) t.comment(`slotgate refused: ${line}`)
    t.same(failures, [], 'no request got an unexpected error reply through slotgate')
  })
}
