import type { RoutePlan } from '../commands/router.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { ReplySink } from './queue-entry.js'
import type { Transaction } from './transaction.js'

/**
 * Inside MULTI every command but the transaction's own (EXEC, DISCARD, MULTI, WATCH, RESET,
 * QUIT) is queued for EXEC, after the checks a node makes at queue time: a node queues
 * keyless and whole-keyspace commands too, and they run on the transaction's node. Returns
 * false for the commands the session handles as usual.
 */
export function queueInTransaction (tx: Transaction, plan: RoutePlan, args: Buffer[], sink: ReplySink): boolean {
  switch (plan.kind) {
    case 'session':
      if (['exec', 'discard', 'multi', 'watch', 'reset'].includes(plan.name)) return false
      sink.push(tx.queue(args, plan.slot, null))
      return true
    case 'local':
      if (plan.name === 'quit') return false
      sink.push(tx.queue(args, -1, null))
      return true
    case 'single':
    case 'blocking':
      sink.push(tx.queue(args, plan.slot, null))
      return true
    case 'any-node':
    case 'broadcast':
    case 'scan':
      // A node queues these too; inside a transaction they run on the transaction's node.
      sink.push(tx.queue(args, -1, null))
      return true
    case 'split':
      sink.push(tx.queue(args, -1, ReplyStrings.crossSlot))
      return true
    case 'reject':
      sink.push(tx.queue(args, -1, plan.error))
      return true
  }
}
