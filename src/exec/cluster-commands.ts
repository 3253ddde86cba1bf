import { keySlot, SLOT_COUNT } from '../cluster/key-slot.js'
import { arrayReply, bulkReply, EMPTY_ARRAY, errorReply, integerReply, mapReply, verbatimReply } from '../resp/encode.js'
import { parseInteger } from '../resp/parse-integer.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import { askNode } from './ask-nodes.js'
import type { ClientState } from './client-state.js'
import { anyMaster } from './targets.js'
import { announcedAddress } from './node-identity.js'

/**
 * CLUSTER for cluster-aware clients (ioredis Cluster, redis-cli -c, Lettuce, Jedis,
 * RedisInsight): slotgate answers as a one-node cluster at its own address that owns all
 * 16384 slots, so such a client sends everything to slotgate, which routes it. The slot
 * questions that depend on the data (COUNTKEYSINSLOT, GETKEYSINSLOT) go to the slot's master.
 */
export function runClusterCommand (name: string, args: readonly Buffer[], client: ClientState): Buffer | Promise<Buffer> {
  const ctx = client.ctx
  const self = announcedAddress(ctx.identity, client.view.localAddress)
  const id = ctx.identity.nodeId
  switch (name) {
    case 'cluster|info':
      return verbatimReply(client.protocol, clusterInfo(ctx.topology.coveredSlots(), epochOf(client)))
    case 'cluster|myid':
      return bulkReply(id)
    case 'cluster|nodes':
      // ip:port@cport: slotgate has no cluster bus; 0 says so.
      return verbatimReply(client.protocol,
        `${id} ${self.host}:${self.port}@0 myself,master - 0 0 ${epochOf(client)} connected 0-${SLOT_COUNT - 1}\n`)
    case 'cluster|slots':
      return arrayReply([arrayReply([integerReply(0), integerReply(SLOT_COUNT - 1),
        arrayReply([bulkReply(self.host), integerReply(self.port), bulkReply(id), mapReply(client.protocol, [])])])])
    case 'cluster|shards':
      return arrayReply([mapReply(client.protocol, [
        [bulkReply('slots'), arrayReply([integerReply(0), integerReply(SLOT_COUNT - 1)])],
        [bulkReply('nodes'), arrayReply([mapReply(client.protocol, [
          [bulkReply('id'), bulkReply(id)],
          [bulkReply('port'), integerReply(self.port)],
          [bulkReply('ip'), bulkReply(self.host)],
          [bulkReply('endpoint'), bulkReply(self.host)],
          [bulkReply('role'), bulkReply('master')],
          [bulkReply('replication-offset'), integerReply(0)],
          [bulkReply('health'), bulkReply(ctx.topology.coveredSlots() === SLOT_COUNT ? 'online' : 'fail')]
        ])])]
      ])])
    case 'cluster|keyslot':
      return integerReply(keySlot(args[2]))
    case 'cluster|countkeysinslot':
    case 'cluster|getkeysinslot':
      return keysInSlot(args, client)
    case 'cluster|links':
      return EMPTY_ARRAY // one node: no links to other nodes
    case 'cluster|replicas':
    case 'cluster|slaves':
    case 'cluster|count-failure-reports':
      if (args[2].toString('latin1') !== id) return errorReply(ReplyStrings.unknownNode(args[2].toString('latin1')))
      return name === 'cluster|count-failure-reports' ? integerReply(0) : EMPTY_ARRAY
    default:
      return errorReply(ReplyStrings.notSupported(name.replace('|', ' ')))
  }
}

/** `CLUSTER INFO` of the one-node cluster: its state is the real cluster's slot coverage as slotgate sees it. */
export function clusterInfo (coveredSlots: number, epoch: number): string {
  const ok = coveredSlots === SLOT_COUNT
  return [
    `cluster_state:${ok ? 'ok' : 'fail'}`,
    `cluster_slots_assigned:${SLOT_COUNT}`,
    `cluster_slots_ok:${coveredSlots}`,
    'cluster_slots_pfail:0',
    `cluster_slots_fail:${SLOT_COUNT - coveredSlots}`,
    'cluster_known_nodes:1',
    'cluster_size:1',
    `cluster_current_epoch:${epoch}`,
    `cluster_my_epoch:${epoch}`,
    'cluster_stats_messages_sent:0',
    'cluster_stats_messages_received:0',
    'total_cluster_links_buffer_limit_exceeded:0'
  ].join('\r\n') + '\r\n'
}

/** The real cluster's config epoch (0 until known): it grows when slots move, as a node's would. */
function epochOf (client: ClientState): number {
  return Math.max(0, client.ctx.topology.epoch)
}

/** COUNTKEYSINSLOT / GETKEYSINSLOT on the slot's master; a malformed slot gets a master's own error. */
async function keysInSlot (args: readonly Buffer[], client: ClientState): Promise<Buffer> {
  const slot = parseInteger(args[2], 0, args[2].length)
  if (slot >= 0 && slot < SLOT_COUNT) return await askNode(client.ctx, args, { slot }, client.sink.lane)
  const node = anyMaster(client)
  if (node === null) return errorReply(ReplyStrings.notReady)
  return await askNode(client.ctx, args, { node }, client.sink.lane)
}
