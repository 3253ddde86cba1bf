import { CommandFlag, type CommandSpec } from '../commands/command-spec.js'
import { extractKeys } from '../commands/extract-keys.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { User } from './authenticator.js'

/** Commands that run code on the node. */
const SCRIPTS: ReadonlySet<string> = new Set(['eval', 'eval_ro', 'evalsha', 'evalsha_ro', 'fcall', 'fcall_ro'])

/**
 * The error a node would give before running `spec` for this client, or null: NOAUTH before
 * authentication (but for commands flagged no_auth: AUTH, HELLO, QUIT, RESET), then the
 * user's ACL rules for the command and, when the user is limited to key patterns, its keys.
 */
export function accessError (authenticated: boolean, user: User | null, spec: CommandSpec, args: Buffer[]): string | null {
  if (!authenticated) return (spec.flagBits & CommandFlag.NO_AUTH) !== 0 ? null : ReplyStrings.noAuth
  const rules = user?.rules
  // AUTH, HELLO, QUIT, RESET are anyone's, whatever the rules (acl.c, ACLCheckAllUserCommandPerm).
  if (rules == null || (spec.flagBits & CommandFlag.NO_AUTH) !== 0) return null
  if (!rules.allowsCommand(spec)) return ReplyStrings.noPermCommand(spec.name)
  if (rules.restrictsKeys) {
    const keys = extractKeys(spec, args) ?? []
    for (const k of keys) if (!rules.allowsKey(args[k])) return ReplyStrings.noPermKey
  }
  // A script runs on the node with slotgate's cluster credentials, so it could reach any key
  // and command: a restricted user may not run one unless the operator said so for that user.
  if (SCRIPTS.has(spec.name) && rules.restricted && user?.allowScripts !== true) return ReplyStrings.noPermScripts(user?.name ?? 'default')
  return null
}
