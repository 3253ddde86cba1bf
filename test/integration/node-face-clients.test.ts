// The rest of a node's face, on a real 3-master cluster: CLIENT LIST with real per-client
// facts, CLIENT SETINFO / NO-TOUCH, CLIENT UNBLOCK of a client blocked through slotgate,
// SCRIPT KILL and FUNCTION KILL reaching the busy master past the script's own connection
// (PING answering BUSY meanwhile, the busy master never taken for dead), keyless scripts on
// the master that serves their keys, and MONITOR fanned in from every master when allowed.
import { createHash } from 'node:crypto'
import { Redis } from 'ioredis'
import t from 'tap'
import { HOST, startCoreEnv } from '../helpers/core-env.js'
import { cmd, eventually, RawConns } from '../helpers/raw-conn.js'
import { startProxy } from '../helpers/start-proxy.js'
import { ReplyStrings } from '../../src/resp/reply-strings.js'

const env = await startCoreEnv()
t.teardown(env.stop)
const raws = new RawConns(env.proxy.port)
t.teardown(() => { raws.destroyAll() })

/** CLIENT LIST's line for client `id`, as field → value. */
async function listed (id: number): Promise<Map<string, string>> {
  const c = await raws.open()
  const frame = await c.call('CLIENT', 'LIST', 'ID', id)
  c.destroy()
  const line = frame.slice(frame.indexOf('\r\n') + 2).trim()
  return new Map(line.split(' ').map(f => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]))
}
const idOf = (frame: string): number => Number(/^:(\d+)/.exec(frame)?.[1])
const masters = env.masters.map(port => {
  const r = new Redis({ host: HOST, port, maxRetriesPerRequest: 0 })
  r.on('error', () => {})
  t.teardown(() => { r.disconnect() })
  return r
})

t.test('CLIENT LIST: fd, qbuf, omem, oll, flags and multi are the client\'s own', async t => {
  const a = await raws.open()
  const b = await raws.open()
  const [ida, idb] = [idOf(await a.call('CLIENT', 'ID')), idOf(await b.call('CLIENT', 'ID'))]
  const [la, lb] = [await listed(ida), await listed(idb)]
  t.ok(Number(la.get('fd')) > 2 && Number(lb.get('fd')) > 2, 'a real descriptor')
  t.not(la.get('fd'), lb.get('fd'), 'each client its own')
  t.equal(la.get('flags'), 'N')

  a.write('*3\r\n$3\r\nSET\r\n$7\r\n{cl}key\r\n$20\r\nhalf') // a command cut short
  t.ok(await eventually(async () => Number((await listed(ida)).get('qbuf')) > 0, 2000), 'qbuf: the unparsed bytes')
  a.write('-of-the-value-xx\r\n')
  t.equal((await a.read(1))[0], '+OK\r\n')
  t.equal((await listed(ida)).get('qbuf'), '0')

  t.equal(await a.call('MULTI'), '+OK\r\n')
  await a.call('SET', '{cl}a', '1')
  await a.call('SET', '{cl}b', '2')
  const inMulti = await listed(ida)
  t.equal(inMulti.get('flags'), 'x')
  t.equal(inMulti.get('multi'), '2', 'commands queued')
  await a.call('DISCARD')
  await a.call('READONLY')
  await a.call('CLIENT', 'NO-EVICT', 'on')
  t.equal((await listed(ida)).get('flags'), 're', 'READONLY and NO-EVICT, in Redis\' letter order')

  // A client that reads nothing while big replies come: its unsent bytes are omem.
  await b.call('SET', '{cl}big', 'x'.repeat(4 * 1024 * 1024))
  b.socket.pause()
  b.write(cmd('GET', '{cl}big').repeat(8))
  t.ok(await eventually(async () => Number((await listed(idb)).get('omem')) > 0, 5000), 'omem: bytes the client has not taken')
  const slow = await listed(idb)
  t.equal(slow.get('events'), 'rw')
  t.equal(Number(slow.get('tot-mem')), Number(slow.get('qbuf')) + Number(slow.get('omem')))
  b.destroy()
})

t.test('CLIENT SETINFO (7.2 clients send it on connect) and CLIENT NO-TOUCH', async t => {
  const c = await raws.open()
  const id = idOf(await c.call('CLIENT', 'ID'))
  t.equal(await c.call('CLIENT', 'SETINFO', 'LIB-NAME', 'redis-py'), '+OK\r\n')
  t.equal(await c.call('CLIENT', 'SETINFO', 'lib-ver', '5.0.1'), '+OK\r\n')
  t.equal(await c.call('CLIENT', 'SETINFO', 'lib-name', 'has space'), '-ERR lib-name cannot contain spaces, newlines or special characters.\r\n')
  t.equal(await c.call('CLIENT', 'SETINFO', 'color', 'red'), '-ERR Unrecognized option \'color\'\r\n')
  const f = await listed(id)
  t.equal(f.get('lib-name'), 'redis-py')
  t.equal(f.get('lib-ver'), '5.0.1')
  t.equal(await c.call('CLIENT', 'NO-TOUCH', 'on'), `-${ReplyStrings.noTouchUnsupported}\r\n`)
})

t.test('CLIENT UNBLOCK ends a command blocked through slotgate; the node stops waiting', async t => {
  const c = await raws.open()
  const blocked = await raws.open()
  const id = idOf(await blocked.call('CLIENT', 'ID'))
  const blockedOnNode = async (): Promise<boolean> => (await listed(id)).get('flags') === 'b'

  blocked.write(cmd('BLPOP', '{ub}list', '0'))
  t.ok(await eventually(blockedOnNode, 3000), 'flag b once it waits on its node')
  t.equal(await c.call('CLIENT', 'UNBLOCK', id), ':1\r\n')
  t.same(await blocked.read(1), ['*-1\r\n'], 'as a timeout: a null array')

  blocked.write(cmd('BLMOVE', '{ub}list', '{ub}dst', 'LEFT', 'LEFT', '0'))
  t.ok(await eventually(blockedOnNode, 3000))
  t.equal(await c.call('CLIENT', 'UNBLOCK', id, 'ERROR'), ':1\r\n')
  t.same(await blocked.read(1), ['-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n'])

  blocked.write(cmd('XREAD', 'BLOCK', '0', 'STREAMS', '{ub}stream', '$'))
  t.ok(await eventually(blockedOnNode, 3000))
  t.equal(await c.call('CLIENT', 'UNBLOCK', id, 'TIMEOUT'), ':1\r\n')
  t.same(await blocked.read(1), ['*-1\r\n'])

  t.equal(await c.call('RPUSH', '{ub}list', 'kept'), ':1\r\n')
  await new Promise(resolve => setTimeout(resolve, 200))
  t.equal(await c.call('LLEN', '{ub}list'), ':1\r\n', 'no unblocked command of the node took the element')
  t.equal(await blocked.call('PING'), '+PONG\r\n', 'the client goes on')

  t.equal(await c.call('CLIENT', 'UNBLOCK', id), ':0\r\n', 'a client that is not blocked')
  t.equal(await c.call('CLIENT', 'UNBLOCK', '999999'), ':0\r\n', 'no such client')
  t.equal(await c.call('CLIENT', 'UNBLOCK', id, 'LATER'), '-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n')
  t.equal(await c.call('CLIENT', 'UNBLOCK', 'x'), '-ERR value is not an integer or out of range\r\n')

  const resp3 = await raws.open()
  await resp3.call('HELLO', '3')
  const id3 = idOf(await resp3.call('CLIENT', 'ID'))
  resp3.write(cmd('BLPOP', '{ub}none', '0'))
  t.ok(await eventually(async () => (await listed(id3)).get('flags') === 'b', 3000))
  t.equal(await c.call('CLIENT', 'UNBLOCK', id3), ':1\r\n')
  t.same(await resp3.read(1), ['_\r\n'], 'RESP3: the null')
})

t.test('SCRIPT KILL reaches the busy master; PING answers BUSY meanwhile; the master is not taken for dead', async t => {
  for (const m of masters) await m.config('SET', 'busy-reply-threshold', '50')
  t.teardown(async () => { for (const m of masters) await m.config('SET', 'busy-reply-threshold', '5000') })
  const c = await raws.open()
  const runner = await raws.open()
  t.equal(await c.call('SCRIPT', 'KILL'), '-NOTBUSY No scripts in execution right now.\r\n', 'nothing to kill')
  const lostBefore = env.proxy.dispatcher.stats.unknownOutcome

  runner.write(cmd('EVAL', 'while true do end', '0'))
  t.ok(await eventually(async () => (await c.call('PING')).startsWith('-BUSY'), 3000), 'PING answers the busy master\'s BUSY')
  const other = env.masters.map(port => env.keyOn(port, 'busy:'))
  t.match(await c.call('FUNCTION', 'KILL'), /^-BUSY Redis is busy running a script\. You can only call SCRIPT KILL/,
    'FUNCTION KILL does not kill a script: the busy master says so')
  t.equal(await c.call('SCRIPT', 'KILL'), '+OK\r\n')
  t.match((await runner.read(1))[0], /^-ERR .*Script killed by user with SCRIPT KILL/, 'the script\'s client is told')
  t.ok(await eventually(async () => await c.call('PING') === '+PONG\r\n', 2000), 'PONG again')
  for (const k of other) t.equal(await c.call('SET', k, 'after'), '+OK\r\n', 'every master answers')
  t.equal(env.proxy.dispatcher.stats.unknownOutcome, lostBefore, 'no link was cut: nothing in flight was lost')
  t.equal(env.proxy.topology.masters().length, 3)
  t.equal(await c.call('SCRIPT', 'KILL'), '-NOTBUSY No scripts in execution right now.\r\n')
})

t.test('FUNCTION KILL reaches the master running the function; SCRIPT KILL refuses it as a node does', async t => {
  for (const m of masters) await m.config('SET', 'busy-reply-threshold', '50')
  t.teardown(async () => { for (const m of masters) await m.config('SET', 'busy-reply-threshold', '5000') })
  const c = await raws.open()
  const runner = await raws.open()
  t.equal(await c.call('FUNCTION', 'LOAD', 'REPLACE', '#!lua name=spin\nredis.register_function(\'spin\', function() while true do end end)'), '$4\r\nspin\r\n')
  runner.write(cmd('FCALL', 'spin', '0'))
  t.ok(await eventually(async () => (await c.call('PING')).startsWith('-BUSY'), 3000))
  t.match(await c.call('SCRIPT', 'KILL'), /^-BUSY Redis is busy running a script\. You can only call FUNCTION KILL/, 'the busy master\'s refusal')
  t.match(await c.call('FUNCTION', 'STATS'), /running_script\r\n\*6\r\n\$4\r\nname\r\n\$4\r\nspin\r\n/, 'FUNCTION STATS shows it')
  t.equal(await c.call('FUNCTION', 'KILL'), '+OK\r\n')
  t.match((await runner.read(1))[0], /killed by user/)
  t.ok(await eventually(async () => await c.call('PING') === '+PONG\r\n', 2000))
  await c.call('FUNCTION', 'DELETE', 'spin')
})

t.test('a script that declares no key runs on the master serving the keys it touches', async t => {
  const c = await raws.open()
  for (const port of env.masters) {
    const key = env.keyOn(port, 'keyless:')
    t.equal(await c.call('EVAL', 'return redis.call("incr", ARGV[1])', '0', key), ':1\r\n', `${key} on ${port}`)
    t.equal(await masters[env.masters.indexOf(port)].get(key), '1')
  }
  // The script is on the masters that ran it; slotgate knows its body and loads it where missing.
  const sha = createHash('sha1').update('return redis.call("incr", ARGV[1])').digest('hex')
  t.equal(await c.call('SCRIPT', 'EXISTS', sha, 'f'.repeat(40)), '*2\r\n:1\r\n:0\r\n', 'SCRIPT EXISTS: runnable through slotgate')
  const [k1, k2] = [env.keyOn(env.masters[0], 'keyless2:'), env.keyOn(env.masters[1], 'keyless2:')]
  t.match(await c.call('EVAL', 'redis.call("get", ARGV[1]) return redis.call("get", ARGV[2])', '0', k1, k2),
    /^-ERR Script attempted to access a non local key in a cluster node/, 'keys of two masters: the cluster\'s error')
})

t.test('MONITOR: denied by default; where allowed, every master\'s commands fanned in', async t => {
  t.match(await (await raws.open()).call('MONITOR'), /^-ERR slotgate: 'MONITOR' is denied by the proxy's command policy/)
  const proxy = await startProxy(env.cluster.seeds(), { denyCommands: [] })
  t.teardown(async () => { await proxy.close() })
  const monitor = await raws.open(proxy.port)
  const id = idOf(await monitor.call('CLIENT', 'ID'))
  t.equal(await monitor.call('MONITOR'), '+OK\r\n')
  const c = await raws.open(proxy.port)
  const keys = env.masters.map(port => env.keyOn(port, 'mon:'))
  for (const k of keys) await c.call('SET', k, 'seen')
  const lines: string[] = []
  t.ok(await eventually(async () => {
    lines.push(...await monitor.drain(100))
    return keys.every(k => lines.some(l => l.includes(`"SET" "${k}" "seen"`)))
  }, 3000), 'a line for each SET, whichever master ran it')
  t.ok(lines.every(l => l.startsWith('+')), 'as a node writes them')
  const list = await c.call('CLIENT', 'LIST', 'ID', id)
  t.match(list, /flags=O /)
  monitor.write(cmd('RESET'))
  t.ok(await eventually(async () => (await monitor.drain(100)).includes('+RESET\r\n'), 2000), 'RESET ends it')
  await c.call('SET', keys[0], 'unseen')
  t.same((await monitor.drain(200)).filter(l => l.includes('unseen')), [])
})
