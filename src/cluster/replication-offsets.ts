import type { ControlPlane } from './control-plane.js'
import type { NodeAddress } from './node-address.js'

/** A master's replication offset and what each online replica has acknowledged. */
export interface ReplicationState {
  masterOffset: number
  /** Acknowledged offsets of the replicas in state `online`. */
  replicaOffsets: number[]
}

/**
 * Replication offsets of masters, read from `INFO replication` over the control plane: what
 * WAIT compares to count the replicas that have a client's writes, without holding a shared
 * connection (WAIT on a shared link blocks every other client of that master; on a
 * connection of its own it counts only that connection's writes).
 */
export class ReplicationOffsets {
  constructor (private readonly control: ControlPlane) {}

  /** The master's offset now and its replicas' acknowledged offsets. */
  async read (master: NodeAddress): Promise<ReplicationState> {
    return parseReplicationInfo(String(await this.control.call(master, 'INFO', 'replication')))
  }

  /**
   * Makes the master ask its replicas for an acknowledgement now (they send one only once a
   * second on their own): a WAIT that cannot be satisfied (more replicas than it has) on the
   * control connection blocks for a moment and, while it does, the master sends GETACK.
   */
  async nudge (master: NodeAddress, replicas: number): Promise<void> {
    await this.control.call(master, 'WAIT', replicas + 1, 1)
  }
}

/** Reads `master_repl_offset` and the `slaveN:...,state=online,offset=N,...` lines. */
export function parseReplicationInfo (text: string): ReplicationState {
  const master = /^master_repl_offset:(\d+)/m.exec(text)
  const replicaOffsets: number[] = []
  for (const m of text.matchAll(/^slave\d+:(.*)$/gm)) {
    const fields = new Map(m[1].trim().split(',').map(kv => kv.split('=') as [string, string]))
    if (fields.get('state') === 'online' && fields.has('offset')) replicaOffsets.push(Number(fields.get('offset')))
  }
  return { masterOffset: master === null ? 0 : Number(master[1]), replicaOffsets }
}
