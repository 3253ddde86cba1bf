// Hostile clients (issue 13): nothing one client sends crashes slotgate or disturbs another
// client's replies. A bystander pipelines SET/GET on the same masters the whole time and
// every one of its replies is checked.
import t from 'tap'
import { startCoreEnv } from '../helpers/core-env.js'
import { cmd, RawConn } from '../helpers/raw-conn.js'

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
