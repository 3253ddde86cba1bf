// Cross-slot blocking pops and transactions under faults (issue 15): a slot migration and a
// failover while producers push and consumers pop over many slots, and transactions across
// slots running meanwhile. Nothing slotgate acknowledged is lost, nothing taken twice.
// Redis' own asynchronous replication can lose (or bring back) what a dying master had not
// passed on: pops confirmed with WAIT are the ones that must never come back.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import type { Redis } from 'ioredis'
import { keySlot } from '../../src/cluster/key-slot.js'
import { slotOf, startCoreEnv } from '../helpers/core-env.js'
import { seededRandom } from '../helpers/seeded-random.js'

const env = await startCoreEnv({ cluster: { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000, extraConfig: ['cluster-require-full-coverage no'] }, proxy: { topologyRefreshIntervalMs: 1000 } })
t.teardown(async () => { await env.stop() })

/** `n` keys with `prefix`, each in a slot of its own. */
function spread (prefix: string, n: number): string[] {
  const out: string[] = []
  const slots = new Set<number>()
  for (let i = 0; out.length < n; i++) {
    const k = `${prefix}${i}`
    if (!slots.has(slotOf(k))) { slots.add(slotOf(k)); out.push(k) }
  }
  return out
}

interface Tally { pushed: Set<string>, popped: Map<string, number>, confirmed: Set<string>, errors: number }

/** Producers LPUSH unique elements (each confirmed by WAIT), consumers BRPOP over every key until stopped. */
async function run (keys: string[], during: () => Promise<void>): Promise<Tally> {
  const random = seededRandom(7)
  const tally: Tally = { pushed: new Set(), popped: new Map(), confirmed: new Set(), errors: 0 }
  const consumers: Redis[] = await Promise.all(Array.from({ length: 4 }, async () => await env.legacyClient()))
  const producers: Redis[] = await Promise.all(Array.from({ length: 2 }, async () => await env.legacyClient()))
  let stop = false
  const consumed = consumers.map(async (c, i) => {
    while (!stop) {
      try {
        const order = keys.map((_, j) => keys[(j + i) % keys.length])
        const r = await c.brpop(...order, 0.3)
        if (r === null) continue
        tally.popped.set(r[1], (tally.popped.get(r[1]) ?? 0) + 1)
        // Replicated pops cannot come back after a failover.
        if (await c.wait(1, 1000) >= 1) tally.confirmed.add(r[1])
      } catch { tally.errors++ }
    }
  })
  let producing = true
  const produced = producers.map(async (p, pi) => {
    for (let n = 0; producing; n++) {
      const element = `p${pi}:${n}`
      try {
        await p.lpush(keys[Math.floor(random() * keys.length)], element)
        if (await p.wait(1, 1000) >= 1) tally.pushed.add(element)
      } catch { tally.errors++ }
      await sleep(2)
    }
  })
  await sleep(500)
  await during()
  await sleep(500)
  producing = false
  await Promise.all(produced)
  for (let i = 0; i < 60 && tally.popped.size < tally.pushed.size; i++) await sleep(100)
  stop = true
  await Promise.all(consumed)
  return tally
}

async function leftInLists (keys: string[]): Promise<Set<string>> {
  const left = new Set<string>()
  for (const k of keys) for (const e of await env.direct.lrange(k, 0, -1)) left.add(e)
  return left
}

async function stagingLeft (): Promise<number> {
  let n = 0
  for (const node of env.direct.nodes('master')) n += (await node.keys('*slotgate:pop:*')).length
  return n
}

t.test('cross-slot BRPOP while one of its slots migrates: every acknowledged element popped once or still there', async t => {
  const keys = spread('csf:mig:', 6)
  const tally = await run(keys, async () => {
    // Three of the keys' slots move, one after the other, while the load runs.
    for (const key of keys.slice(0, 3)) {
      const slot = keySlot(Buffer.from(key))
      const from = await env.cluster.masterPortForSlot(slot)
      await env.cluster.moveSlot(slot, env.masters.find(p => p !== from) as number)
      await sleep(300)
    }
  })
  const left = await leftInLists(keys)
  const twice = [...tally.popped].filter(([, n]) => n > 1)
  const lost = [...tally.pushed].filter(e => !tally.popped.has(e) && !left.has(e))
  t.comment(`pushed ${tally.pushed.size}, popped ${tally.popped.size}, left ${left.size}, twice ${twice.length}, lost ${lost.length}, client errors ${tally.errors}`)
  t.ok(tally.pushed.size > 50, 'a real load')
  t.same(twice, [], 'nothing popped twice')
  t.same(lost, [], 'nothing acknowledged lost')
  t.equal(await stagingLeft(), 0, 'no staging list left')
})

t.test('cross-slot BRPOP and transactions across slots while a master fails over', async t => {
  const keys = spread('csf:fo:', 6)
  const victim = await env.cluster.masterPortForSlot(keySlot(Buffer.from(keys[0])))
  const counters = spread('csf:tx:', 3)
  const tx = await env.legacyClient()
  let committed = 0
  let unknown = 0
  let txRunning = true
  const transactions = (async () => {
    while (txRunning) {
      const r = await tx.multi().incr(counters[0]).incr(counters[1]).incr(counters[2]).exec().catch((e: Error) => e)
      if (Array.isArray(r) && r.every(([err]) => err === null)) committed++
      else unknown++
      await sleep(5)
    }
  })()
  const tally = await run(keys, async () => {
    await env.cluster.kill(victim)
    await env.cluster.waitForFailover(victim)
  })
  txRunning = false
  await transactions
  const left = await leftInLists(keys)
  const twice = [...tally.popped].filter(([e, n]) => n > 1 && tally.confirmed.has(e))
  const lost = [...tally.pushed].filter(e => !tally.popped.has(e) && !left.has(e))
  t.comment(`pushed ${tally.pushed.size}, popped ${tally.popped.size} (${tally.confirmed.size} confirmed by WAIT), left ${left.size}, confirmed pops seen twice ${twice.length}, lost ${lost.length}, client errors ${tally.errors}`)
  t.same(twice, [], 'no replicated pop came back')
  t.same(lost, [], 'no element acknowledged by WAIT lost')
  const values = await Promise.all(counters.map(async c => Number(await env.direct.get(c))))
  t.comment(`transactions: ${committed} committed, ${unknown} failed or of unknown outcome; counters ${values.join(', ')}`)
  for (const v of values) t.ok(v >= committed && v <= committed + unknown, `each slot's part ran at most once per EXEC (${v} within ${committed}..${committed + unknown})`)
  await env.cluster.restart(victim)
  await env.cluster.waitForRole(victim, 'replica')
})
