import type { Authenticator } from '../access/authenticator.js'
import type { ReadFrom } from '../cluster/backend-request.js'
import type { BlockingLinkPool } from '../cluster/blocking-link-pool.js'
import type { DedicatedLinks } from '../cluster/dedicated-links.js'
import type { NodeAddress } from '../cluster/node-address.js'
import type { LinkOptions } from '../cluster/node-link.js'
import type { RequestDispatcher } from '../cluster/request-dispatcher.js'
import type { Topology } from '../cluster/topology.js'
import type { SlotSet } from '../cluster/slot-set.js'
import type { CommandTable } from '../commands/command-table.js'
import type { ScriptCache } from '../commands/script-cache.js'
import type { ClientView, UnblockMode } from './client-view.js'
import type { InfoSource } from './info/info-source.js'
import type { NodeIdentity } from './node-identity.js'
import type { ReplySink } from './queue-entry.js'
import type { ReplicationState } from '../cluster/replication-offsets.js'

/**
 * What plan handlers work with: the cluster side (dispatcher, topology, pools), the script
 * cache, the command table, and the few settings they need. Shared by every client; built
 * once in main.ts. Handlers never see the client's session, only this, the client's state
 * and its reply sink.
 */
export interface ExecContext {
  /** Replaced once the cluster's own COMMAND table is read. */
  table: CommandTable
  readonly dispatcher: RequestDispatcher
  readonly topology: Topology
  readonly blocking: BlockingLinkPool
  /** Connections clients own alone (WATCH, Pub/Sub, blocking), within their bounds. */
  readonly dedicated: DedicatedLinks
  readonly scripts: ScriptCache
  readonly auth: Authenticator
  readonly info: InfoSource
  /** Where reads go by default (config readPolicy). */
  readonly readPolicy: ReadFrom
  readonly maxRedirects: number
  /** How long a node may take to answer (the link's backend timeout). */
  readonly commandTimeoutMs: number
  /** The same for commands that may run long (see slow-commands.ts). */
  readonly slowCommandTimeoutMs: number
  readonly seeds: readonly NodeAddress[]
  /** Connect timeout and backend credentials for dedicated links. */
  readonly linkDefaults: Omit<LinkOptions, 'protocol' | 'readOnly'>
  /** A transaction over several slots: run per slot (`split`) or refused with CROSSSLOT (`refuse`). */
  readonly crossSlotTransactions: 'split' | 'refuse'
  /** Masters' replication offsets, for WAIT. */
  readonly replication: ReplicationSource
  /** One command to one node on its control connection, apart from the shared links (SCRIPT KILL). */
  readonly control: NodeControl
  /** slotgate as the one node CLUSTER describes. */
  readonly identity: NodeIdentity
  /** Masters busy with a script of ours past their time limit (PING answers their BUSY). */
  readonly busy: BusyWatch
  /** Asks for a topology refresh soon (debounced). */
  requestRefresh (): void
  /** Refreshes the topology now (joining one under way). */
  refreshTopology (): Promise<void>
  /** Every connected client (CLIENT LIST / KILL). */
  clients (): Iterable<ClientView>
}

/** Which masters run a script of ours past its time limit (BusyScripts). */
export interface BusyWatch {
  /** A node's BUSY error text while one is busy, else null. */
  readonly error: string | null
  started (node: NodeAddress): void
  ended (node: NodeAddress): void
}

/** Commands to single nodes over the control plane (ControlPlane); rejects with the node's error text. */
export interface NodeControl {
  call (node: NodeAddress, command: string, ...args: (string | number)[]): Promise<unknown>
}

/** What WAIT reads (ReplicationOffsets, over the control plane). */
export interface ReplicationSource {
  read (master: NodeAddress): Promise<ReplicationState>
  nudge (master: NodeAddress, replicas: number): Promise<void>
}

/**
 * One client as the stateful handlers (transaction, subscriptions, blocking commands) see
 * it: the shared context, where its replies go, and the protocol it speaks.
 */
export interface ClientContext {
  readonly ctx: ExecContext
  readonly sink: ReplySink
  readonly id: number
  readonly protocol: 2 | 3
  /** Commands blocked on a node for this client: given up at once when it leaves. */
  readonly blocked: Set<BlockedCommand>
  /** Slots and keyless targets this client wrote to (WAIT). */
  readonly writtenSlots: SlotSet
  readonly writtenNodes: Set<NodeAddress>
}

/**
 * A command of the client's that waits on a node (BLPOP, XREAD BLOCK, ...). The optional
 * members are what INFO's `blocked_clients` and CLIENT UNBLOCK need; a kind of wait without
 * them is given up when the client leaves but is not reported or unblocked.
 */
export interface BlockedCommand {
  /** The client left: stop waiting, nobody wants the reply. */
  abandon (): void
  /** True once the command is on its node, which holds the client blocked. */
  readonly waitingOnNode?: boolean
  /** True when the command has a timeout of its own (INFO's `clients_in_timeout_table`). */
  readonly hasTimeout?: boolean
  /** Ends the wait now with the timeout's reply or the UNBLOCKED error; false when not waiting. */
  unblock? (mode: UnblockMode): boolean
}
