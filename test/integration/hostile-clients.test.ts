// Hostile clients (issue 13): nothing one client sends crashes slotgate or disturbs another
// client's replies. A bystander pipelines SET/GET on the same masters the whole time and
// every one of its replies is checked.
import t from 'tap'
import { startCoreEnv } from '../helpers/core-env.js'
import { cmd, RawConn } from '../helpers/raw-conn.js'
import { startProxy } from '../helpers/start-proxy.js'

const env = await startCoreEnv({ cluster: { masters: 3, replicasPerMaster: 0 } })
const conns: RawConn[] = []
t.teardown(async () => { for (const c of conns) c.destroy(); await env.stop() })

async function raw (): Promise<RawConn> {
  const c = await RawConn.open(env.proxy.port)
  conns.push(c)
  return c
}

const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`

/**
 * A bystander pipelining SET k v / GET k on keys of every master while `attack` runs; returns
 * the replies it got that were not the expected ones (empty when undisturbed).
 */
async function withBystander (attack: () => Promise<void>): Promise<string[]> {
  const b = await raw()
  const keys = env.masters.map(port => env.keyOn(port, 'bystander:'))
  const wrong: string[] = []
  let running = true
  const loop = (async () => {
    for (let round = 0; running || round < 3; round++) {
      let out = ''
      for (const k of keys) out += cmd('SET', k, `v${round}`) + cmd('GET', k)
      b.write(out)
      const replies = await b.read(keys.length * 2)
      for (let i = 0; i < keys.length; i++) {
        if (replies[2 * i] !== '+OK\r\n') wrong.push(`SET ${keys[i]}: ${replies[2 * i]}`)
        if (replies[2 * i + 1] !== bulk(`v${round}`)) wrong.push(`GET ${keys[i]}: ${replies[2 * i + 1]}`)
      }
    }
  })()
  try {
    await attack()
  } finally {
    running = false
    await loop
  }
  return wrong
}

t.test('MSET with an odd number of arguments over several slots: an error for that client, nobody else notices', async t => {
  const c = await raw()
  const wrong = await withBystander(async () => {
    for (let i = 0; i < 20; i++) {
      c.write(cmd('MSET', 'a', '1', 'b') + cmd('MSET', 'a', '1', 'b', '2', 'c') + cmd('PING'))
      const [odd, odd2, pong] = await c.read(3)
      t.equal(odd, '-ERR wrong number of arguments for \'mset\' command\r\n', 'MSET a 1 b: the arity error a node gives')
      t.equal(odd2, '-ERR wrong number of arguments for \'mset\' command\r\n', 'MSET a 1 b 2 c too')
      t.equal(pong, '+PONG\r\n', 'the connection goes on')
    }
  })
  t.same(wrong, [], 'the bystander\'s replies are all right')
  t.equal(await c.call('MSET', 'a', '1', 'b', '2'), '+OK\r\n', 'a well-formed split MSET still works')
})

t.test('CONFIG GET never shows the cluster\'s secrets: names and values left out, for patterns, RESP3 and inside MULTI', async t => {
  const c = await raw()
  t.equal(await c.call('CONFIG', 'GET', 'requirepass'), '*0\r\n', 'requirepass asked by name: nothing')
  t.equal(await c.call('CONFIG', 'GET', 'masterauth'), '*0\r\n')
  const all = await c.call('CONFIG', 'GET', '*')
  for (const secret of ['requirepass', 'masterauth', 'masteruser', 'tls-key-file-pass', 'tls-client-key-file-pass']) {
    t.notOk(all.includes(bulk(secret)), `CONFIG GET *: no ${secret}`)
  }
  t.ok(all.includes(bulk('maxmemory')) && all.includes(bulk('cluster-node-timeout')), 'the other parameters are there')
  t.equal(await c.call('CONFIG', 'GET', 'maxmemory', 'requirepass'), `*2\r\n${bulk('maxmemory')}${bulk('0')}`)
  c.write(cmd('MULTI') + cmd('CONFIG', 'GET', '*pass*') + cmd('EXEC'))
  const tx = await c.read(3)
  t.notOk(tx[2].includes('requirepass') || tx[2].includes('masterauth'), 'inside MULTI too')
  t.match(await c.call('HELLO', '3'), /^%/)
  const map = await c.call('CONFIG', 'GET', '*')
  t.match(map, /^%\d+\r\n/, 'RESP3: a map')
  t.notOk(map.includes(bulk('requirepass')), 'RESP3: no requirepass')
})

t.test('maxPendingRequestBytes: a client whose requests pile up unanswered stops being read, others go on', async t => {
  const proxy = await startProxy(env.cluster.seeds(), { maxPendingRequestBytes: 1024 * 1024, commandTimeoutMs: 10_000 })
  t.teardown(async () => { for (const c of conns) if (c.socket.remotePort === proxy.port) c.destroy(); await proxy.close() })
  const victim = env.masters[0]
  const key = env.keyOn(victim, 'pending:')
  const big = 'x'.repeat(200 * 1024)
  const c = await RawConn.open(proxy.port)
  conns.push(c)
  await env.cluster.pause(victim)
  try {
    let out = ''
    for (let i = 0; i < 40; i++) out += cmd('SET', `{${key}}${i}`, big)
    c.write(out)
    await new Promise(resolve => setTimeout(resolve, 500))
    const session = [...proxy.server.sessions()].find(s => s.pendingReplies > 0)
    t.ok(session !== undefined, 'the client has requests pending')
    const held = session?.pendingRequestBytes ?? 0
    t.ok(held >= 1024 * 1024 && held < 1024 * 1024 + 2 * big.length, `slotgate holds ${held} bytes of its requests (the bound: 1 MiB, plus the request that crossed it)`)
    t.ok((session?.pendingReplies ?? 0) < 40, `and read ${session?.pendingReplies} of the 40 requests`)
  } finally {
    await env.cluster.resume(victim)
  }
  t.same(await c.read(40, 10_000), Array(40).fill('+OK\r\n'), 'every request answered once the node is back')
})
