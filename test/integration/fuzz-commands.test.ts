// Command-shape fuzzer (issue 13, point 7), driven by the command table slotgate serves: every
// command and subcommand the cluster lists (`COMMAND` through slotgate), with argument counts
// from arity-1 to arity+5 and awkward arguments (empty, binary, huge and negative integers,
// floats, keywords such as STORE, STREAMS, NUMKEYS, COUNT), sent by several pipelining
// connections at once to slotgate running as a child process, while a control client
// pipelines verified SET/GET/MSET/MGET/INCR beside them. At least 100,000 requests per run.
// Checked: every request answered (or, for a command that may block, answered or given up on
// after a short wait), the process alive, every control reply exact, no MOVED/ASK leaking to
// a client, RSS bounded. The seed is printed; FUZZ_SEED=<n> replays a run (each connection's
// requests are a function of the seed), FUZZ_REQUESTS=<n> changes the target, FUZZ_SKIP=a,b
// leaves commands out (names as `get` or `config|get`) to look past a known failure.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import t from 'tap'
import { Redis } from 'ioredis'
import { hasValidArity } from '../../src/commands/command-spec.js'
import { CommandTable } from '../../src/commands/command-table.js'
import { ReplyStrings as R } from '../../src/resp/reply-strings.js'
import { LocalCluster } from '../harness/local-cluster.js'
import { commandShapes, CONTROL_PREFIX, shapeCycle, type Shape } from '../helpers/command-fuzz.js'
import { multibulk, Prng } from '../helpers/fuzz-inputs.js'
import { cmd, RawConn } from '../helpers/raw-conn.js'
import { SlotgateCli } from '../helpers/slotgate-cli.js'

const fileStart = Date.now()
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() % 2147483647
const TARGET = Number(process.env.FUZZ_REQUESTS ?? 110_000)
const SKIP = new Set((process.env.FUZZ_SKIP ?? '').split(',').map(s => s.trim().toLowerCase()).filter(s => s !== ''))
const MAIN_CONNECTIONS = 6
const BLOCKING_CONNECTIONS = 6
/** A request that may block is given up on after this long (the connection is then closed). */
const GIVE_UP_MS = 40
/** A pipelined batch must be answered within this long, else it is a hang. */
const HANG_MS = 10_000
const MAX_FUZZ_MS = 75_000
const MiB = 1024 * 1024
t.comment(`command fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})${SKIP.size > 0 ? `; left out: ${[...SKIP].join(',')}` : ''}`)

const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0, nodeTimeoutMs: 2000 })
t.teardown(async () => { await cluster.stop() })
const cli = await SlotgateCli.start(['--seeds', cluster.seeds().join(',')])
t.teardown(() => { cli.kill() })
t.teardown(() => { t.comment(`file runtime ${Date.now() - fileStart} ms`) })

/** slotgate's resident set, from /proc (the child process alone). */
function rss (): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${cli.child.pid as number}/status`, 'latin1'))
  return m === null ? 0 : Number(m[1]) * 1024
}

// The table slotgate serves: COMMAND through slotgate itself.
const legacy = new Redis({ host: '127.0.0.1', port: cli.port, lazyConnect: true, maxRetriesPerRequest: 0, protocol: 2 })
legacy.on('error', () => {})
await legacy.connect()
const table = CommandTable.fromCommandReply(await legacy.call('COMMAND') as unknown[])
legacy.disconnect()

const { shapes, excluded } = commandShapes(table)
const used = shapes.filter(s => !SKIP.has(s.name) && !SKIP.has(s.name.split('|')[0]))
const byLane = (lane: Shape['lane']): Shape[] => used.filter(s => s.lane === lane)
const mainShapes = byLane('main')
const blockingShapes = byLane('blocking')
const lastShapes = byLane('last')
// Requests per lane: a few dozen per shape for the commands that may block and those that
// end a connection, the rest to the pipelined main lane.
const QUOTA = { blocking: blockingShapes.length * 40, last: lastShapes.length * 12, main: 0 }
QUOTA.main = Math.max(0, TARGET - QUOTA.blocking - QUOTA.last)
/** Average main-lane batch (4-40 requests): how often a batch ends with a last-lane request. */
const LAST_CHANCE = Math.min(1, QUOTA.last / Math.max(1, QUOTA.main / 22))
/** How often a batch is a transaction (MULTI ... EXEC) instead. */
const TX_CHANCE = SKIP.has('multi') ? 0 : 0.06
/**
 * Inside MULTI, commands of the other lanes too: a node queues them instead of blocking or
 * changing the connection, and they must not change slotgate's shared links when EXEC runs
 * them. QUIT is left out: it ends the connection at once, in MULTI as outside.
 */
const txExtraShapes = [...blockingShapes, ...lastShapes.filter(s => s.name !== 'quit')]
/** How often a connection first switches to RESP3 (HELLO 3): replies in RESP3 from then on, one frame each still. */
const RESP3_CHANCE = 0.2
/** Main-lane requests still to send (the last lane's shortfall, if any, is made up here). */
const mainLeft = (): boolean => counts.byLane.main + counts.byLane.last < QUOTA.main + QUOTA.last

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const show = (args: ReadonlyArray<string | Buffer>): string =>
  args.map(a => JSON.stringify((typeof a === 'string' ? a : a.toString('latin1')).slice(0, 60))).join(' ')

const counts = {
  sent: 0,
  answered: 0,
  byLane: { main: 0, blocking: 0, last: 0 },
  gaveUp: 0,
  lastSilent: 0,
  lastClosed: 0,
  connections: 0,
  transactions: 0,
  resp3: 0,
  errors: new Map<string, number>(),
  /** Error texts with digits blanked, counted (printed with FUZZ_DEBUG). */
  gists: new Map<string, number>(),
  /** One example per distinct slotgate-made error (they start with "ERR slotgate"), the policy's refusals aside. */
  slotgateErrors: new Map<string, string>(),
  /** Refusals of the command policy (denyCommands): expected, counted. */
  denied: 0,
  /** Requests failed for a link or topology reason: none in a healthy cluster. */
  linkFailures: [] as string[],
  shapesSent: new Set<Shape>(),
  hangs: [] as string[],
  closedEarly: [] as string[],
  leaked: [] as string[],
  lastUnanswered: [] as string[]
}
let stop = false
let crashed: string | null = null
/** Requests sent and not yet answered, per connection: what was in flight if slotgate dies. */
const inflight = new Map<number, Array<ReadonlyArray<string | Buffer>>>()

/** The requests in flight when slotgate exited: the candidates for a reproduction. */
let inflightAtCrash: Array<[number, Array<ReadonlyArray<string | Buffer>>]> = []
void cli.exited.then(code => {
  if (stop) return
  crashed = `slotgate exited (${String(code)}) during the run`
  inflightAtCrash = [...inflight]
  stop = true
})

/** Counts one reply frame: errors by their first word. */
function tally (frame: string, args: ReadonlyArray<string | Buffer>): void {
  counts.answered++
  if (frame[0] !== '-' && frame[0] !== '!') return
  const text = frame[0] === '-' ? frame.slice(1, frame.indexOf('\r\n')) : frame.slice(frame.indexOf('\r\n') + 2, -2)
  const kind = text.split(' ', 1)[0]
  counts.errors.set(kind, (counts.errors.get(kind) ?? 0) + 1)
  if ((kind === 'MOVED' || kind === 'ASK') && counts.leaked.length < 10) counts.leaked.push(`${show(args)} → ${text}`)
  const g = text.replace(/\d+/g, 'N').slice(0, 80)
  counts.gists.set(g, (counts.gists.get(g) ?? 0) + 1)
  if (text.includes('is denied by the proxy\'s command policy')) {
    counts.denied++
  } else if (text.startsWith('ERR slotgate')) {
    const gist = text.replace(/\d+/g, 'N').slice(0, 90)
    if (!counts.slotgateErrors.has(gist)) counts.slotgateErrors.set(gist, show(args))
  }
  if (/^ERR slotgate: (connection to .* lost|too many redirects)|^CLUSTERDOWN/.test(text) && counts.linkFailures.length < 10) {
    counts.linkFailures.push(`${show(args)} → ${text}`)
  }
}

/** A new connection to slotgate, or null once the run stopped (a refused connection is recorded, unless slotgate died). */
async function open (): Promise<RawConn | null> {
  counts.connections++
  try {
    return await RawConn.open(cli.port)
  } catch (err) {
    // A crash is reported by its exit: give that a moment to be seen.
    await sleep(500)
    if (!stop) counts.closedEarly.push(`connection refused: ${(err as Error).message}`)
    stop = true
    return null
  }
}

type Next = () => { shape: Shape, args: Array<string | Buffer> }

/** The first of a few draws whose argument count the command accepts. */
function rightArity (next: Next): ReturnType<Next> {
  let drawn = next()
  for (let i = 0; i < 12 && (drawn.shape.spec === null || !hasValidArity(drawn.shape.spec, drawn.args.length)); i++) drawn = next()
  return drawn
}

/** A main-lane connection after another: pipelined batches, one reply each; a last-lane request now and then ends one. */
async function mainLane (id: number, next: Next, nextLast: Next, nextInTx: Next, r: Prng): Promise<void> {
  while (!stop && mainLeft()) {
    const c = await open()
    if (c === null) return
    try {
      if (r.chance(RESP3_CHANCE)) {
        const hello = ['HELLO', '3']
        c.write(multibulk(hello))
        counts.sent++
        counts.byLane.main++
        counts.resp3++
        tally((await c.read(1, HANG_MS))[0], hello)
      }
      await mainBatches(id, c, next, nextLast, nextInTx, r)
    } finally {
      inflight.delete(id)
      c.destroy()
    }
  }
}

/** Up to 30 batches on one connection; returns when the connection is done with. */
async function mainBatches (id: number, c: RawConn, next: Next, nextLast: Next, nextInTx: Next, r: Prng): Promise<void> {
  for (let batch = 0; batch < 30 && !stop && mainLeft(); batch++) {
    const requests: Array<Array<string | Buffer>> = []
    const transaction = r.chance(TX_CHANCE)
    const n = transaction ? r.int(1, 4) : r.int(4, 40)
    if (transaction) { requests.push(['MULTI']); counts.transactions++ }
    for (let i = 0; i < n; i++) {
      // A transaction that any command refuses is aborted whole: inside one, prefer right arities.
      const { shape, args } = transaction ? rightArity(txExtraShapes.length > 0 && r.chance(0.5) ? nextInTx : next) : next()
      counts.shapesSent.add(shape)
      requests.push(args)
    }
    if (transaction) requests.push(['EXEC'])
    const last = lastShapes.length > 0 && counts.byLane.last < QUOTA.last && r.chance(LAST_CHANCE) ? nextLast() : null
    if (last !== null) counts.shapesSent.add(last.shape)
    const pending = last === null ? requests : [...requests, last.args]
    inflight.set(id, pending)
    c.write(Buffer.concat(pending.map(a => multibulk(a))))
    counts.sent += pending.length
    counts.byLane.main += requests.length
    const sentAt = Date.now()
    for (let i = 0; i < requests.length; i++) {
      let frame: string
      try {
        frame = (await c.read(1, Math.max(1, sentAt + HANG_MS - Date.now())))[0]
      } catch (err) {
        if (stop) return
        const what = `${c.closed ? 'connection closed by slotgate' : `no reply within ${HANG_MS} ms`} for request ${i + 1} of ${requests.length}: ${show(requests[i])} (${(err as Error).message.slice(0, 120)})`
        if (c.closed) counts.closedEarly.push(what); else counts.hangs.push(what)
        return
      }
      tally(frame, requests[i])
      if (process.env.FUZZ_DEBUG !== undefined && Date.now() - sentAt > 300) { t.comment(`slow: ${Date.now() - sentAt} ms for ${show(requests[i])}`) }
    }
    if (last !== null) {
      counts.byLane.last++
      await finishLast(c, last.args)
      return
    }
  }
}

/**
 * The reply of a last-lane request: at least one frame, or the connection closed by slotgate
 * (QUIT). CLIENT REPLY OFF and SKIP are the only ones that answer nothing, by design.
 */
async function finishLast (c: RawConn, args: ReadonlyArray<string | Buffer>): Promise<void> {
  const silentByDesign = args.length === 3 && /^(off|skip)$/i.test(String(args[2])) &&
    String(args[0]).toLowerCase() === 'client' && String(args[1]).toLowerCase() === 'reply'
  try {
    const [frame] = await c.read(1, silentByDesign ? 200 : 2000)
    tally(frame, args)
    if (silentByDesign) counts.lastUnanswered.push(`${show(args)} answered ${JSON.stringify(frame.slice(0, 60))} although replies are off`)
  } catch {
    if (silentByDesign) { counts.lastSilent++; counts.answered++; return }
    if (c.closed) { counts.lastClosed++; counts.lastUnanswered.push(`${show(args)}: connection closed without a reply`); return }
    counts.lastUnanswered.push(`${show(args)}: no reply within 2 s`)
  }
}

/** A blocking-lane connection after another: one request at a time, given up on after GIVE_UP_MS. */
async function blockingLane (id: number, next: Next): Promise<void> {
  while (!stop && counts.byLane.blocking < QUOTA.blocking) {
    const c = await open()
    if (c === null) return
    try {
      await blockingRequests(id, c, next)
    } finally {
      inflight.delete(id)
      c.destroy()
    }
  }
}

/** Requests one at a time on one connection until one is given up on (the connection is then closed). */
async function blockingRequests (id: number, c: RawConn, next: Next): Promise<void> {
  while (!stop && counts.byLane.blocking < QUOTA.blocking) {
    const { shape, args } = next()
    counts.shapesSent.add(shape)
    inflight.set(id, [args])
    c.write(multibulk(args))
    counts.sent++
    counts.byLane.blocking++
    try {
      tally((await c.read(1, GIVE_UP_MS))[0], args)
    } catch {
      if (stop) return
      if (c.closed) { counts.closedEarly.push(`connection closed by slotgate while waiting for ${show(args)}`); return }
      counts.gaveUp++
      counts.answered++ // a wait the arguments asked for: the client gives up, by design
      return
    }
  }
}

// ---- The control client: a verified pipeline beside the fuzzers. ----
const control = { verified: 0, wrong: [] as string[], rounds: 0 }
async function controlLoop (r: Prng): Promise<void> {
  const c = await RawConn.open(cli.port)
  const bulk = (s: string): string => `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`
  // INCRs that took effect: a wrong reply to one does not make every later round look wrong.
  let counter = 0
  try {
    for (let round = 0; !stop; round++) {
      const a = `${CONTROL_PREFIX}a${round % 20}`
      const b = `${CONTROL_PREFIX}{b}${round % 20}`
      const va = r.bytes(r.int(0, 300)).toString('latin1')
      const vb = `v${round}`
      c.write([
        cmd('SET', a, va), cmd('GET', a), cmd('MSET', a, vb, b, va), cmd('MGET', a, b), cmd('INCR', `${CONTROL_PREFIX}ctr`),
        cmd('EXISTS', a, b, `${CONTROL_PREFIX}none`), cmd('DEL', b), cmd('GET', b), cmd('PING')
      ].join(''))
      const expected = ['+OK\r\n', bulk(va), '+OK\r\n', `*2\r\n${bulk(vb)}${bulk(va)}`, `:${counter + 1}\r\n`, ':2\r\n', ':1\r\n', '$-1\r\n', '+PONG\r\n']
      let got: string[]
      try {
        got = await c.read(expected.length, 5000)
      } catch (err) {
        if (!stop) control.wrong.push(`round ${round}: ${(err as Error).message.slice(0, 300)}`)
        return
      }
      control.rounds++
      const incr = /^:(\d+)\r\n$/.exec(got[4])
      if (incr !== null) counter = Number(incr[1])
      for (let i = 0; i < expected.length; i++) {
        if (got[i] === expected[i]) control.verified++
        else if (control.wrong.length < 20) control.wrong.push(`round ${round} request ${i}: expected ${JSON.stringify(expected[i].slice(0, 60))}, got ${JSON.stringify(got[i].slice(0, 160))}`)
      }
    }
  } finally {
    c.destroy()
  }
}

t.test('issue 13: `redis-cli MSET a 1 b` gets a single node\'s error and slotgate stays up', async t => {
  // a and b hash to different slots (15495, 3300): this request once became a split with an
  // undefined value, and the encoder's TypeError ended the process.
  const out = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(cli.port), 'MSET', 'a', '1', 'b'], { encoding: 'latin1', timeout: 10_000 })
  t.equal(out.stdout, 'ERR wrong number of arguments for \'mset\' command\n\n')
  const c = await RawConn.open(cli.port)
  t.teardown(() => { c.destroy() })
  // Malformed shapes whose keys span slots: each gets the text a single node gives (checked
  // against redis-server in test/unit/check-shape.test.ts), never CROSSSLOT.
  const cases: Array<[string[], string]> = [
    [['MSETNX', 'a', '1', 'b'], R.wrongArity('msetnx')],
    [['EVAL', 'return 1', '3', 'a', 'b'], R.numKeysTooMany],
    [['ZUNIONSTORE', 'a', '3', 'b', 'c'], R.syntaxError],
    [['LMPOP', '2', 'a', 'b'], R.syntaxError],
    [['XREAD', 'STREAMS', 'a', 'b', '0'], R.xreadUnbalanced],
    [['SORT', 'a', 'STORE', 'b', 'junk'], R.syntaxError]
  ]
  c.write(cases.map(([words]) => cmd(...words)).join(''))
  t.same(await c.read(cases.length), cases.map(([, text]) => `-${text}\r\n`))
  t.equal(await c.call('PING'), '+PONG\r\n', 'slotgate is alive')
  t.equal(cli.child.exitCode, null)
})

t.test('syntax errors a node finds when it runs the command: inside MULTI, in EXEC\'s array; FCALL\'s numkeys checked by the node', async t => {
  const c = await RawConn.open(cli.port)
  t.teardown(() => { c.destroy() })
  // A node queues a command whose own syntax is wrong and reports the error inside EXEC's
  // reply; the router marks these rejects `atExec`, and the transaction answers them in place.
  c.write(cmd('MULTI') + cmd('MSET', '{t}a', '1', '{t}b') + cmd('SET', '{t}c', 'x') + cmd('EXEC'))
  t.same(await c.read(4), ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', `*2\r\n-${R.wrongArity('mset')}\r\n+OK\r\n`],
    'MULTI / MSET {t}a 1 {t}b / SET / EXEC as on one node')
  // FCALL's numkeys is checked by a node only once it found the function, so slotgate
  // forwards a malformed one. A cluster node that cannot parse numkeys falls back to atoi()
  // (Redis 7.0 genericGetKeys): '02' reads as 2 keys, here in two slots, and it says CROSSSLOT.
  t.equal(await c.call('FCALL', 'nosuchfunction', '5', 'a', 'b'), '-ERR Function not found\r\n', 'FCALL with too large a numkeys: no keys for the node either')
  t.equal(await c.call('FCALL', 'nosuchfunction', '02', 'a', 'b'), '-ERR Function not found\r\n',
    'FCALL with numkeys 02 over keys in two slots')
  // With the function there, the node's next check is numkeys itself, inside MULTI too.
  const lib = "#!lua name=fuzzshape\nredis.register_function('fuzzshape', function(keys, args) return #keys end)"
  t.equal(await c.call('FUNCTION', 'LOAD', lib), '$9\r\nfuzzshape\r\n', 'FUNCTION LOAD on every master')
  t.equal(await c.call('FCALL', 'fuzzshape', '02', 'a', 'b'), '-ERR Bad number of keys provided\r\n', 'FCALL of a function with numkeys 02')
  t.equal(await c.call('FCALL', 'fuzzshape', '2', '{f}a', '{f}b'), ':2\r\n', 'the same with numkeys 2 over one slot runs')
  c.write(cmd('MULTI') + cmd('FCALL_RO', 'nosuchfunction', '02', 'a', 'b') + cmd('FCALL', 'fuzzshape', '02', 'a', 'b') + cmd('EXEC'))
  t.same(await c.read(4), ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '*2\r\n-ERR Function not found\r\n-ERR Bad number of keys provided\r\n'],
    'inside MULTI: each error in its place in EXEC\'s array')
  t.equal(await c.call('FUNCTION', 'DELETE', 'fuzzshape'), '+OK\r\n')
})

t.test(`command shapes from the table: ${TARGET} requests from ${MAIN_CONNECTIONS + BLOCKING_CONNECTIONS} connections and a control client`, async t => {
  const master = new Prng(SEED)
  const rss0 = rss()
  let rssPeak = rss0
  const sampler = setInterval(() => { if (!stop) rssPeak = Math.max(rssPeak, rss()) }, 200)
  const began = Date.now()
  const timer = setTimeout(() => { stop = true }, MAX_FUZZ_MS)
  // Each connection walks its own shuffled cycle of the shapes, from its own seed.
  const lastCycle = shapeCycle(lastShapes, master.int(0, 2 ** 31))
  const txCycle = shapeCycle(txExtraShapes, master.int(0, 2 ** 31))
  const controlDone = controlLoop(new Prng(master.int(0, 2 ** 31)))
  const lanes = [
    ...Array.from({ length: MAIN_CONNECTIONS }, async (_, i) => {
      await mainLane(i, shapeCycle(mainShapes, master.int(0, 2 ** 31)), lastCycle, txCycle, new Prng(master.int(0, 2 ** 31)))
    }),
    ...Array.from({ length: BLOCKING_CONNECTIONS }, async (_, i) => {
      await blockingLane(MAIN_CONNECTIONS + i, shapeCycle(blockingShapes, master.int(0, 2 ** 31)))
    })
  ]
  await Promise.all(lanes)
  const fuzzMs = Date.now() - began
  // The control client runs a little past the fuzzers, then everything stops.
  await sleep(300)
  const crashedDuringRun = crashed as string | null
  stop = true
  clearTimeout(timer)
  await controlDone
  clearInterval(sampler)

  if (process.env.FUZZ_DEBUG !== undefined) t.comment(`most frequent errors:\n${[...counts.gists].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([g, n]) => `${n} ${g}`).join('\n')}`)
  if (process.env.FUZZ_DEBUG !== undefined) t.comment(`slotgate's warnings and errors:\n${cli.output.split('\n').filter(l => /"level":(40|50|60)/.test(l)).slice(-40).join('\n')}`)
  if (crashedDuringRun !== null) {
    t.comment(`CRASH: ${crashedDuringRun}; slotgate's last output:\n${cli.output.slice(-3000)}`)
    for (const [id, reqs] of inflightAtCrash) t.comment(`in flight on connection ${id}: ${reqs.slice(-12).map(show).join(' | ')}`)
  }
  const names = new Set(used.map(s => s.name))
  const kinds = [...counts.errors].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')
  const errorsTotal = [...counts.errors.values()].reduce((a, b) => a + b, 0)
  t.comment(`table: ${table.size} commands; fuzzed ${names.size} commands and subcommands in ${used.length} shapes (main ${mainShapes.length}, may block ${blockingShapes.length}, last on a connection ${lastShapes.length}); left out: ${excluded.map(([n, why]) => `${n} (${why})`).join('; ')}`)
  t.comment(`requests: ${counts.sent} in ${fuzzMs} ms (main ${counts.byLane.main}, may block ${counts.byLane.blocking}, last ${counts.byLane.last}) over ${counts.connections} connections (${counts.resp3} in RESP3), ${counts.transactions} transactions; shapes sent ${counts.shapesSent.size} of ${used.length}`)
  t.comment(`answered ${counts.answered} (of which given up after ${GIVE_UP_MS} ms while blocked: ${counts.gaveUp}; CLIENT REPLY OFF/SKIP silent by design: ${counts.lastSilent}; QUIT-like closes: ${counts.lastClosed})`)
  t.comment(`errors: ${errorsTotal} by kind: ${kinds}`)
  t.comment(`refused by the command policy: ${counts.denied}; slotgate's other own errors: ${[...counts.slotgateErrors].map(([gist, ex]) => `${gist} (e.g. ${ex})`).join('; ') || 'none'}`)
  t.comment(`crashes: ${crashedDuringRun === null ? 0 : 1}, hangs: ${counts.hangs.length}, closed early: ${counts.closedEarly.length}`)
  t.comment(`control client: ${control.rounds} pipelines, ${control.verified} replies verified, ${control.wrong.length} wrong`)
  const rss1 = cli.child.exitCode === null ? rss() : 0
  t.comment(`slotgate RSS: start ${(rss0 / MiB).toFixed(0)} MiB, peak ${(rssPeak / MiB).toFixed(0)} MiB, end ${(rss1 / MiB).toFixed(0)} MiB`)

  t.equal(crashedDuringRun, null, 'slotgate stayed alive through every input')
  t.same(counts.hangs, [], 'every pipelined request was answered')
  t.same(counts.closedEarly, [], 'slotgate closed no connection with replies owed')
  t.same(counts.lastUnanswered, [], 'every connection-changing request was answered (or silent by design)')
  t.equal(counts.answered, counts.sent, 'as many replies as requests')
  t.ok(counts.sent >= TARGET, `at least ${TARGET} requests sent (${counts.sent})`)
  // With the default target every shape gets dozens of requests; a small FUZZ_REQUESTS may not reach them all.
  if (QUOTA.main >= mainShapes.length * 5) t.equal(counts.shapesSent.size, used.length, 'every shape was sent at least once')
  t.same(counts.leaked, [], 'no MOVED or ASK reached a client')
  t.same(counts.linkFailures, [], 'no request failed for a link or topology reason (the cluster is healthy)')
  t.same(control.wrong, [], 'every control reply was exact')
  t.ok(control.verified > 1000, `the control client kept going (${control.verified} replies)`)
  t.ok(rssPeak - rss0 < 300 * MiB, `RSS peak within 300 MiB of the start (+${((rssPeak - rss0) / MiB).toFixed(0)} MiB)`)
  if (crashedDuringRun === null) {
    const c = await RawConn.open(cli.port)
    t.equal(await c.call('SET', `${CONTROL_PREFIX}after`, 'ok'), '+OK\r\n', 'slotgate still serves')
    t.equal(await c.call('GET', `${CONTROL_PREFIX}after`), '$2\r\nok\r\n')
    c.destroy()
  }
})
