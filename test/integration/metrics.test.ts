// /metrics against a real 3-master/3-replica cluster: traffic through slotgate, then a
// scrape must show exactly the counts that traffic implies — commands by name and result,
// latency histograms, bytes both ways, connections, a MOVED after a slot moved behind
// slotgate's back and the refresh it triggers, a failover — and follow Prometheus' naming.
import { readFileSync } from 'node:fs'
import net from 'node:net'
import t from 'tap'
import { keySlot } from '../../src/cluster/key-slot.js'
import { LocalCluster } from '../harness/local-cluster.js'
import { LATENCY_BUCKETS_SECONDS } from '../../src/metrics/latency-buckets.js'
import { ReplyFramer } from '../../src/resp/reply-framer.js'
import { eventually, httpGet, scrape, type Scrape } from '../helpers/metrics-scrape.js'
import { startProxy } from '../helpers/start-proxy.js'

const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000 })
t.teardown(async () => { await cluster.stop() })
// No periodic refresh during the test: the slot map changes only when slotgate is told.
const proxy = await startProxy(cluster.seeds(), { metricsEnabled: true, metricsPort: 0, topologyRefreshIntervalMs: 600_000 })
t.teardown(async () => { await proxy.close() })
const httpPort = proxy.httpPort as number

function encode (args: string[]): string {
  return `*${args.length}\r\n${args.map(a => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`
}

/** Sends `commands` pipelined on a fresh connection; resolves with the replies and the exact bytes both ways. */
async function pipeline (commands: string[][]): Promise<{ replies: string[], sent: number, received: number }> {
  const socket = net.connect(proxy.port, '127.0.0.1')
  const replies: string[] = []
  let received = 0
  const done = new Promise<void>((resolve, reject) => {
    const framer = new ReplyFramer({
      onReply (r) { replies.push(r.toString()); if (replies.length === commands.length) resolve() },
      onFramingError: reject
    })
    socket.on('data', (d: Buffer) => { received += d.length; framer.feed(d) })
    socket.on('error', reject)
  })
  const payload = commands.map(encode).join('')
  socket.write(payload)
  await done
  socket.end()
  await new Promise(resolve => socket.once('close', resolve))
  return { replies, sent: Buffer.byteLength(payload), received }
}

/** `after - before` for one series. */
const delta = (before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}): number =>
  after.sum(name, labels) - before.sum(name, labels)

/** The first key `${prefix}N` whose slot the master on `port` owns. */
async function keyOn (port: number, prefix: string): Promise<string> {
  for (let i = 0; i < 100_000; i++) {
    const key = `${prefix}${i}`
    if (await cluster.masterPortForSlot(keySlot(Buffer.from(key))) === port) return key
  }
  throw new Error(`no key for ${port}`)
}

const roles = await cluster.roles()
const masters = [...roles].filter(([, r]) => r === 'master').map(([p]) => p).sort((a, b) => a - b)

t.test('the endpoints answer as documented', async t => {
  t.same(await httpGet(httpPort, '/healthz'), { status: 200, body: 'ok\n', contentType: 'text/plain; charset=utf-8' })
  t.equal((await httpGet(httpPort, '/readyz')).body, 'ready\n')
  t.equal((await httpGet(httpPort, '/readyz')).status, 200)
  t.equal((await httpGet(httpPort, '/nope')).status, 404)
  t.equal((await httpGet(httpPort, '/metrics', 'POST')).status, 405)
  const metrics = await httpGet(httpPort, '/metrics')
  t.equal(metrics.status, 200)
  t.match(metrics.contentType, /^text\/plain; version=0\.0\.4/)
  const head = await httpGet(httpPort, '/healthz', 'HEAD')
  t.same([head.status, head.body], [200, ''])
})

t.test('commands by name and result, latency histograms and bytes match the traffic', async t => {
  const keys = await Promise.all(masters.map(async (p, i) => await keyOn(p, `m${i}:`)))
  const commands: string[][] = [
    ...Array.from({ length: 20 }, (_, i) => ['SET', `${keys[i % 3]}:${i}`, `v${i}`]),
    ...Array.from({ length: 10 }, (_, i) => ['GET', `${keys[i % 3]}:${i}`]),
    ['INCR', `${keys[0]}:0`], // "v0" is not an integer: an error reply from the node
    ...Array.from({ length: 5 }, (_, i) => [`NOSUCHCOMMAND${i}`, 'x']),
    ['MGET', keys[0], keys[1], keys[2]]
  ]
  const before = await scrape(httpPort)
  const { replies, sent, received } = await pipeline(commands)
  const after = await scrape(httpPort)
  t.equal(replies.filter(r => r === '+OK\r\n').length, 20, 'the 20 SETs answered OK')
  t.match(replies[30], /^-ERR value is not an integer/)

  const count = (command: string, result: string): number => delta(before, after, 'slotgate_commands_total', { command, result })
  t.equal(count('set', 'ok'), 20)
  t.equal(count('get', 'ok'), 10)
  t.equal(count('incr', 'error'), 1)
  t.equal(count('incr', 'ok'), 0)
  t.equal(count('mget', 'ok'), 1)
  t.equal(count('unknown', 'error'), 5, 'five different unknown commands...')
  t.equal(after.samples('slotgate_commands_total').filter(s => /nosuch/i.test(s.labels.command)).length, 0, '...fold into one label value')

  const buckets = after.samples('slotgate_command_duration_seconds_bucket', { command: 'set' })
  t.same(buckets.map(b => b.labels.le), [...LATENCY_BUCKETS_SECONDS.map(String), '+Inf'], 'sub-millisecond buckets, in seconds')
  t.ok(buckets.every((b, i) => i === 0 || b.value >= buckets[i - 1].value), 'buckets are cumulative')
  t.equal(delta(before, after, 'slotgate_command_duration_seconds_count', { command: 'set' }), 20)
  t.equal(delta(before, after, 'slotgate_command_duration_seconds_bucket', { command: 'set', le: '+Inf' }), 20)
  const setSeconds = delta(before, after, 'slotgate_command_duration_seconds_sum', { command: 'set' })
  t.ok(setSeconds > 0 && setSeconds < 5, `20 SETs took ${setSeconds} s in total`)

  t.equal(delta(before, after, 'slotgate_client_received_bytes_total'), sent, 'bytes in: exactly what the client wrote')
  t.equal(delta(before, after, 'slotgate_client_sent_bytes_total'), received, 'bytes out: exactly what the client read')
  // SET/INCR/GET go out once each, MGET as one part per master; unknown commands never leave.
  t.equal(delta(before, after, 'slotgate_backend_request_duration_seconds_count'), 20 + 10 + 1 + 3)
  t.ok(delta(before, after, 'slotgate_backend_sent_bytes_total') > 0 && delta(before, after, 'slotgate_backend_received_bytes_total') > 0)

  // Single-slot commands pass through byte for byte: what went to the nodes is what the client sent.
  const b2 = await scrape(httpPort)
  const plain = await pipeline(Array.from({ length: 12 }, (_, i) => i % 2 === 0 ? ['SET', `${keys[i % 3]}:p${i}`, 'x'] : ['GET', `${keys[i % 3]}:p${i - 1}`]))
  const a2 = await scrape(httpPort)
  t.equal(delta(b2, a2, 'slotgate_backend_sent_bytes_total'), plain.sent, 'requests re-encoded to the same bytes')
  t.equal(delta(b2, a2, 'slotgate_backend_received_bytes_total'), plain.received, 'replies passed through untouched')
  t.equal(delta(b2, a2, 'slotgate_backend_request_duration_seconds_count'), 12)
})

t.test('client connections: current, accepted, rejected', async t => {
  const before = await scrape(httpPort)
  const sockets = await Promise.all([1, 2, 3].map(async () => await new Promise<net.Socket>(resolve => {
    const s = net.connect(proxy.port, '127.0.0.1', () => { resolve(s) })
  })))
  await eventually('3 more connections', 2000, async () => (await scrape(httpPort)).sum('slotgate_client_connections') === before.sum('slotgate_client_connections') + 3)
  const during = await scrape(httpPort)
  t.equal(delta(before, during, 'slotgate_client_connections_accepted_total'), 3)
  for (const s of sockets) s.destroy()
  await eventually('connections closed', 2000, async () => (await scrape(httpPort)).sum('slotgate_client_connections') === before.sum('slotgate_client_connections'))

  const small = await startProxy(cluster.seeds(), { metricsEnabled: true, metricsPort: 0, maxClients: 1 })
  t.teardown(async () => { await small.close() })
  const first = net.connect(small.port, '127.0.0.1')
  await new Promise(resolve => first.once('connect', resolve))
  const refused = await new Promise<string>(resolve => {
    let text = ''
    const s = net.connect(small.port, '127.0.0.1')
    s.on('data', d => { text += d.toString() })
    s.on('close', () => { resolve(text) })
  })
  t.equal(refused, '-ERR max number of clients reached\r\n')
  const m = await scrape(small.httpPort as number)
  t.equal(m.sum('slotgate_client_connections_rejected_total'), 1)
  t.equal(m.sum('slotgate_client_connections_accepted_total'), 1)
  first.destroy()
})

t.test('limits in bytes: pending request bytes while a command waits, the script cache after EVAL', async t => {
  const before = await scrape(httpPort)
  const limit = before.sum('slotgate_script_cache_limit_bytes')
  t.equal(limit, 16 * 1024 * 1024, 'scriptCacheMaxBytes, the default')
  const body = `return '${'x'.repeat(500)}'`
  const socket = net.connect(proxy.port, '127.0.0.1')
  t.teardown(() => { socket.destroy() })
  await new Promise(resolve => socket.once('connect', resolve))
  const key = `metrics:blocked:${'k'.repeat(2000)}`
  socket.write(encode(['EVAL', body, '0']) + encode(['BLPOP', key, '1']))
  await eventually('the BLPOP waiting, its bytes pending', 2000, async () => (await scrape(httpPort)).sum('slotgate_client_pending_request_bytes') >= 2000)
  const during = await scrape(httpPort)
  t.ok(during.sum('slotgate_script_cache_bytes') - before.sum('slotgate_script_cache_bytes') >= body.length, 'the script body is counted in the cache')
  await eventually('the BLPOP timed out, nothing pending', 3000, async () => (await scrape(httpPort)).sum('slotgate_client_pending_request_bytes') === 0)
})

t.test('a slot moved behind slotgate\'s back: one MOVED, a redirected command, a refresh', async t => {
  const key = await keyOn(masters[0], 'moving:')
  const slot = keySlot(Buffer.from(key))
  t.same((await pipeline([['SET', key, 'here']])).replies, ['+OK\r\n'])
  await cluster.moveSlot(slot, masters[1])
  const before = await scrape(httpPort)
  t.same((await pipeline([['GET', key]])).replies, ['$4\r\nhere\r\n'], 'the client sees the value, not the MOVED')
  await eventually('the refresh MOVED asked for', 5000, async () =>
    delta(before, await scrape(httpPort), 'slotgate_topology_refreshes_total', { trigger: 'moved', outcome: 'updated' }) === 1)
  const after = await scrape(httpPort)
  t.equal(delta(before, after, 'slotgate_redirects_total', { type: 'moved' }), 1)
  t.equal(delta(before, after, 'slotgate_redirects_total', { type: 'ask' }), 0)
  t.equal(delta(before, after, 'slotgate_commands_total', { command: 'get', result: 'redirected' }), 1)
  t.equal(delta(before, after, 'slotgate_commands_total', { command: 'get', result: 'ok' }), 0)
  const node = (port: number): Record<string, string> => ({ node: `127.0.0.1:${port}` })
  t.equal(delta(before, after, 'slotgate_backend_request_duration_seconds_count', node(masters[0])), 1, 'the old owner answered MOVED')
  t.equal(delta(before, after, 'slotgate_backend_request_duration_seconds_count', node(masters[1])), 1, 'the new owner answered the GET')
  t.equal(after.sum('slotgate_topology_refreshes_total', { trigger: 'startup', outcome: 'updated' }), 1)
})

t.test('topology gauges: slots covered, masters, links', async t => {
  const m = await scrape(httpPort)
  t.equal(m.sum('slotgate_slots_covered'), 16384)
  t.equal(m.sum('slotgate_cluster_masters'), 3)
  t.equal(m.sum('slotgate_ready'), 1)
  t.equal(m.sum('slotgate_draining'), 0)
  const up = m.samples('slotgate_backend_links', { role: 'master', state: 'up' })
  t.same(up.map(s => s.labels.node).sort(), masters.map(p => `127.0.0.1:${p}`).sort(), 'a link up to every master')
})

t.test('names follow Prometheus\' rules, default metrics are there, every slotgate metric is documented', async t => {
  const m = await scrape(httpPort)
  const docs = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8')
  const ours = [...m.families.values()].filter(f => f.name.startsWith('slotgate_'))
  t.ok(ours.length >= 25, `${ours.length} slotgate_ metrics`)
  for (const f of ours) {
    t.ok(f.help.length > 10, `${f.name} has help`)
    if (f.type === 'counter') t.match(f.name, /_total$/, `counter ${f.name} ends in _total`)
    if (f.type === 'histogram') t.match(f.name, /_seconds$/, `histogram ${f.name} is in seconds`)
    if (/bytes/.test(f.name)) t.match(f.name, f.type === 'counter' ? /_bytes_total$/ : /_bytes$/, `${f.name}: bytes, base unit`)
    t.ok(docs.includes(`\`${f.name}\``), `${f.name} is in docs/operations.md`)
  }
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
    t.ok(m.families.has(name), `default metric ${name}`)
  }
})

t.test('a failover is counted once slotgate follows it', async t => {
  const victim = masters[2]
  const key = await keyOn(victim, 'fo:')
  t.same((await pipeline([['SET', key, 'before']])).replies, ['+OK\r\n'])
  const before = await scrape(httpPort)
  await cluster.kill(victim)
  // A command for the dead master's slots waits for the promotion, then goes there.
  const reply = await pipeline([['GET', key]])
  t.same(reply.replies, ['$6\r\nbefore\r\n'], 'the command waited out the failover')
  await cluster.waitForFailover(victim)
  await eventually('/readyz 200 with the promoted master', 15_000, async () => (await httpGet(httpPort, '/readyz')).status === 200)
  const after = await scrape(httpPort)
  t.equal(delta(before, after, 'slotgate_failovers_total'), 1)
  t.ok(delta(before, after, 'slotgate_slot_waits_total') >= 1, 'the GET had to wait')
  t.equal(after.sum('slotgate_slots_covered'), 16384)
})

t.test('metricsEnabled false: no HTTP port, no metrics', async t => {
  const quiet = await startProxy(cluster.seeds())
  t.teardown(async () => { await quiet.close() })
  t.equal(quiet.httpPort, null)
  t.equal(quiet.metrics, null)
  await eventually('readiness without metrics (workers report it over IPC)', 5000, async () => quiet.notReadyReason() === null)
})
