// bee-queue through slotgate (issue 15 point 4): a producer queue and a worker queue (each with
// its own command, blocking and Pub/Sub connections, node_redis 3 underneath), 200 jobs of
// which some are delayed, some fail once and are retried with a fixed backoff and some fail
// for good; every result comes back to the producer as a Pub/Sub job event and is checked,
// as is each job's stored status and the queue's own counts. bee-queue keeps a queue in keys
// `<prefix>:<name>:waiting`, `...:active`, `...:jobs`, ... moved between by Lua scripts and
// BRPOPLPUSH waiting -> active: one slot only with a hash tag, so through slotgate the prefix
// is `{bq}`; with the default prefix slotgate must refuse clearly (CROSSSLOT).
import t from 'tap'
import BeeQueue from 'bee-queue'
import { EXPECTED_ERRORS, WireLog } from '../helpers/apps-wire-log.js'
import { type Tap, errorOf, startCoreEnv } from '../helpers/core-env.js'
import { startStandaloneRedis } from '../helpers/standalone-redis.js'

const JOBS = 200
const QUEUE = 'apps'

type Kind = 'plain' | 'delayed' | 'flaky' | 'doomed'
function kindOf (i: number): Kind {
  if (i % 50 === 2) return 'doomed'
  if (i % 10 === 0) return 'delayed'
  if (i % 10 === 1) return 'flaky'
  return 'plain'
}
const delayOf = (i: number): number => 100 + (i % 7) * 50
const count = (kind: Kind): number => Array.from({ length: JOBS }, (_, i) => kindOf(i)).filter(k => k === kind).length

interface JobData { i: number, kind: Kind, notBefore: number }

/** Runs producer and worker through a relay in front of `targetPort`; checks every job. */
async function runBeeQueue (t: Tap, targetPort: number, prefix: string): Promise<WireLog> {
  const log = await WireLog.start(targetPort)
  const redis = { host: '127.0.0.1', port: log.port }
  // The producer sends no job and activates nothing; the worker also moves delayed jobs in.
  const producer = new BeeQueue<JobData>(QUEUE, { redis, prefix, isWorker: false, getEvents: true })
  const worker = new BeeQueue<JobData>(QUEUE, { redis, prefix, isWorker: true, getEvents: false, activateDelayedJobs: true, delayedDebounce: 50 })
  const errors: string[] = []
  producer.on('error', err => { errors.push(`producer: ${err.message}`) })
  worker.on('error', err => { errors.push(`worker: ${err.message}`) })
  try {
    await checkJobs(t, producer, worker)
  } finally {
    // Before the caller stops the server: node_redis reconnects forever otherwise.
    await worker.close(2000)
    await producer.close(2000)
    await log.close()
  }
  t.same(errors, [], 'no error event from either queue')
  return log
}

async function checkJobs (t: Tap, producer: BeeQueue<JobData>, worker: BeeQueue<JobData>): Promise<void> {
  await producer.ready()
  await worker.ready()
  const processedAt = new Map<number, number>()
  worker.process(10, async job => {
    const { i, kind } = job.data
    processedAt.set(i, Date.now())
    // stacktraces holds one entry per failed attempt so far.
    const failures = (job.options.stacktraces as unknown[] | undefined)?.length ?? 0
    if (kind === 'doomed' || (kind === 'flaky' && failures < 1)) throw new Error(`job ${i} fails on attempt ${failures + 1}`)
    return { i, doubled: 2 * i, attempt: failures + 1 }
  })

  // Each job's fate as the producer hears it: job events travel over Pub/Sub.
  const outcomes = new Map<number, string>()
  let allSettled: () => void = () => {}
  const done = new Promise<void>(resolve => { allSettled = resolve })
  const settle = (i: number, outcome: string): void => {
    outcomes.set(i, outcome)
    if (outcomes.size === JOBS) allSettled()
  }
  const started = Date.now()
  const jobs = Array.from({ length: JOBS }, (_, i) => {
    const kind = kindOf(i)
    const notBefore = kind === 'delayed' ? started + delayOf(i) : 0
    const job = producer.createJob({ i, kind, notBefore })
    if (kind === 'delayed') job.delayUntil(notBefore)
    if (kind === 'flaky') job.retries(2).backoff('fixed', 50)
    job.on('succeeded', (result: unknown) => { settle(i, `succeeded ${JSON.stringify(result)}`) })
    job.on('failed', (err: Error) => { settle(i, `failed ${err.message}`) })
    return job
  })
  const saveErrors = await producer.saveAll(jobs)
  t.equal(saveErrors.size, 0, `${JOBS} jobs saved`, { errors: [...saveErrors.values()].map(e => e.message) })
  if (saveErrors.size > 0) return
  let timer: NodeJS.Timeout | undefined
  await Promise.race([done, new Promise(resolve => { timer = setTimeout(resolve, 30_000) })])
  clearTimeout(timer)
  t.equal(outcomes.size, JOBS, `every job's outcome reached the producer within 30 s (${Date.now() - started} ms)`)

  const wrong: string[] = []
  for (const [i, job] of jobs.entries()) {
    const kind = kindOf(i)
    const expected = kind === 'doomed'
      ? `failed job ${i} fails on attempt 1`
      : `succeeded ${JSON.stringify({ i, doubled: 2 * i, attempt: kind === 'flaky' ? 2 : 1 })}`
    if (outcomes.get(i) !== expected) wrong.push(`job ${i} (${kind}): ${outcomes.get(i) ?? 'no outcome'}`)
    const stored = await producer.getJob(job.id)
    const status = kind === 'doomed' ? 'failed' : 'succeeded'
    if (stored?.status !== status) wrong.push(`job ${i} (${kind}): stored status ${String(stored?.status)}`)
    if (kind === 'delayed' && (processedAt.get(i) ?? 0) < job.data.notBefore) wrong.push(`job ${i} ran ${job.data.notBefore - (processedAt.get(i) ?? 0)} ms early`)
  }
  t.same(wrong, [], 'every job: outcome, stored status, and no delayed job ran early')
  const health = await producer.checkHealth()
  t.same({ ...health, newestJob: undefined }, { waiting: 0, active: 0, succeeded: JOBS - count('doomed'), failed: count('doomed'), delayed: 0, newestJob: undefined },
    'the queue\'s own counts')
  await producer.destroy()
}

t.test('against a plain redis-server, default prefix (proves the test)', async t => {
  const standalone = await startStandaloneRedis()
  t.teardown(async () => { await standalone.stop() })
  const log = await runBeeQueue(t, standalone.port, 'bq')
  t.same(log.failureShapes(EXPECTED_ERRORS), [], 'no request got an unexpected error reply')
  t.comment(`commands sent: ${log.commandSummary()}`)
  for (const line of log.crossSlotShapes()) t.comment(`keys in several slots: ${line}`)
})

const env = await startCoreEnv()
t.teardown(async () => { await env.stop() })

t.test('through slotgate, prefix {bq}: one slot per queue', async t => {
  const log = await runBeeQueue(t, env.proxy.port, '{bq}')
  const failures = log.failureShapes(EXPECTED_ERRORS)
  for (const line of failures) t.comment(`slotgate refused: ${line}`)
  t.same(failures, [], 'no request got an unexpected error reply through slotgate')
  t.same(log.crossSlotShapes(), [], 'no request spans slots')
})

t.test('through slotgate, default prefix: CROSSSLOT at once, no job written', async t => {
  const log = await WireLog.start(env.proxy.port)
  const queue = new BeeQueue('untagged', { redis: { host: '127.0.0.1', port: log.port }, isWorker: false, getEvents: false })
  queue.on('error', () => { /* the save below reports it */ })
  t.teardown(async () => { await queue.close(2000); await log.close() })
  await queue.ready()
  t.match(await errorOf(queue.createJob({ i: 1 }).save()), /CROSSSLOT Keys in request don't hash to the same slot/, 'saving a job fails with the cluster\'s own error')
  const keys: string[] = []
  for (const node of env.direct.nodes('master')) keys.push(...await node.keys('bq:untagged:*'))
  t.same(keys, [], 'no key of the queue was written on any master')
  for (const line of log.failureShapes(EXPECTED_ERRORS)) t.comment(`slotgate refused: ${line}`)
})
