// BullMQ through slotgate (issue 15 point 4): 500 jobs, some delayed, some failing twice and
// retried with a fixed backoff, some failing for good, processed by a worker of concurrency 20,
// every job's return value, attempt count and timing checked from the queue afterwards.
// BullMQ runs everything as Lua scripts over many keys under its prefix (`bull:<queue>:wait`,
// `...:active`, `...:<id>`, ...): in a cluster they must share a slot, which BullMQ's docs get
// with a hash tag in the prefix. So the run through slotgate uses the prefix `{bull}`; with
// the default prefix the scripts' keys span slots, and slotgate must say CROSSSLOT clearly
// (one node could not run the script either) instead of hanging or half-running a job.
import t from 'tap'
import { Queue, Worker, type Job } from 'bullmq'
import { EXPECTED_ERRORS, WireLog } from '../helpers/apps-wire-log.js'
import { type Tap, errorOf, startCoreEnv } from '../helpers/core-env.js'
import { startStandaloneRedis } from '../helpers/standalone-redis.js'

const JOBS = 500
const QUEUE = 'apps'

/** What job `i` is: plain, delayed, failing twice then succeeding, or failing for good. */
type Kind = 'plain' | 'delayed' | 'flaky' | 'doomed'
function kindOf (i: number): Kind {
  if (i % 50 === 2) return 'doomed'
  if (i % 10 === 0) return 'delayed'
  if (i % 10 === 1) return 'flaky'
  return 'plain'
}
const delayOf = (i: number): number => 100 + (i % 7) * 50
const COUNT = (kind: Kind): number => Array.from({ length: JOBS }, (_, i) => kindOf(i)).filter(k => k === kind).length

interface JobData { i: number, kind: Kind }
interface JobResult { i: number, doubled: number, attempt: number }

/**
 * Adds the jobs through a relay in front of `targetPort`, runs a worker until every job
 * completed or failed for good, and checks each job as the queue stores it.
 */
async function runBullmq (t: Tap, targetPort: number, prefix: string): Promise<WireLog> {
  const log = await WireLog.start(targetPort)
  const connection = { host: '127.0.0.1', port: log.port }
  const queue = new Queue<JobData, JobResult>(QUEUE, { connection, prefix })
  const errors: string[] = []
  queue.on('error', err => { errors.push(`queue: ${err.message}`) })
  let settled = 0
  let allSettled: () => void = () => {}
  const done = new Promise<void>(resolve => { allSettled = resolve })
  const worker = new Worker<JobData, JobResult>(QUEUE, async (job: Job<JobData, JobResult>) => {
    const { i, kind } = job.data
    // attemptsMade counts the failed attempts before this one.
    if (kind === 'doomed' || (kind === 'flaky' && job.attemptsMade < 2)) throw new Error(`job ${i} fails on attempt ${job.attemptsMade + 1}`)
    return { i, doubled: 2 * i, attempt: job.attemptsMade + 1 }
  }, { connection, prefix, concurrency: 20 })
  worker.on('error', err => { errors.push(`worker: ${err.message}`) })
  const settle = (): void => { if (++settled === JOBS) allSettled() }
  worker.on('completed', settle)
  worker.on('failed', job => {
    // A failure with attempts left goes back to the delayed set: not settled yet.
    if (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1)) settle()
  })
  try {
    await addAndCheck(t, queue, () => settled, done)
  } finally {
    // Before the caller stops the server: BullMQ's clients reconnect forever otherwise.
    await worker.close(true)
    await queue.close()
    await log.close()
  }
  t.same(errors, [], 'no error event from the queue or the worker')
  return log
}

/** Adds the jobs, waits until `settled()` reaches JOBS (`done`), checks every job. */
async function addAndCheck (t: Tap, queue: Queue<JobData, JobResult>, settled: () => number, done: Promise<void>): Promise<void> {
  const started = Date.now()
  const added = await queue.addBulk(Array.from({ length: JOBS }, (_, i) => {
    const kind = kindOf(i)
    const opts = kind === 'delayed'
      ? { delay: delayOf(i) }
      : kind === 'flaky'
        ? { attempts: 3, backoff: { type: 'fixed', delay: 50 } }
        : kind === 'doomed' ? { attempts: 2, backoff: { type: 'exponential', delay: 20 } } : {}
    return { name: kind, data: { i, kind }, opts: { ...opts, jobId: `job-${i}` } }
  })).catch((err: Error) => { t.fail(`addBulk failed: ${err.message}`); return [] })
  t.equal(added.length, JOBS, `${JOBS} jobs added`)
  if (added.length !== JOBS) return
  let timer: NodeJS.Timeout | undefined
  await Promise.race([done, new Promise(resolve => { timer = setTimeout(resolve, 40_000) })])
  clearTimeout(timer)
  t.equal(settled(), JOBS, `every job settled within 40 s (${Date.now() - started} ms)`)

  const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed')
  t.same(counts, { completed: JOBS - COUNT('doomed'), failed: COUNT('doomed'), waiting: 0, active: 0, delayed: 0 }, 'the queue\'s own counts')
  const wrong: string[] = []
  for (let i = 0; i < JOBS; i++) {
    const job = await queue.getJob(`job-${i}`)
    const kind = kindOf(i)
    if (job === undefined) {
      wrong.push(`job-${i}: missing`)
      continue
    }
    const state = await job.getState()
    if (kind === 'doomed') {
      if (state !== 'failed' || job.attemptsMade !== 2 || job.failedReason !== `job ${i} fails on attempt 2`) wrong.push(`job-${i} (${kind}): ${state}, ${job.attemptsMade} attempts, ${job.failedReason}`)
      continue
    }
    const attempts = kind === 'flaky' ? 3 : 1
    const rv = job.returnvalue
    if (state !== 'completed' || rv?.i !== i || rv.doubled !== 2 * i || rv.attempt !== attempts || job.attemptsMade !== attempts) {
      wrong.push(`job-${i} (${kind}): ${state}, returned ${JSON.stringify(rv)}, ${job.attemptsMade} attempts`)
    } else if (kind === 'delayed' && (job.processedOn ?? 0) - job.timestamp < delayOf(i)) {
      wrong.push(`job-${i} (delayed ${delayOf(i)} ms): processed ${(job.processedOn ?? 0) - job.timestamp} ms after it was added`)
    }
  }
  t.same(wrong, [], 'every job: state, return value, attempts, and no delayed job ran early')
  await queue.obliterate({ force: true })
}

t.test('against a plain redis-server, default prefix (proves the test)', async t => {
  const standalone = await startStandaloneRedis()
  t.teardown(async () => { await standalone.stop() })
  const log = await runBullmq(t, standalone.port, 'bull')
  t.same(log.failureShapes(EXPECTED_ERRORS), [], 'no request got an unexpected error reply')
  t.comment(`commands sent: ${log.commandSummary()}`)
  for (const line of log.crossSlotShapes()) t.comment(`keys in several slots: ${line}`)
})

const env = await startCoreEnv()
t.teardown(async () => { await env.stop() })

t.test('through slotgate, prefix {bull}: one slot per queue, as BullMQ asks of a cluster', async t => {
  const log = await runBullmq(t, env.proxy.port, '{bull}')
  const failures = log.failureShapes(EXPECTED_ERRORS)
  for (const line of failures) t.comment(`slotgate refused: ${line}`)
  t.same(failures, [], 'no request got an unexpected error reply through slotgate')
  t.same(log.crossSlotShapes(), [], 'no request spans slots')
})

t.test('through slotgate, default prefix: CROSSSLOT at once, no job written', async t => {
  const log = await WireLog.start(env.proxy.port)
  const queue = new Queue('untagged', { connection: { host: '127.0.0.1', port: log.port } })
  queue.on('error', () => { /* the add below reports it */ })
  t.teardown(async () => { await queue.close(); await log.close() })
  t.match(await errorOf(queue.add('job', { i: 1 })), /^CROSSSLOT Keys in request don't hash to the same slot/, 'adding a job fails with the cluster\'s own error')
  const keys: string[] = []
  for (const node of env.direct.nodes('master')) keys.push(...await node.keys('bull:untagged:*'))
  // The Queue writes its meta hash with a one-key command when it starts; no job went anywhere.
  t.same(keys.filter(k => k !== 'bull:untagged:meta'), [], 'no job key (id counter, job hash, wait list) was written on any master')
  for (const line of log.failureShapes(EXPECTED_ERRORS)) t.comment(`slotgate refused: ${line}`)
})
