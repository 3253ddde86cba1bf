// A reusable client load for the fault tests: N clients in unpipelined loops (one command in
// flight per connection, as most application code runs), writing unique keys with unique
// increasing values and reading them straight back. It records what a client would see —
// every acknowledged write, every error with its time, every read that returned something
// else than what was acknowledged, and the longest stretch each client waited for a reply —
// so a test can assert on them and check afterwards, straight from the cluster, that every
// acknowledged write is still there.
import { Cluster, Redis } from 'ioredis'
import { keySlot } from '../../src/cluster/key-slot.js'

export const HOST = '127.0.0.1'

/** What one loop iteration does. */
export type LoadMode =
  /** SET k v, then GET k (must be v). */
  | 'set-get'
  /**
   * Two keys sharing a hash tag: MSET a v b v, MGET a b (must be [v, v]), then an MGET across
   * this and the previous iteration's keys — during a slot migration those live on different
   * nodes, which is what makes Redis answer TRYAGAIN.
   */
  | 'multi'
  /**
   * INCR of one counter per client: the counter must end between the increments acknowledged
   * and those plus the ones whose outcome was unknown — above means a write applied twice.
   */
  | 'incr'

/** How to run a load. */
export interface LoadOptions {
  /** Opens client `i` (a plain client to slotgate, or a `Cluster` for the direct comparison). */
  connect: (i: number) => Redis | Cluster
  clients: number
  /** Key prefix, so two loads never touch each other's keys. */
  prefix: string
  mode?: LoadMode
  /** Only keys whose slot passes are used (e.g. keep off one master). */
  slotFilter?: (slot: number) => boolean
  /** A hash tag every key carries, so all land in one slot (pick one in the slot you want busy); 'multi' always uses one (default: the prefix). */
  hashTag?: string
  /** Delay between iterations per client; 0 runs flat out. */
  thinkMs?: number
}

/** One error a client saw. */
export interface LoadError {
  /** ms since the load started. */
  at: number
  client: number
  op: string
  key: string
  message: string
  kind: ErrorKind
}

/** Errors grouped by what they mean for the client. */
export type ErrorKind = 'unknown-outcome' | 'clusterdown' | 'tryagain' | 'moved-ask' | 'too-many-redirects' | 'timeout' | 'connection' | 'other'

/** A read that returned something else than the value acknowledged just before. */
export interface WrongRead {
  at: number
  client: number
  key: string
  expected: string
  got: string
}

/** An acknowledged write: the value and when (ms since start) the ack arrived. */
export interface AckedWrite { value: string, at: number, client: number }

/** The longest time a client waited between two replies, and when that wait began (ms since start). */
export interface Pause { ms: number, from: number, client: number }

/** Everything a load saw, from `stop()`. */
export interface LoadStats {
  durationMs: number
  /** Replies received (successes and errors). */
  ops: number
  errors: LoadError[]
  wrongReads: WrongRead[]
  /** key → the write acknowledged last (keys are unique per write, so one each). */
  acked: Map<string, AckedWrite>
  /** key → values written with an error reply: they may or may not have been applied. */
  unsure: Map<string, string[]>
  /** 'incr' mode: counter key → increments acknowledged and increments answered with an error. */
  counters: Map<string, { acked: number, unsure: number }>
  /** Longest wait per client, and the longest of all. */
  pauses: Pause[]
  longestPause: Pause
}

/** A load in progress; its clock (`elapsed`) is the one every time in its stats uses. */
export interface RunningLoad {
  /** ms since the load started. */
  elapsed (): number
  /** Replies received so far. */
  readonly ops: number
  /**
   * Forgets the pauses seen so far (connecting, JIT warm-up), so the longest pause reported is
   * one from this moment on: call it just before injecting the fault.
   */
  resetPauses (): void
  /** Errors so far (a live view). */
  readonly errors: readonly LoadError[]
  /** Stops after each client's command in flight is answered; resolves with the stats. */
  stop (): Promise<LoadStats>
}

/** Sorts an error message into a kind. */
export function errorKind (message: string): ErrorKind {
  if (/outcome is unknown/.test(message)) return 'unknown-outcome'
  if (/too many redirects/.test(message)) return 'too-many-redirects'
  if (/^CLUSTERDOWN/.test(message)) return 'clusterdown'
  if (/^TRYAGAIN/.test(message)) return 'tryagain'
  if (/^(MOVED|ASK) /.test(message)) return 'moved-ask'
  if (/timed out/i.test(message)) return 'timeout'
  if (/Connection is closed|ECONNRESET|ECONNREFUSED|EPIPE|Stream isn't writeable/i.test(message)) return 'connection'
  return 'other'
}

/** Counts errors by kind, e.g. `{ 'unknown-outcome': 3 }`. */
export function countByKind (errors: readonly LoadError[]): Partial<Record<ErrorKind, number>> {
  const out: Partial<Record<ErrorKind, number>> = {}
  for (const e of errors) out[e.kind] = (out[e.kind] ?? 0) + 1
  return out
}

/** A plain client to slotgate as the tests use it (RESP3 by default, as ioredis 6): no retries of its own, so every failure shows. */
export function plainClient (port: number, protocol: 2 | 3 = 3): Redis {
  const client = new Redis({
    host: HOST,
    port,
    // ioredis 6 speaks RESP3 (HELLO 3) unless told otherwise; slotgate then uses RESP3 links.
    protocol,
    maxRetriesPerRequest: 0,
    // A guard, not a measurement: a command that never returns ends the loop instead of the test.
    commandTimeout: 15_000,
    enableReadyCheck: false,
    // slotgate never drops a client: a lost connection is an error to see, not to hide (and a
    // reconnect loop would keep the test process alive after a failure).
    retryStrategy: () => null
  })
  client.on('error', () => { /* surfaced through the commands that fail */ })
  return client
}

/** A cluster client straight at the nodes (the comparison, and the ground truth for read-backs). */
export function directClient (seeds: readonly string[]): Cluster {
  const client = new Cluster(seeds.map(a => ({ host: HOST, port: Number(a.slice(a.lastIndexOf(':') + 1)) })), {
    redisOptions: { maxRetriesPerRequest: 2, commandTimeout: 15_000 }
  })
  client.on('error', () => { /* reconnects are the cluster client's business */ })
  return client
}

const running = new Set<RunningLoad>()

/**
 * Stops every load still running (each stop() is idempotent). Register it with t.teardown in
 * every test that starts loads, so a failed assertion or a throw never leaves clients looping.
 */
export async function stopAllLoads (): Promise<void> {
  await Promise.all([...running].map(async l => await l.stop()))
}

/** Starts the load; call `stop()` to end it. */
export function startLoad (options: LoadOptions): RunningLoad {
  const began = performance.now()
  const elapsed = (): number => performance.now() - began
  const mode = options.mode ?? 'set-get'
  const errors: LoadError[] = []
  const wrongReads: WrongRead[] = []
  const acked = new Map<string, AckedWrite>()
  const unsure = new Map<string, string[]>()
  const counters = new Map<string, { acked: number, unsure: number }>()
  const lastReplyAt: number[] = []
  const pauses: Pause[] = []
  const clients: Array<Redis | Cluster> = []
  let ops = 0
  let stopping = false

  const replied = (c: number): void => {
    ops++
    const now = elapsed()
    // The first reply includes connecting: a client's service starts there, not at start().
    const gap = Number.isNaN(lastReplyAt[c]) ? 0 : now - lastReplyAt[c]
    if (gap > pauses[c].ms) pauses[c] = { ms: gap, from: lastReplyAt[c], client: c }
    lastReplyAt[c] = now
  }
  const failed = (c: number, op: string, key: string, err: unknown): void => {
    const message = (err as Error).message ?? String(err)
    errors.push({ at: elapsed(), client: c, op, key, message, kind: errorKind(message) })
  }

  // Keys: `${prefix}:${client}:${n}` for increasing n, skipping those the slot filter refuses.
  const keyCursor: number[] = []
  const nextKey = (c: number): string => {
    for (;;) {
      const n = keyCursor[c]++
      const tag = options.hashTag ?? (mode === 'multi' ? options.prefix : undefined)
      const key = tag !== undefined ? `{${tag}}:${options.prefix}:${c}:${n}` : `${options.prefix}:${c}:${n}`
      if (options.slotFilter === undefined || options.slotFilter(keySlot(Buffer.from(key)))) return key
    }
  }

  /** Runs one command, recording the reply time; returns [ok, value]. */
  const run = async (c: number, op: string, key: string, fn: () => Promise<unknown>): Promise<[boolean, unknown]> => {
    try {
      const v = await fn()
      replied(c)
      return [true, v]
    } catch (err) {
      replied(c)
      failed(c, op, key, err)
      return [false, undefined]
    }
  }
  const write = async (c: number, client: Redis | Cluster, pairs: Array<[string, string]>): Promise<boolean> => {
    const flat = pairs.flat()
    const [ok] = await run(c, pairs.length === 1 ? 'SET' : 'MSET', pairs[0][0],
      async () => pairs.length === 1 ? await client.set(flat[0], flat[1]) : await client.mset(...flat))
    for (const [k, v] of pairs) {
      if (ok) acked.set(k, { value: v, at: elapsed(), client: c })
      else unsure.set(k, [...(unsure.get(k) ?? []), v])
    }
    return ok
  }
  const read = async (c: number, client: Redis | Cluster, keys: string[], expected: Array<string | null>): Promise<void> => {
    const [ok, v] = await run(c, keys.length === 1 ? 'GET' : 'MGET', keys[0],
      async () => keys.length === 1 ? [await client.get(keys[0])] : await client.mget(...keys))
    if (!ok) return
    const got = v as Array<string | null>
    keys.forEach((k, i) => {
      if (expected[i] !== null && got[i] !== expected[i]) {
        wrongReads.push({ at: elapsed(), client: c, key: k, expected: String(expected[i]), got: String(got[i]) })
      }
    })
  }

  const loop = async (c: number): Promise<void> => {
    const client = clients[c]
    const counterKey = mode === 'incr' ? nextKey(c) : ''
    if (mode === 'incr') counters.set(counterKey, { acked: 0, unsure: 0 })
    let lastCount = 0
    let seq = 0
    let previous: { key: string, value: string } | null = null
    while (!stopping) {
      seq++
      const value = `${c}:${seq}:${Date.now()}`
      if (mode === 'incr') {
        const key = counterKey
        const counter = counters.get(key) as { acked: number, unsure: number }
        const [ok, v] = await run(c, 'INCR', key, async () => await client.incr(key))
        if (ok) {
          counter.acked++
          // Each reply must be above the last one: equal or below is a lost or reordered write.
          if (Number(v) <= lastCount) wrongReads.push({ at: elapsed(), client: c, key, expected: `> ${lastCount}`, got: String(v) })
          lastCount = Number(v)
        } else {
          counter.unsure++
        }
      } else if (mode === 'set-get') {
        const key = nextKey(c)
        const ok = await write(c, client, [[key, value]])
        if (stopping) break
        await read(c, client, [key], [ok ? value : null])
      } else {
        const a = nextKey(c)
        const b = `${a}:b`
        const ok = await write(c, client, [[a, value], [b, value]])
        if (stopping) break
        await read(c, client, [a, b], ok ? [value, value] : [null, null])
        if (stopping) break
        if (ok && previous !== null) await read(c, client, [previous.key, a], [previous.value, value])
        if (ok) previous = { key: a, value }
      }
      if (options.thinkMs !== undefined && options.thinkMs > 0) await new Promise(resolve => setTimeout(resolve, options.thinkMs))
    }
  }

  for (let c = 0; c < options.clients; c++) {
    clients.push(options.connect(c))
    lastReplyAt.push(Number.NaN)
    pauses.push({ ms: 0, from: 0, client: c })
    keyCursor.push(0)
  }
  const loops = clients.map(async (_client, c) => { await loop(c) })

  let stopped: Promise<LoadStats> | undefined
  const load: RunningLoad = {
    elapsed,
    get ops () { return ops },
    errors,
    resetPauses () {
      // A command in flight now is measured from now: its wait so far was before the fault.
      const now = elapsed()
      for (let c = 0; c < pauses.length; c++) {
        pauses[c] = { ms: 0, from: now, client: c }
        if (!Number.isNaN(lastReplyAt[c])) lastReplyAt[c] = now
      }
    },
    async stop () {
      stopped ??= (async () => {
        stopping = true
        await Promise.all(loops)
        for (const client of clients) client.disconnect()
        running.delete(load)
        const longestPause = pauses.reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0, from: 0, client: -1 })
        return { durationMs: elapsed(), ops, errors, wrongReads, acked, unsure, counters, pauses, longestPause }
      })()
      return await stopped
    }
  }
  running.add(load)
  return load
}

/** An acknowledged write that is not in the cluster as acknowledged. */
export interface LostWrite { key: string, value: string, ackedAt: number, client: number, found: string | null }

/**
 * Reads every acknowledged key straight from the cluster and returns those whose value is
 * neither the acknowledged one nor a later write the client was told may have happened.
 */
export async function findLostWrites (stats: LoadStats, direct: Cluster): Promise<LostWrite[]> {
  const lost: LostWrite[] = []
  const entries = [...stats.acked]
  // Chunks of plain commands, not a pipeline: ioredis' cluster pipelines fail on a MOVED
  // instead of following it, and the cluster client's slot map may be older than the test's events.
  for (let i = 0; i < entries.length; i += 500) {
    const chunk = entries.slice(i, i + 500)
    const found = await Promise.all(chunk.map(async ([k]) => await direct.get(k)))
    chunk.forEach(([key, w], j) => {
      const f = found[j]
      if (f === w.value || (f !== null && stats.unsure.get(key)?.includes(f) === true)) return
      lost.push({ key, value: w.value, ackedAt: w.at, client: w.client, found: f })
    })
  }
  return lost
}

/**
 * 'incr' loads: every counter whose value in the cluster is outside [acked, acked + unsure] —
 * below means acknowledged increments were lost, above means some increment ran twice.
 */
export async function findCounterViolations (stats: LoadStats, direct: Cluster): Promise<string[]> {
  const out: string[] = []
  for (const [key, { acked, unsure }] of stats.counters) {
    const value = Number(await direct.get(key) ?? 0)
    if (value < acked) out.push(`${key} = ${value}: ${acked - value} acknowledged increment(s) lost (acked ${acked}, unsure ${unsure})`)
    if (value > acked + unsure) out.push(`${key} = ${value}: ${value - acked - unsure} increment(s) applied twice (acked ${acked}, unsure ${unsure})`)
  }
  return out
}

/** Keys of `lost` whose slot passes `inSlots` and whose ack came within [from, to] ms. */
export function lostWithin (lost: readonly LostWrite[], inSlots: (slot: number) => boolean, from: number, to: number): LostWrite[] {
  return lost.filter(l => inSlots(keySlot(Buffer.from(l.key))) && l.ackedAt >= from && l.ackedAt <= to)
}

/** A one-line summary for t.comment. */
export function describeLoad (name: string, s: LoadStats, lost?: readonly LostWrite[]): string {
  const kinds = Object.entries(countByKind(s.errors)).map(([k, n]) => `${k}=${n}`).join(' ') || 'none'
  const p = s.longestPause
  return `${name}: ${s.ops} ops in ${Math.round(s.durationMs)} ms, errors ${kinds}, wrong reads ${s.wrongReads.length}, ` +
    `longest pause ${Math.round(p.ms)} ms (client ${p.client}, from t=${Math.round(p.from)} ms), acked writes ${s.acked.size}` +
    (lost === undefined ? '' : `, lost ${lost.length}`)
}
