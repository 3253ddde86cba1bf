// Resharding under a plain client: a slot migrated by hand (ASK while keys move, MOVED once
// the slot is reassigned) and a slot moved behind slotgate's back. slotgate must follow every
// redirect itself (cluster spec, "Redirection and resharding"): no MOVED, ASK or other error
// may reach the client, and every value read must be right.
import t from 'tap'
import type { Redis } from 'ioredis'
import { HOST, slotOf, startCoreEnv } from '../helpers/core-env.js'

// A long periodic refresh: the slot map may only learn of the move from the MOVED replies
// this test counts (a periodic refresh landing between two phases would hide them).
const env = await startCoreEnv({ proxy: { topologyRefreshIntervalMs: 600_000 } })
t.teardown(env.stop)
const stats = env.proxy.dispatcher.stats

/** A plain connection straight to one node (no redirects followed). */
async function nodeClient (port: number): Promise<Redis> {
  return await env.legacyClient({ port, protocol: 2 })
}

/** GETs every key in one pipeline through `client`; returns the replies or the first error. */
async function getAll (client: Redis, keys: string[]): Promise<Array<string | null>> {
  const results = await client.pipeline(keys.map(k => ['get', k])).exec() as Array<[Error | null, string | null]>
  const failed = results.find(r => r[0] !== null)?.[0]
  if (failed != null) throw failed
  return results.map(r => r[1])
}

/**
 * Keeps INCRing one counter and reading one fixed key of `slot` through its own slotgate
 * connection until stopped; records every error and every wrong reply.
 */
function backgroundClient (client: Redis, counterKey: string, fixedKey: string, fixedValue: string): { stop: () => Promise<{ incrs: number, problems: string[] }> } {
  const problems: string[] = []
  let incrs = 0
  let running = true
  const loop = (async () => {
    while (running) {
      try {
        const [n, v] = await Promise.all([client.incr(counterKey), client.get(fixedKey)])
        if (n !== incrs + 1) problems.push(`INCR ${counterKey} returned ${n} after ${incrs} INCRs`)
        incrs = n
        if (v !== fixedValue) problems.push(`GET ${fixedKey} returned ${JSON.stringify(v)}`)
      } catch (err) {
        problems.push((err as Error).message)
        incrs++ // the failed INCR may or may not have run; count it so later checks stay meaningful
      }
    }
  })()
  return {
    async stop () {
      running = false
      await loop
      return { incrs, problems }
    }
  }
}

t.test('a slot migrated by hand: served, then ASK, then MOVED; the client never sees a redirect', async t => {
  const [source, target] = [env.masters[0], env.masters[1]]
  const tag = env.keyOn(source, 'mig')
  const slot = slotOf(tag)
  const keys = Array.from({ length: 100 }, (_, i) => `{${tag}}:${i}`)
  t.equal(await env.cluster.masterPortForSlot(slot), source, `slot ${slot} starts on ${source}`)
  t.ok(keys.every(k => slotOf(k) === slot), 'every key is in that slot')

  const client = await env.legacyClient()
  const src = await nodeClient(source)
  const dst = await nodeClient(target)
  /** Reads a key on the importing target: only with ASKING first on the same connection. */
  const onTarget = async (key: string): Promise<string | null> => {
    const r = await dst.pipeline().asking().get(key).exec() as Array<[Error | null, string | null]>
    if (r[1][0] !== null) throw r[1][0]
    return r[1][1]
  }
  const keysOnSource = async (): Promise<Set<string>> => new Set(await src.cluster('GETKEYSINSLOT', slot, 1000) as string[])

  const setAll = async (suffix: string): Promise<void> => {
    const r = await client.pipeline(keys.map((k, i) => ['set', k, `v${i}${suffix}`])).exec() as Array<[Error | null, string]>
    t.same(r.map(x => x[0]?.message ?? x[1]), keys.map(() => 'OK'), `SET of the 100 keys (${suffix}): all OK`)
  }
  await setAll('-a')
  t.equal(await client.set(`{${tag}}:ro`, 'fixed'), 'OK')
  const bg = backgroundClient(await env.legacyClient(), `{${tag}}:bg`, `{${tag}}:ro`, 'fixed')

  // Phase 1: MIGRATING/IMPORTING, no key moved yet: the source serves everything.
  await env.cluster.beginSlotMigration(slot, target)
  const ask0 = stats.ask
  const moved0 = stats.moved
  t.same(await getAll(client, keys), keys.map((_, i) => `v${i}-a`), 'phase 1: every value read right')
  await setAll('-b')
  t.same(await getAll(client, keys), keys.map((_, i) => `v${i}-b`), 'phase 1: writes landed')
  t.equal(stats.ask, ask0, 'phase 1: no ASK from our client (every key is still on the source)')
  t.equal(env.proxy.topology.masterFor(slot), `${HOST}:${source}`, 'phase 1: the slot map still says source')

  // Phase 2: half the keys moved: the source answers ASK for those, slotgate follows with ASKING.
  t.equal(await env.cluster.migrateSlotKeys(slot, 50), 50, 'phase 2: 50 keys migrated')
  const left = await keysOnSource()
  const migrated = keys.filter(k => !left.has(k))
  // The slot also holds the background client's two keys, so 48 to 50 of the moved 50 are ours.
  t.ok(migrated.length >= 48 && migrated.length <= 50, `phase 2: ${migrated.length} of our keys are on the target now`)
  const ask1 = stats.ask
  t.same(await getAll(client, keys), keys.map((_, i) => `v${i}-b`), 'phase 2: every value read right, moved or not')
  t.ok(stats.ask - ask1 >= migrated.length, `phase 2: at least one ASK per migrated key read (${stats.ask - ask1})`)
  await setAll('-c')
  t.same(await getAll(client, keys), keys.map((_, i) => `v${i}-c`), 'phase 2: writes through ASK landed')
  for (const k of migrated.slice(0, 10)) t.equal(await onTarget(k), `v${keys.indexOf(k)}-c`, `phase 2: ${k} was written on the target`)
  const stayed = keys.filter(k => left.has(k))
  t.same(await src.mget(...stayed), stayed.map(k => `v${keys.indexOf(k)}-c`), 'phase 2: the keys not moved were written on the source')
  // A key that exists nowhere yet goes where Redis says: the source sends it to the target.
  t.equal(await client.set(`{${tag}}:new`, 'fresh'), 'OK', 'phase 2: SET of a new key')
  t.equal(await client.get(`{${tag}}:new`), 'fresh', 'phase 2: read back through slotgate')
  t.equal(await onTarget(`{${tag}}:new`), 'fresh', 'phase 2: the new key is on the target')
  t.notOk((await keysOnSource()).has(`{${tag}}:new`), 'phase 2: and not on the source')
  t.equal(stats.moved, moved0, 'phase 2: no MOVED while migrating')
  t.equal(env.proxy.topology.masterFor(slot), `${HOST}:${source}`, 'phase 2: ASK left the slot map alone')

  // Phase 3: every key moved: everything is ASK.
  const rest = await env.cluster.migrateSlotKeys(slot)
  t.ok(rest >= 50, `phase 3: the remaining ${rest} keys migrated`)
  t.equal((await keysOnSource()).size, 0, 'phase 3: the source holds no key of the slot')
  const ask3 = stats.ask
  t.same(await getAll(client, keys), keys.map((_, i) => `v${i}-c`), 'phase 3: every value read right')
  t.ok(stats.ask - ask3 >= keys.length, `phase 3: one ASK per key at least (${stats.ask - ask3})`)

  // Phase 4: the slot is the target's: the source answers MOVED once, then the map knows.
  // (The background client usually meets the first MOVED while the nodes agree on the move.)
  const moved4 = stats.moved
  await env.cluster.finishSlotMigration(slot)
  t.equal(await client.get(keys[0]), 'v0-c', 'phase 4: first read after the move')
  t.ok(stats.moved > moved4, `phase 4: a MOVED was followed (${stats.moved - moved4})`)
  t.equal(env.proxy.topology.masterFor(slot), `${HOST}:${target}`, 'phase 4: the slot map says target')
  const moved5 = stats.moved
  const ask5 = stats.ask
  t.same(await getAll(client, keys), keys.map((_, i) => `v${i}-c`), 'phase 4: every value read right')
  t.equal(stats.moved, moved5, 'phase 4: no more MOVED once the map was updated')
  t.equal(stats.ask, ask5, 'phase 4: and no ASK')
  await setAll('-d')

  const { incrs, problems } = await bg.stop()
  t.same(problems, [], 'the background client never saw an error or a wrong value')
  t.ok(incrs > 10, `the background client kept going through every phase (${incrs} INCRs)`)
  t.equal(await env.direct.get(`{${tag}}:bg`), String(incrs), 'every background INCR applied exactly once')
  t.same(await env.direct.mget(...keys), keys.map((_, i) => `v${i}-d`), 'the cluster holds the last writes')
  t.equal(await env.cluster.masterPortForSlot(slot), target, 'the cluster agrees: the slot is the target\'s')
})

t.test('a slot moved behind slotgate\'s back while clients keep reading: no error', async t => {
  const [source, target] = [env.masters[2], env.masters[0]]
  const tag = env.keyOn(source, 'move')
  const slot = slotOf(tag)
  const keys = Array.from({ length: 200 }, (_, i) => `{${tag}}:${i}`)
  const values = keys.map((_, i) => `m${i}`)
  const writer = await env.legacyClient()
  await writer.mset(...keys.flatMap((k, i) => [k, values[i]]))
  t.equal(env.proxy.topology.masterFor(slot), `${HOST}:${source}`, `slot ${slot} starts on ${source}`)

  const readers = await Promise.all([1, 2, 3].map(async () => await env.legacyClient()))
  const problems: string[] = []
  let reads = 0
  let running = true
  const loops = readers.map(async reader => {
    while (running) {
      try {
        const got = await getAll(reader, keys)
        reads++
        const wrong = got.findIndex((v, i) => v !== values[i])
        if (wrong !== -1) problems.push(`${keys[wrong]} read as ${JSON.stringify(got[wrong])}`)
      } catch (err) {
        problems.push((err as Error).message)
      }
    }
  })
  const redirects0 = stats.moved + stats.ask
  await env.cluster.moveSlot(slot, target)
  // Keep reading a little after the move, so the MOVED path runs under load too.
  const readsAtMove = reads
  while (reads < readsAtMove + 6) await new Promise(resolve => setTimeout(resolve, 10))
  running = false
  await Promise.all(loops)

  t.same(problems, [], 'no error and no wrong value reached the readers')
  t.ok(reads > 6, `the readers kept reading (${reads} passes of ${keys.length} keys)`)
  t.ok(stats.moved + stats.ask > redirects0, `slotgate followed redirects (${stats.moved + stats.ask - redirects0})`)
  t.equal(env.proxy.topology.masterFor(slot), `${HOST}:${target}`, 'the slot map ends at the target')
  t.same(await getAll(writer, keys), values, 'a last read after the move is right')
  t.same(await env.direct.mget(...keys), values, 'the cluster holds the values at the target')
})
