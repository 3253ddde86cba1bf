// SCAN keeps Redis' guarantee while slots move (issue 14): every key present for the whole
// iteration is returned at least once. The hard case: slots move from a shard the iteration
// has not reached yet into one it has already finished, mid-iteration. (Before: the cursor
// went on shard by shard and the moved keys were never returned.)
import t from 'tap'
import { keySlot } from '../../src/cluster/key-slot.js'
import { startCoreEnv } from '../helpers/core-env.js'
import { RawConn } from '../helpers/raw-conn.js'

const env = await startCoreEnv({ cluster: { masters: 3, replicasPerMaster: 0, nodeTimeoutMs: 5000 } })
const conns: RawConn[] = []
t.teardown(async () => { for (const c of conns) c.destroy(); await env.stop() })

/** One SCAN call: the next cursor and the keys. */
async function scan (c: RawConn, cursor: string): Promise<[string, string[]]> {
  const frame = await c.call('SCAN', cursor, 'COUNT', '50')
  const words = [...frame.matchAll(/\$\d+\r\n([^\r]*)\r\n/g)].map(m => m[1])
  return [words[0], words.slice(1)]
}

t.test('slots moving from the shard scanned last into the one scanned first, mid-iteration: no key missed', async t => {
  const keys: string[] = []
  for (let i = 0; i < 3000; i++) keys.push(`sm:${i}`)
  const writer = await env.legacyClient()
  for (let i = 0; i < keys.length; i += 500) await writer.mset(...keys.slice(i, i + 500).flatMap(k => [k, 'v']))
  // Shards in slot order: the first is scanned first, the last last.
  const first = env.ownerAtStart(0)
  const last = env.ownerAtStart(16383)
  const lastSlots = [...new Set(keys.map(k => keySlot(Buffer.from(k))))].filter(s => env.ownerAtStart(s) === last).slice(0, 40)
  const moving = keys.filter(k => lastSlots.includes(keySlot(Buffer.from(k))))
  t.ok(moving.length >= 40, `${moving.length} keys in ${lastSlots.length} slots will move`)

  const c = await RawConn.open(env.proxy.port)
  conns.push(c)
  const seen = new Set<string>()
  let cursor = '0'
  let calls = 0
  let moved = false
  do {
    const [next, batch] = await scan(c, cursor)
    for (const k of batch) seen.add(k)
    cursor = next
    calls++
    // Once the iteration is past the first shard (well into the second), move the slots.
    if (!moved && seen.size > 1200) {
      moved = true
      for (const s of lastSlots) await env.cluster.moveSlot(s, first)
      t.comment(`moved ${lastSlots.length} slots after ${calls} calls, ${seen.size} keys seen`)
    }
    if (calls > 5000) throw new Error('SCAN never ended')
  } while (cursor !== '0')
  t.ok(moved, 'the slots moved mid-iteration')
  const missed = keys.filter(k => !seen.has(k))
  t.same(missed.slice(0, 10), [], `every key returned at least once (${missed.length} missed of ${keys.length}; ${calls} calls, ${seen.size} distinct)`)
  t.same(moving.filter(k => !seen.has(k)), [], 'including every key that moved')
})
