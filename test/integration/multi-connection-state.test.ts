// Nothing queued in MULTI changes a connection another client uses (issue 13, point 3). For
// every command of the @connection and @pubsub categories in the cluster's own COMMAND table
// (subcommands included), every no_multi command, MONITOR and ASKING: one client sends
// MULTI / <command> / EXEC while a bystander pipelines writes and reads on every master. The
// client gets its three replies; the bystander's replies are all there, right and in order;
// and afterwards every connection slotgate holds to each master is as it was, as the node's
// CLIENT LIST shows it: RESP2, no name, not subscribed, not monitoring, not read-only, no
// tracking, not in MULTI, the same user.
import t from 'tap'
import { Redis } from 'ioredis'
import { startCoreEnv } from '../helpers/core-env.js'
import { cmd, RawConn } from '../helpers/raw-conn.js'

const env = await startCoreEnv()
const conns: RawConn[] = []
const nodes: Redis[] = []
t.teardown(async () => {
  for (const c of conns) c.destroy()
  for (const n of nodes) n.disconnect()
  await env.stop()
})

async function raw (): Promise<RawConn> {
  const c = await RawConn.open(env.proxy.port)
  conns.push(c)
  return c
}

/** Arguments that make each command do what it does (change state), not fail its arity check. */
const ARGS: Record<string, string[]> = {
  auth: ['default', 'not-the-password'],
  hello: ['3'],
  select: ['0'],
  echo: ['echoed'],
  'client|setname': ['renamed-inside-multi'],
  'client|reply': ['OFF'],
  'client|kill': ['ID', '999999'],
  'client|tracking': ['ON'],
  'client|caching': ['YES'],
  'client|no-evict': ['ON'],
  'client|pause': ['10'],
  'client|unblock': ['999999'],
  'client|getredir': [],
  subscribe: ['mcs:channel'],
  psubscribe: ['mcs:*'],
  ssubscribe: ['mcs:shard'],
  publish: ['mcs:channel', 'message'],
  spublish: ['mcs:shard', 'message'],
  'pubsub|numsub': ['mcs:channel'],
  'pubsub|shardnumsub': ['mcs:shard'],
  watch: ['mcs:watched'],
  wait: ['0', '10']
}

interface Entry { name: string, categories: string[], flags: string[] }

/** The cluster's COMMAND table, subcommands as `parent|sub`. */
async function commandTable (): Promise<Entry[]> {
  const reply = await env.direct.nodes('master')[0].call('COMMAND') as unknown[][]
  const out: Entry[] = []
  const add = (e: unknown[]): void => {
    out.push({ name: String(e[0]).toLowerCase(), flags: (e[2] as string[]).map(String), categories: (e[6] as string[]).map(String) })
  }
  for (const e of reply) {
    add(e)
    for (const sub of (e[9] as unknown[][] | undefined) ?? []) add(sub)
  }
  return out
}

const table = await commandTable()
const chosen = table.filter(e => e.categories.includes('@connection') || e.categories.includes('@pubsub') || e.flags.includes('no_multi') ||
  e.name === 'monitor' || e.name === 'asking').map(e => e.name)
  // A command with subcommands is tried through them.
  .filter(name => name.includes('|') || !table.some(e => e.name.startsWith(`${name}|`)))
  .sort()

/** One plain client per master, to read its CLIENT LIST. */
for (const port of env.masters) {
  const n = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, protocol: 2, disableClientInfo: true })
  n.on('error', () => {})
  nodes.push(n)
}
/** Connections of this test's own (the observers, and the cluster client checking ground truth), by id. */
const ownIds = new Set([
  ...await Promise.all(nodes.map(async n => Number(await n.call('CLIENT', 'ID')))),
  ...await Promise.all(env.direct.nodes('all').map(async n => Number(await n.call('CLIENT', 'ID'))))
])

/** slotgate's connections to each master as the node lists them (the test's own and the replicas' excluded). */
async function slotgateConnections (): Promise<Array<Record<string, string>>> {
  const all: Array<Record<string, string>> = []
  for (const [i, n] of nodes.entries()) {
    const list = String(await n.call('CLIENT', 'LIST')).trim().split('\n')
    for (const line of list) {
      const fields = Object.fromEntries(line.trim().split(' ').map(kv => { const at = kv.indexOf('='); return [kv.slice(0, at), kv.slice(at + 1)] }))
      if (ownIds.has(Number(fields.id)) || fields.flags.includes('S') || fields.flags.includes('M')) continue
      all.push({ ...fields, master: String(env.masters[i]) })
    }
  }
  return all
}

/** What each of slotgate's connections to a master must still be. */
function changed (c: Record<string, string>): string[] {
  const wrong: string[] = []
  if (c.resp !== '2') wrong.push(`resp=${c.resp}`)
  if (c.name !== '') wrong.push(`name=${c.name}`)
  if (c.flags !== 'N') wrong.push(`flags=${c.flags}`)
  for (const k of ['sub', 'psub', 'ssub']) if (c[k] !== '0') wrong.push(`${k}=${c[k]}`)
  if (c.multi !== '-1') wrong.push(`multi=${c.multi}`)
  if (c.db !== '0') wrong.push(`db=${c.db}`)
  if (c.user !== 'default') wrong.push(`user=${c.user}`)
  return wrong
}

// One key on each master for the bystander.
const keys = env.masters.map(port => env.keyOn(port, 'mcs:bystander:'))

t.test('the commands tried: every @connection and @pubsub command, no_multi commands, MONITOR, ASKING', async t => {
  t.ok(chosen.length >= 40, `${chosen.length} commands and subcommands: ${chosen.join(' ')}`)
  for (const must of ['hello', 'auth', 'client|reply', 'client|setname', 'client|tracking', 'select', 'readonly', 'reset', 'subscribe', 'monitor', 'asking']) {
    t.ok(chosen.includes(must), `${must} is among them`)
  }
  t.same((await slotgateConnections()).flatMap(changed), [], 'slotgate\'s connections start plain')
})

for (const name of chosen) {
  t.test(`MULTI / ${name.replace('|', ' ').toUpperCase()} / EXEC changes no connection another client uses`, async t => {
    const words = [...name.split('|').map(w => w.toUpperCase()), ...ARGS[name] ?? []]
    const bystander = await raw()
    const client = await raw()
    let pipeline = ''
    for (let i = 0; i < 10; i++) for (const key of keys) pipeline += cmd('SET', key, `${name}:${i}`) + cmd('GET', key)
    bystander.write(pipeline)
    client.write(cmd('MULTI') + cmd(...words) + cmd('EXEC'))
    if (name === 'quit') {
      // QUIT is not queued: it answers +OK and closes the connection, as on a node.
      t.same(await client.read(2), ['+OK\r\n', '+OK\r\n'], 'MULTI, then QUIT\'s +OK')
      t.ok(await client.waitClosed(), 'the connection is closed')
    } else if (name === 'reset') {
      // RESET is not queued either: it runs at once and leaves MULTI, so EXEC has none.
      t.same(await client.read(3), ['+OK\r\n', '+RESET\r\n', '-ERR EXEC without MULTI\r\n'], 'as on a node')
    } else {
      const replies = await client.read(3)
      t.equal(replies[0], '+OK\r\n', 'MULTI')
      t.ok(/^(\+QUEUED|-)/.test(replies[1]), `queued or refused: ${JSON.stringify(replies[1].slice(0, 160))}`)
      t.ok(/^[*_-]/.test(replies[2]), `EXEC answers (an array, an error or null): ${JSON.stringify(replies[2].slice(0, 160))}`)
    }
    const expected = Array.from({ length: 10 }, (_, i) => keys.map(() => ['+OK\r\n', `$${Buffer.byteLength(`${name}:${i}`)}\r\n${name}:${i}\r\n`]).flat()).flat()
    t.same(await bystander.read(expected.length), expected, 'the bystander\'s replies: all there, right, in order')
    t.same(await bystander.call('HGETALL', 'mcs:missing'), '*0\r\n', 'the bystander still gets RESP2')
    const wrong = (await slotgateConnections()).flatMap(c => changed(c).map(w => `${c.master} id=${c.id}: ${w}`))
    t.same(wrong, [], 'slotgate\'s connections to the masters are as they were')
    client.destroy()
    bystander.destroy()
  })
}
