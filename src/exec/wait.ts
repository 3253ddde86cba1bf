import type { NodeAddress } from '../cluster/node-address.js'
import { parseInteger } from '../resp/parse-integer.js'
import { errorReply, integerReply } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { ClientState } from './client-state.js'
import type { ReplicationSource } from './context.js'
import { LocalReply } from './queue-entry.js'
import { anyMaster } from './targets.js'

/** How often replication offsets are read while a WAIT waits. */
const POLL_MS = 10

/**
 * WAIT numreplicas timeout, with its meaning kept and no connection held: the client's
 * earlier commands are answered first (the session's ordering fence), so each master it
 * wrote to has those writes at or below its current replication offset; WAIT then counts, on
 * every such master, the replicas whose acknowledged offset reached it, and answers the
 * smallest count (every write is on at least that many replicas) once it reaches
 * numreplicas or the timeout passes (0: no timeout), as a node does. A client that wrote
 * nothing gets the replicas of one master, as a node answers a fresh connection.
 */
export function wait (args: Buffer[], client: ClientState, replication: ReplicationSource): void {
  const wanted = parseInteger(args[1], 0, args[1].length)
  const timeout = parseInteger(args[2], 0, args[2].length)
  if (Number.isNaN(wanted) || Number.isNaN(timeout)) { client.sink.push(new LocalReply(errorReply(ReplyStrings.notInteger))); return }
  if (timeout < 0) { client.sink.push(new LocalReply(errorReply(ReplyStrings.negativeTimeout))); return }
  const masters = writtenMasters(client)
  if (masters.length === 0) { client.sink.push(new LocalReply(errorReply(ReplyStrings.notReady))); return }
  const entry = new LocalReply(null)
  client.sink.push(entry)
  const done = (reply: Buffer): void => { entry.reply = reply; client.sink.onRequestDone(entry) }
  countAcks(masters, wanted, timeout, client, replication).then(n => { done(integerReply(n)) },
    (err: Error) => { done(errorReply(ReplyStrings.waitFailed(err.message))) })
}

/** The masters now serving the slots (and keyless targets) this client wrote to. */
function writtenMasters (client: ClientState): NodeAddress[] {
  const topology = client.ctx.topology
  const out = new Set<NodeAddress>()
  for (const slot of client.writtenSlots) {
    const m = topology.masterFor(slot)
    if (m !== undefined) out.add(m)
  }
  for (const node of client.writtenNodes) if (topology.masters().includes(node)) out.add(node)
  if (out.size === 0) {
    const any = anyMaster(client)
    if (any !== null) out.add(any)
  }
  return [...out]
}

async function countAcks (masters: NodeAddress[], wanted: number, timeoutMs: number, client: ClientState, replication: ReplicationSource): Promise<number> {
  const targets = await Promise.all(masters.map(async m => (await replication.read(m)).masterOffset))
  const deadline = timeoutMs === 0 ? Infinity : performance.now() + timeoutMs
  for (;;) {
    const states = await Promise.all(masters.map(async m => await replication.read(m)))
    const acked = Math.min(...states.map((s, i) => s.replicaOffsets.filter(o => o >= targets[i]).length))
    if (acked >= wanted || performance.now() >= deadline || client.sink.closed) return acked
    await Promise.all(masters.map(async (m, i) => { await replication.nudge(m, states[i].replicaOffsets.length) }))
    await new Promise(resolve => setTimeout(resolve, POLL_MS))
  }
}
