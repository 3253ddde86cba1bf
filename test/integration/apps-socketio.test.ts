// Socket.IO with @socket.io/redis-adapter through slotgate (issue 15 point 4): two servers,
// three websocket clients on each, in two rooms. Checked: a broadcast from one server reaches
// every client of both exactly once; a room broadcast only the room's members; a client's
// message relayed to all others; fetchSockets and serverSideEmitWithAck, which count the
// servers with PUBSUB NUMSUB (SHARDNUMSUB) and wait for that many answers over Pub/Sub; and a
// remote socketsJoin. Both adapters: the classic one on ioredis (PUBLISH/PSUBSCRIBE) and the
// sharded one on node-redis (SPUBLISH/SSUBSCRIBE, a channel per room). Each first against a
// plain redis-server, which proves the test.
import t from 'tap'
import { EXPECTED_ERRORS, WireLog } from '../helpers/apps-wire-log.js'
import { type AdapterKind, type RecordingClient, type SocketServer, connectClient, startSocketServer } from '../helpers/apps-socketio.js'
import { type Tap, startCoreEnv } from '../helpers/core-env.js'
import { eventually } from '../helpers/raw-conn.js'
import { startStandaloneRedis } from '../helpers/standalone-redis.js'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
/** How long a test waits for something that should not arrive, or for all that should. */
const QUIET_MS = 300
const WAIT_MS = 5000

/** Runs the whole scenario with both servers' Redis clients on a relay in front of `targetPort`. */
async function runSocketIo (t: Tap, targetPort: number, kind: AdapterKind): Promise<WireLog> {
  const log = await WireLog.start(targetPort)
  const errors: string[] = []
  const servers: SocketServer[] = []
  const clients: RecordingClient[] = []
  try {
    servers.push(await startSocketServer(0, log.port, kind, errors), await startSocketServer(1, log.port, kind, errors))
    for (const s of servers) {
      for (let k = 0; k < 3; k++) clients.push(await connectClient(s.port, `s${s.index}-c${k}`, k % 2 === 0 ? 'even' : 'odd'))
    }
    await scenario(t, servers, clients)
  } finally {
    for (const c of clients) c.socket.disconnect()
    for (const s of servers) await s.close()
    await log.close()
  }
  t.same(errors, [], 'no error event from any Redis client')
  return log
}

async function scenario (t: Tap, [s0, s1]: SocketServer[], clients: RecordingClient[]): Promise<void> {
  const [io0, io1] = [s0.io, s1.io]
  const names = clients.map(c => c.name).sort()
  // The adapters subscribe in the background: both must count two servers before requests
  // that wait for the others' answers can work.
  const counted = await eventually(async () => (await io0.of('/').adapter.serverCount()) === 2 && (await io1.of('/').adapter.serverCount()) === 2, WAIT_MS)
  t.ok(counted, 'each server counts 2 servers (PUBSUB NUMSUB / SHARDNUMSUB over the adapter\'s channel)')

  const received = async (line: string, who: RecordingClient[]): Promise<string[]> => {
    await eventually(() => who.every(c => c.received.includes(line)), WAIT_MS)
    await sleep(QUIET_MS)
    return clients.filter(c => c.received.includes(line)).map(c => `${c.name} x${c.received.filter(r => r === line).length}`)
  }

  io0.emit('news', 'for everyone')
  t.same(await received('news: "for everyone"', clients), names.map(n => `${n} x1`), 'a broadcast from server 0 reaches all 6 clients on both servers, once each')

  const even = clients.filter(c => c.room === 'even')
  io1.to('room-even').emit('news', 'even only')
  t.same(await received('news: "even only"', even), even.map(c => `${c.name} x1`), 'a room broadcast from server 1 reaches the room\'s 4 members on both servers and no one else')

  const sender = clients.find(c => c.name === 's1-c2') as RecordingClient
  sender.socket.emit('chat', 'hi all')
  const others = clients.filter(c => c !== sender)
  t.same(await received('chat: "s1-c2: hi all"', others), others.map(c => `${c.name} x1`), 'a client\'s message is relayed to the 5 others, not back to it')

  const fetched = await io0.fetchSockets()
  t.same(fetched.map(s => `${String(s.data.name)} ${[...s.rooms].filter(r => r.startsWith('room-')).join(',')}`).sort(),
    clients.map(c => `${c.name} room-${c.room}`).sort(), 'fetchSockets on server 0 returns the 6 sockets of both servers with their rooms')

  const answers = await io0.serverSideEmitWithAck('whoami', 'who is there?') as unknown[]
  t.same(answers, [{ server: 1, question: 'who is there?' }], 'serverSideEmitWithAck from server 0 gets server 1\'s answer')

  // A remote operation: server 0 makes a socket of server 1 join a room, then broadcasts to it.
  const target = clients.find(c => c.name === 's1-c0') as RecordingClient
  io0.in(target.socket.id as string).socketsJoin('room-late')
  const joined = await eventually(async () => (await io1.in('room-late').fetchSockets()).length === 1, WAIT_MS)
  t.ok(joined, 'socketsJoin from server 0 put server 1\'s socket in room-late')
  io0.to('room-late').emit('news', 'late room')
  t.same(await received('news: "late room"', [target]), ['s1-c0 x1'], 'a broadcast to room-late reaches only the socket that joined it remotely')
}

for (const kind of ['classic/ioredis', 'sharded/node-redis'] as const) {
  t.test(`${kind} adapter against a plain redis-server (proves the test)`, async t => {
    const standalone = await startStandaloneRedis()
    t.teardown(async () => { await standalone.stop() })
    const log = await runSocketIo(t, standalone.port, kind)
    t.same(log.failureShapes(EXPECTED_ERRORS), [], 'no request got an unexpected error reply')
    t.comment(`commands sent: ${log.commandSummary()}`)
    for (const line of log.crossSlotShapes()) t.comment(`keys in several slots: ${line}`)
  })
}

const env = await startCoreEnv()
t.teardown(async () => { await env.stop() })

for (const kind of ['classic/ioredis', 'sharded/node-redis'] as const) {
  t.test(`${kind} adapter through slotgate`, async t => {
    const log = await runSocketIo(t, env.proxy.port, kind)
    const failures = log.failureShapes(EXPECTED_ERRORS)
    for (const line of failures) t.comment(`slotgate refused: ${line}`)
    t.same(failures, [], 'no request got an unexpected error reply through slotgate')
  })
}
