/** Number of hash slots in a Redis Cluster. */
export const SLOT_COUNT = 16384

/** An inclusive slot range. */
export interface SlotRange { readonly start: number, readonly end: number }

/** One line of `CLUSTER NODES`, as one node sees another (or itself). */
export interface ClusterNodeEntry {
  readonly id: string
  readonly host: string
  readonly port: number
  readonly flags: readonly string[]
  readonly role: 'master' | 'replica'
  /** The master's node id for a replica. */
  readonly masterId: string | undefined
  readonly myself: boolean
  /** Flagged `fail` (agreed by a majority), not just `fail?`. */
  readonly failed: boolean
  readonly connected: boolean
  readonly slots: readonly SlotRange[]
}

/**
 * Parses a `CLUSTER NODES` reply. Nodes still in handshake or without an address are left out:
 * they carry a temporary id and no role yet (https://redis.io/commands/cluster-nodes/).
 */
export function parseClusterNodes (text: string): ClusterNodeEntry[] {
  const entries: ClusterNodeEntry[] = []
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ')
    if (fields.length < 8) continue
    const [id, address, flagField, master, , , , linkState, ...slotFields] = fields
    const flags = flagField.split(',')
    if (flags.includes('handshake') || flags.includes('noaddr')) continue
    // Address is `ip:port@cport[,hostname]`; the ip may be IPv6, so cut at the last colon.
    const hostPort = address.split('@')[0]
    const colon = hostPort.lastIndexOf(':')
    const slots: SlotRange[] = []
    for (const field of slotFields) {
      // `[slot->-id]` / `[slot-<-id]` mark a migration in progress, not ownership.
      if (field.startsWith('[')) continue
      const [start, end] = field.split('-').map(Number)
      slots.push({ start, end: end ?? start })
    }
    entries.push({
      id,
      host: hostPort.slice(0, colon),
      port: Number(hostPort.slice(colon + 1)),
      flags,
      role: flags.includes('slave') ? 'replica' : 'master',
      masterId: master === '-' ? undefined : master,
      myself: flags.includes('myself'),
      failed: flags.includes('fail'),
      connected: linkState === 'connected',
      slots
    })
  }
  return entries
}

/** Parses an INFO-style reply (`key:value` lines, `#` section headers) into a map. */
export function parseInfo (text: string): Map<string, string> {
  const info = new Map<string, string>()
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':')
    if (line.startsWith('#') || colon < 0) continue
    info.set(line.slice(0, colon), line.slice(colon + 1).trim())
  }
  return info
}

/**
 * A compact, comparable description of who owns which slots in one node's view, e.g.
 * `0-5460=7001 5461-10922=7002 10923-16383=7003`. Two nodes agree when their strings are equal.
 */
export function slotOwnerSignature (entries: readonly ClusterNodeEntry[]): string {
  const owned: Array<SlotRange & { port: number }> = []
  for (const entry of entries) {
    if (entry.role !== 'master') continue
    for (const range of entry.slots) owned.push({ ...range, port: entry.port })
  }
  owned.sort((a, b) => a.start - b.start)
  return owned.map(r => `${r.start}-${r.end}=${r.port}`).join(' ')
}

/** The entry owning `slot` in one node's view, if any. */
export function ownerOfSlot (entries: readonly ClusterNodeEntry[], slot: number): ClusterNodeEntry | undefined {
  return entries.find(e => e.role === 'master' && e.slots.some(r => r.start <= slot && slot <= r.end))
}

/**
 * Splits the slot space evenly over `masters` shards as `redis-cli --cluster create` does
 * (3 masters: 0-5460, 5461-10922, 10923-16383).
 */
export function splitSlots (masters: number): SlotRange[] {
  const ranges: SlotRange[] = []
  const per = SLOT_COUNT / masters
  let first = 0
  for (let i = 0; i < masters; i++) {
    const last = i === masters - 1 ? SLOT_COUNT - 1 : Math.max(first, Math.round(i * per + per - 1))
    ranges.push({ start: first, end: last })
    first = last + 1
  }
  return ranges
}
