import type { UserDescription } from '../access/authenticator.js'
import { arrayReply, bulkReply, EMPTY_ARRAY, errorReply, mapReply, nullReply } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import { askNode } from './ask-nodes.js'
import type { ClientState } from './client-state.js'
import { anyMaster } from './targets.js'

/**
 * ACL WHOAMI / USERS / LIST / GETUSER about the users slotgate's clients authenticate as:
 * slotgate's own (requirepass's default user and the users file) when it has any; else the
 * cluster's, asked of a master, since AUTH then takes on a cluster user.
 */
export function runAclCommand (name: string, args: readonly Buffer[], client: ClientState): Buffer | Promise<Buffer> {
  if (name === 'acl|whoami') return bulkReply(client.user?.name ?? 'default')
  if (!client.ctx.auth.required) {
    // No users of slotgate's own: its clients' users are the cluster's (see cluster-users.ts).
    const node = anyMaster(client)
    return node === null ? errorReply(ReplyStrings.notReady) : askNode(client.ctx, args, { node }, client.sink.lane, client.protocol)
  }
  const users = client.ctx.auth.describe()
  switch (name) {
    case 'acl|users':
      return arrayReply(users.map(u => bulkReply(u.name)))
    case 'acl|list':
      return arrayReply(users.map(u => bulkReply(aclLine(u))))
    case 'acl|getuser': {
      const user = users.find(u => u.name === args[2].toString('utf8'))
      if (user === undefined) return nullReply(client.protocol)
      return mapReply(client.protocol, [
        [bulkReply('flags'), arrayReply(flagsOf(user).map(f => bulkReply(f)))],
        [bulkReply('passwords'), user.passwordDigest === null ? EMPTY_ARRAY : arrayReply([bulkReply(user.passwordDigest)])],
        [bulkReply('commands'), bulkReply(commandsOf(user))],
        [bulkReply('keys'), bulkReply(keysOf(user))],
        [bulkReply('channels'), bulkReply('&*')],
        [bulkReply('selectors'), EMPTY_ARRAY]
      ])
    }
    default:
      return errorReply(ReplyStrings.notSupported(name.replace('|', ' ')))
  }
}

/** One ACL LIST line, in Redis 7's order: `user <name> on #<sha256> ~keys &channels +commands`. */
export function aclLine (user: UserDescription): string {
  const password = user.passwordDigest === null ? 'nopass' : `#${user.passwordDigest}`
  return `user ${user.name} on ${password} ${keysOf(user)} &* ${commandsOf(user)}`
}

function flagsOf (user: UserDescription): string[] {
  return user.passwordDigest === null ? ['on', 'nopass'] : ['on']
}

/**
 * The command rules as Redis writes them: slotgate's users start from nothing allowed, which
 * Redis spells `-@all` before the rules unless they begin by allowing everything.
 */
function commandsOf (user: UserDescription): string {
  if (user.rules === null) return '+@all'
  const rules = user.rules.commandRules.map(r => r.trim().toLowerCase()).map(r => r === 'allcommands' ? '+@all' : r === 'nocommands' ? '-@all' : r)
  return (rules[0] === '+@all' || rules[0] === '-@all' ? rules : ['-@all', ...rules]).join(' ')
}

/** Key patterns as Redis writes them (`~*` for all keys). */
function keysOf (user: UserDescription): string {
  if (user.rules === null) return '~*'
  return user.rules.keyRules.map(k => k === 'allkeys' ? '~*' : k.startsWith('~') ? k : `~${k}`).join(' ')
}
