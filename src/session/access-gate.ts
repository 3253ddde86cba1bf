import { accessError } from '../access/access-check.js'
import type { CommandPolicy } from '../commands/command-policy.js'
import type { CommandSpec } from '../commands/command-spec.js'
import type { RoutePlan } from '../commands/router.js'
import type { ClientState } from '../exec/client-state.js'
import { LocalReply, type QueueEntry } from '../exec/queue-entry.js'
import { clientEvents } from '../metrics/client-events.js'
import { errorReply } from '../resp/encode.js'

/**
 * The reply that refuses a known command before it runs, or null when it may go on: NOAUTH
 * before authentication, then the user's ACL rules (NOPERM), as a node checks them after
 * lookup and arity and before slots. Inside MULTI the refusal is queued and aborts the
 * transaction, as on a node. Every refusal is counted and reported by command name
 * (client-events.ts), never with its arguments — the command policy's too, which the router
 * already turned into a `reject` plan that runs as usual.
 */
export function refusal (client: ClientState, plan: RoutePlan, spec: CommandSpec, args: Buffer[], policy: CommandPolicy, peer: string): QueueEntry | null {
  if (!client.authenticated || client.user?.rules != null) {
    const denied = accessError(client.authenticated, client.user, spec, args)
    if (denied !== null) {
      clientEvents.commandDenied(spec.name, client.authenticated ? 'acl' : 'noauth', peer)
      return client.transaction.active ? client.transaction.queue(null, [], denied) : new LocalReply(errorReply(denied))
    }
  }
  if (plan.kind === 'reject' && policy.deniedBy(spec.name) !== null) clientEvents.commandDenied(spec.name, 'policy', peer)
  return null
}
