// Bad input (issue 7, point 7): at least 100,000 generated malformed, truncated, oversized and
// random RESP and inline inputs, valid ones interleaved, from 20 concurrent connections that
// come and go (split writes, abrupt resets, half-closes), through one in-process slotgate.
// Meanwhile:
// - a control client PINGs every 100 ms and must always get PONG quickly (no crash, no hang);
// - clean connections run verified SET/GET/INCR/MGET the whole time: every reply exact;
// - everything slotgate sends on the fuzz connections must frame as valid RESP;
// - afterwards no session, blocked link or node connection is left over, and RSS is bounded.
// The seed is printed; FUZZ_SEED=<n> replays a run.
import net from 'node:net'
import t from 'tap'
import { Redis } from 'ioredis'
import { ReplyFramer } from '../../src/resp/reply-framer.js'
import { HOST, startCoreEnv } from '../helpers/core-env.js'
import { connectionInputs, multibulk, Prng, VALID_KINDS, type FuzzInput } from '../helpers/fuzz-inputs.js'
import { eventually, RawConn } from '../helpers/raw-conn.js'

const fileStart = Date.now()
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() % 2147483647
/** Bad inputs to send (valid ones come on top, interleaved). */
const TARGET_BAD = 105_000
const FUZZ_CONNECTIONS = 20
const CLEAN_CONNECTIONS = 5
const MAX_FUZZ_MS = 45_000
const MiB = 1024 * 1024
t.comment(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})${process.env.FUZZ_SKIP !== undefined ? `; commands left out: ${process.env.FUZZ_SKIP}` : ''}`)

const env = await startCoreEnv({ cluster: { masters: 3, replicasPerMaster: 0 } })
const proxy = env.proxy
// slotgate's own accepted sockets, watched from outside: to count those it never closes, and
// to destroy them before stopping it (its close() waits for every accepted socket to close,
// so one it leaks would hang the teardown for good).
const listener = (proxy.server as unknown as { server: net.Server }).server
const accepted = new Set<net.Socket>()
listener.on('connection', (s: net.Socket) => { accepted.add(s); s.once('close', () => { accepted.delete(s) }) })
t.teardown(async () => {
  for (const s of accepted) s.destroy()
  await env.stop()
})
t.teardown(() => { t.comment(`file runtime ${Date.now() - fileStart} ms`) })

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const turn = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

/** Connected clients per node (slotgate's shared, dedicated and control links). */
async function nodeClients (): Promise<Record<number, number>> {
  const out: Record<number, number> = {}
  for (const n of env.cluster.nodes) {
    const c = new Redis({ host: HOST, port: n.port, protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0 })
    await c.connect()
    out[n.port] = Number(/connected_clients:(\d+)/.exec(String(await c.info('clients')))?.[1] ?? -1) - 1
    c.disconnect()
  }
  return out
}

/** Last command of every connection on the nodes, counted (what leftover links were doing). */
async function nodeLastCommands (): Promise<string> {
  const count = new Map<string, number>()
  for (const n of env.cluster.nodes) {
    const c = new Redis({ host: HOST, port: n.port, protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0 })
    await c.connect()
    for (const line of String(await c.client('LIST')).split('\n')) {
      const m = / cmd=(\S+)/.exec(line)
      if (m !== null && m[1] !== 'client|list') count.set(m[1], (count.get(m[1]) ?? 0) + 1)
    }
    c.disconnect()
  }
  return [...count].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' ')
}

const counts = {
  inputs: 0,
  bad: 0,
  bytes: 0,
  connections: 0,
  closedByServer: 0,
  closedByProtocolError: 0,
  closedByQuit: 0,
  closedByUs: 0,
  replyFrames: 0,
  framingErrors: [] as string[],
  byKind: new Map<string, number>()
}

/** One fuzz connection: writes `inputs` in random chunks, reads everything, ends one way or another. */
async function fuzzConnection (r: Prng, inputs: FuzzInput[]): Promise<void> {
  const socket = net.connect(proxy.port, HOST)
  socket.setNoDelay(true)
  counts.connections++
  let received = Buffer.alloc(0)
  let serverClosed = false
  let lastData = performance.now()
  const framer = new ReplyFramer({
    onReply: () => { counts.replyFrames++ },
    onFramingError: (detail: string) => { if (counts.framingErrors.length < 20) counts.framingErrors.push(`${detail} after ${JSON.stringify(received.subarray(-200).toString('latin1'))}`) }
  })
  socket.on('data', (d: Buffer) => {
    lastData = performance.now()
    // Keep the start (protocol error detection) and a tail (messages); never grow unbounded.
    if (received.length < 4096) received = Buffer.concat([received, d.subarray(0, 4096)])
    framer.feed(d)
  })
  const closed = new Promise<void>(resolve => {
    socket.on('end', () => { serverClosed = true })
    socket.on('close', () => { resolve() })
    socket.on('error', () => { /* resets from our own destroy or the server's close */ })
  })
  const ok = await new Promise<boolean>(resolve => {
    socket.once('connect', () => { resolve(true) })
    socket.once('error', () => { resolve(false) })
  })
  if (!ok) return
  // Some connections never read: a slow reader among the fuzzers.
  if (r.chance(0.05)) socket.pause()

  const whole = Buffer.concat(inputs.map(i => i.bytes))
  const ends: number[] = []
  let acc = 0
  for (const i of inputs) { acc += i.bytes.length; ends.push(acc) }
  let written = 0
  const chunks = r.chance(0.3) ? r.int(2, 12) : 1
  for (let c = 0; c < chunks && written < whole.length && !serverClosed && !socket.destroyed; c++) {
    const size = c === chunks - 1 ? whole.length - written : r.int(1, Math.max(1, whole.length - written))
    socket.write(whole.subarray(written, written + size))
    written += size
    if (chunks > 1) { if (r.chance(0.5)) await turn(); else await sleep(r.int(1, 5)) }
  }
  let sent = 0
  while (sent < inputs.length && ends[sent] <= written) {
    counts.byKind.set(inputs[sent].kind, (counts.byKind.get(inputs[sent].kind) ?? 0) + 1)
    if (!VALID_KINDS.has(inputs[sent].kind)) counts.bad++
    sent++
  }
  counts.inputs += sent
  counts.bytes += written

  // Wait for the answers to settle (or the server to close), then end one of three ways.
  const began = performance.now()
  lastData = began
  while (!serverClosed && !socket.destroyed && performance.now() - began < 300 && performance.now() - lastData < 30) await sleep(5)
  if (serverClosed || socket.readableEnded) {
    counts.closedByServer++
    const text = received.toString('latin1')
    if (text.includes('-ERR Protocol error')) counts.closedByProtocolError++
    else if (text.includes('+OK')) counts.closedByQuit++
  } else {
    counts.closedByUs++
    const how = r.int(0, 2)
    if (how === 0) socket.destroy()
    else if (how === 1) socket.end()
    else { socket.write(multibulk(['SET', 'fz:trunc', 'x']).subarray(0, r.int(1, 20))); socket.destroy() }
  }
  setTimeout(() => { socket.destroy() }, 500).unref()
  await closed
}

// ---- The clean connections: verified requests the whole time. ----
interface CleanStats { verified: number, wrong: string[] }
const clean: CleanStats = { verified: 0, wrong: [] }
/** INCRs each clean connection sent (its counter's expected value). */
const cleanCounters: number[] = []
let fuzzing = true

async function cleanConnection (id: number, r: Prng): Promise<void> {
  const c = await RawConn.open(proxy.port)
  const prefix = `clean:${id}:`
  let counter = 0
  try {
    for (let round = 0; fuzzing; round++) {
      // A pipeline of 8: SET a, SET b (another slot), GET a, GET b, INCR, MGET a b, EXISTS a b, DEL b.
      const a = `${prefix}${round % 50}`
      const b = `${prefix}{x${round % 7}}${round % 50}`
      const va = r.bytes(r.int(0, 2000))
      const vb = `v${round}`
      const bulk = (v: Buffer | string): string => { const s = typeof v === 'string' ? v : v.toString('latin1'); return `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n` }
      c.write(Buffer.concat([
        multibulk(['SET', a, va]), multibulk(['SET', b, vb]), multibulk(['GET', a]), multibulk(['GET', b]),
        multibulk(['INCR', `${prefix}ctr`]), multibulk(['MGET', a, b]), multibulk(['EXISTS', a, b]), multibulk(['DEL', b])
      ]))
      counter++
      cleanCounters[id] = counter
      const expected = ['+OK\r\n', '+OK\r\n', bulk(va), bulk(vb), `:${counter}\r\n`, `*2\r\n${bulk(va)}${bulk(vb)}`, ':2\r\n', ':1\r\n']
      const got = await c.read(8, 5000)
      for (let i = 0; i < 8; i++) {
        if (got[i] === expected[i]) clean.verified++
        else if (clean.wrong.length < 20) clean.wrong.push(`conn ${id} round ${round} request ${i}: expected ${JSON.stringify(expected[i].slice(0, 80))}, got ${JSON.stringify(got[i]?.slice(0, 80))}`)
      }
    }
  } catch (err) {
    clean.wrong.push(`conn ${id}: ${(err as Error).message.slice(0, 300)}`)
  } finally {
    c.destroy()
  }
}

// ---- The control client: PING every 100 ms. ----
const control = { pings: 0, slowest: 0, failures: [] as string[], latencies: [] as number[] }
async function controlLoop (): Promise<void> {
  const c = await RawConn.open(proxy.port)
  try {
    while (fuzzing) {
      const began = performance.now()
      const reply = await c.call('PING').catch((err: Error) => `<${err.message}>`)
      const ms = performance.now() - began
      control.pings++
      control.latencies.push(ms)
      control.slowest = Math.max(control.slowest, ms)
      if (reply !== '+PONG\r\n' && control.failures.length < 20) control.failures.push(`${JSON.stringify(reply)} after ${Math.round(ms)} ms`)
      await sleep(100)
    }
  } finally {
    c.destroy()
  }
}

t.test(`fuzz: ${TARGET_BAD} bad inputs, valid ones interleaved, from ${FUZZ_CONNECTIONS} concurrent connections`, async t => {
  const master = new Prng(SEED)
  // Warm up (links, command table, JIT), then the baselines.
  for (let i = 0; i < 3; i++) await fuzzConnection(new Prng(master.int(0, 2 ** 31)), Array.from({ length: 50 }, () => ({ bytes: multibulk(['SET', `fz:${i}`, 'warm']), kind: 'warm-up' })))
  counts.inputs = 0
  counts.bad = 0
  counts.byKind.clear()
  await sleep(300)
  const baseClients = proxy.server.clientCount
  const baseNodeClients = await nodeClients()
  const rss0 = process.memoryUsage().rss
  let rssPeak = rss0

  const began = Date.now()
  const cleanDone = Array.from({ length: CLEAN_CONNECTIONS }, async (_, i) => await cleanConnection(i, new Prng(master.int(0, 2 ** 31))))
  const controlDone = controlLoop()
  const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, process.memoryUsage().rss) }, 200)
  const workers = Array.from({ length: FUZZ_CONNECTIONS }, async (_, w) => {
    const r = new Prng(master.int(0, 2 ** 31) ^ w)
    while (counts.bad < TARGET_BAD && Date.now() - began < MAX_FUZZ_MS) {
      await fuzzConnection(r, connectionInputs(r))
    }
  })
  await Promise.all(workers)
  const fuzzMs = Date.now() - began
  // The clean connections and the control client run a little past the fuzzers.
  await sleep(500)
  fuzzing = false
  await Promise.all([...cleanDone, controlDone])
  clearInterval(sampler)

  const kinds = [...counts.byKind].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')
  const lat = [...control.latencies].sort((a, b) => a - b)
  const p99 = lat[Math.floor(lat.length * 0.99)] ?? 0
  t.comment(`inputs sent: ${counts.inputs} (bad ${counts.bad}, valid ${counts.inputs - counts.bad}; ${(counts.bytes / MiB).toFixed(1)} MiB) in ${fuzzMs} ms over ${counts.connections} connections`)
  t.comment(`by kind: ${kinds}`)
  t.comment(`connections closed by slotgate: ${counts.closedByServer} (after a protocol error: ${counts.closedByProtocolError}, after QUIT: ${counts.closedByQuit}); ended by the fuzzer: ${counts.closedByUs}`)
  t.comment(`reply frames received on fuzz connections: ${counts.replyFrames}, framing errors: ${counts.framingErrors.length}`)
  t.comment(`clean requests verified: ${clean.verified}, wrong: ${clean.wrong.length}`)
  t.comment(`control PINGs: ${control.pings}, p99 ${p99.toFixed(1)} ms, slowest ${control.slowest.toFixed(1)} ms`)

  t.ok(counts.bad >= 100_000, `at least 100,000 malformed, truncated, oversized and random inputs sent (${counts.bad}, plus ${counts.inputs - counts.bad} valid)`)
  t.same(counts.framingErrors, [], 'everything slotgate sent on the fuzz connections frames as valid RESP')
  t.ok(counts.closedByProtocolError > 300, `many connections were closed for protocol errors (${counts.closedByProtocolError})`)
  t.same(clean.wrong, [], 'every request on the clean connections was answered exactly')
  t.ok(clean.verified > 10_000, `clean connections verified many requests (${clean.verified})`)
  t.same(control.failures, [], 'the control client always got PONG')
  t.ok(control.pings >= fuzzMs / 150, `the control client kept pinging (${control.pings} PINGs in ${fuzzMs} ms)`)
  t.ok(control.slowest < 1000, `every PONG within 1 s (slowest ${control.slowest.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms)`)

  // Nothing left behind.
  t.ok(await eventually(() => proxy.server.clientCount === baseClients, 5000), `client sessions back to ${baseClients} (now ${proxy.server.clientCount})`)
  t.ok(await eventually(() => accepted.size === baseClients, 5000),
    `every accepted socket closed once its client left (${accepted.size} still open, ${proxy.server.clientCount} sessions)`)
  t.equal(proxy.dispatcher.waitingCount, 0, 'no request waiting in the dispatcher')
  let after: Record<number, number> = {}
  // The blocking-link pool keeps up to 8 idle links per node and protocol for reuse: up to 16
  // more per node is by design; a link per abandoned blocked client would be hundreds.
  const settled = await eventually(async () => {
    after = await nodeClients()
    return Object.entries(after).every(([port, n]) => n <= (baseNodeClients[Number(port)] ?? 0) + 18)
  }, 8000, 250)
  t.ok(settled, `slotgate's connections to the nodes back near the baseline (before ${JSON.stringify(baseNodeClients)}, after ${JSON.stringify(after)}; last commands on them: ${await nodeLastCommands()})`)
  await sleep(1000)
  const rss1 = process.memoryUsage().rss
  t.comment(`RSS before ${(rss0 / MiB).toFixed(0)} MiB, peak ${(rssPeak / MiB).toFixed(0)} MiB, after ${(rss1 / MiB).toFixed(0)} MiB (test process: slotgate and the fuzzer together)`)
  t.ok(rssPeak - rss0 < 400 * MiB, `RSS peak within 400 MiB of the start (+${((rssPeak - rss0) / MiB).toFixed(0)} MiB)`)
  t.ok(rss1 - rss0 < 200 * MiB, `RSS afterwards within 200 MiB of the start (+${((rss1 - rss0) / MiB).toFixed(0)} MiB)`)

  // And it still works as before.
  const c = await RawConn.open(proxy.port)
  t.equal(await c.call('SET', 'fz:after', 'ok'), '+OK\r\n')
  t.equal(await c.call('GET', 'fz:after'), '$2\r\nok\r\n')
  t.equal(await env.direct.get('fz:after'), 'ok')
  const counters: string[] = []
  for (let i = 0; i < CLEAN_CONNECTIONS; i++) counters.push(String(await env.direct.get(`clean:${i}:ctr`)))
  t.same(counters, cleanCounters.map(String), 'each clean connection\'s counter holds exactly its number of INCRs (none lost or doubled)')
  c.destroy()
})

t.test('a client that breaks the protocol (or QUITs) in the middle of a large pipeline leaves no socket behind', async t => {
  // Found by the fuzzer: slotgate pauses reading after the error reply (or QUIT's +OK), ends
  // its side, and then never reads the client's EOF behind the unread rest of the pipeline.
  for (const first of ['*abc\r\n', 'QUIT\r\n']) {
    for (const how of ['end', 'destroy'] as const) {
      for (const extra of [100, 1_000_000]) {
        const before = accepted.size
        const s = net.connect(proxy.port, HOST)
        await new Promise(resolve => s.once('connect', resolve))
        let got = ''
        s.on('data', (d: Buffer) => { got += d.toString('latin1') })
        s.on('error', () => {})
        const ended = new Promise(resolve => s.once('end', resolve))
        s.write(first + 'PING\r\n'.repeat(Math.ceil(extra / 6)))
        await Promise.race([ended, sleep(1000)])
        if (how === 'end') s.end(); else s.destroy()
        const label = `${JSON.stringify(first)} + ${extra} bytes, then the client ${how === 'end' ? 'closes (FIN)' : 'destroys its socket'}`
        t.match(got, first === 'QUIT\r\n' ? /^\+OK\r\n$/ : /^-ERR Protocol error: invalid multibulk length\r\n$/, `${label}: the reply`)
        // At most as many as before: a socket of an earlier case may close meanwhile too.
        t.ok(await eventually(() => accepted.size <= before, 2000), `${label}: slotgate's socket is closed (${accepted.size - before} left open)`)
        s.destroy()
      }
    }
  }
})

t.test('RESET while a SUBSCRIBE/UNSUBSCRIBE still awaits its confirmation does not crash slotgate', async t => {
  // Found by the fuzzer: three pipelined commands from any client.
  const c = await RawConn.open(proxy.port)
  t.teardown(() => { c.destroy() })
  c.write('SUBSCRIBE fz:reset\r\nUNSUBSCRIBE\r\nRESET\r\n')
  const frames = await c.read(3)
  t.same(frames, ['*3\r\n$9\r\nsubscribe\r\n$8\r\nfz:reset\r\n:1\r\n', '*3\r\n$11\r\nunsubscribe\r\n$8\r\nfz:reset\r\n:0\r\n', '+RESET\r\n'],
    'the two confirmations and RESET, in order')
  await sleep(800) // past the re-subscription delay (250 ms)
  t.equal(await c.call('PING'), '+PONG\r\n', 'the connection and slotgate are alive')
  const d = await RawConn.open(proxy.port)
  t.equal(await d.call('PING'), '+PONG\r\n', 'and new clients are served')
  d.destroy()
})
