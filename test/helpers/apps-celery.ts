// The Celery application of test/integration/apps-celery.test.ts (issue 15): a tasks module,
// a client that sends tasks and prints every result as JSON, and how to run both with
// Debian's Python against one Redis address (broker and result backend alike).
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startAppProcess, type AppProcess } from './apps-process.js'

/** Debian's interpreter: python3-celery installs into its dist-packages, not a pyenv one. */
export const DEBIAN_PYTHON = '/usr/bin/python3'

// Three queues, so the worker's BRPOP names several keys (kombu adds one per priority step
// too: `celery`, `celery\x06\x163`, ...); `flaky` fails once and is retried with a countdown.
const TASKS_PY = `
import os
from celery import Celery

url = os.environ['APP_REDIS_URL']
app = Celery('slotgate_apps', broker=url, backend=url)
app.conf.update(
    task_serializer='json', result_serializer='json', accept_content=['json'],
    broker_connection_retry_on_startup=False,
    task_routes={'tasks.mul': {'queue': 'math'}, 'tasks.flaky': {'queue': 'retries'}},
)

@app.task
def add(x, y):
    return x + y

@app.task
def mul(x, y):
    return x * y

@app.task(bind=True, max_retries=3, default_retry_delay=0.2)
def flaky(self, i):
    if self.request.retries < 1:
        raise self.retry(exc=RuntimeError('first attempt fails on purpose'))
    return {'i': i, 'retries': self.request.retries}
`

// Prints one JSON line: [kind, i, task id, result] per task, or {"error": ...} on the first
// failure (a result that does not come within the deadline, a broker error).
const CLIENT_PY = `
import json, sys, time
from tasks import add, mul, flaky
n_add, n_mul, n_flaky, deadline = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), time.time() + float(sys.argv[4])
try:
    sent = [('add', i, add.delay(i, i)) for i in range(n_add)]
    sent += [('mul', i, mul.delay(i, 3)) for i in range(n_mul)]
    sent += [('flaky', i, flaky.delay(i)) for i in range(n_flaky)]
    out = [[kind, i, r.id, r.get(timeout=max(0.1, deadline - time.time()))] for kind, i, r in sent]
    print(json.dumps(out))
except Exception as e:
    print(json.dumps({'error': '%s: %s' % (type(e).__name__, e)}))
    sys.exit(1)
`

/** A Celery app written to a temp dir, pointed at `redis://127.0.0.1:<port>/0`. */
export interface CeleryApp {
  readonly dir: string
  /** Starts a worker (prefork pool of 2) consuming the three queues. */
  startWorker (): AppProcess
  /** Runs the client to its end; its output and exit code. */
  runClient (counts: { add: number, mul: number, flaky: number }, deadlineSeconds: number): Promise<{ code: number | null, output: string }>
  /** Removes the temp dir. */
  remove (): Promise<void>
}

/** Writes the app for a Redis at 127.0.0.1:`port`. */
export async function writeCeleryApp (port: number): Promise<CeleryApp> {
  const dir = await mkdtemp(join(tmpdir(), 'slotgate-celery-'))
  await writeFile(join(dir, 'tasks.py'), TASKS_PY)
  await writeFile(join(dir, 'client.py'), CLIENT_PY)
  // A clean environment: no PYTHONPATH or virtualenv of the machine leaks in.
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    LANG: 'C.UTF-8',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    APP_REDIS_URL: `redis://127.0.0.1:${port}/0`
  }
  return {
    dir,
    startWorker () {
      return startAppProcess(DEBIAN_PYTHON, ['-m', 'celery', '-A', 'tasks', 'worker', '-n', 'slotgate-test@%h',
        '-Q', 'celery,math,retries', '-c', '2', '-l', 'info'], { cwd: dir, env })
    },
    async runClient (counts, deadlineSeconds) {
      const p = startAppProcess(DEBIAN_PYTHON, ['client.py', String(counts.add), String(counts.mul), String(counts.flaky), String(deadlineSeconds)], { cwd: dir, env })
      const code = await p.exited
      await p.stop()
      return { code, output: p.output() }
    },
    async remove () {
      await rm(dir, { recursive: true, force: true })
    }
  }
}
