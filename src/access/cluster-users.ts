import { createHash, timingSafeEqual } from 'node:crypto'
import { AclRules } from '../commands/acl-rules.js'
import type { User } from './authenticator.js'

/**
 * A user of the cluster's own ACL, from `ACL GETUSER name` as ioredis returns it in RESP2
 * (`['flags', [...], 'passwords', [...], 'commands', '-@all +get', 'keys', '~app:*', ...]`),
 * checked against the password a client gave. Returns the user with its command and key rules
 * for slotgate to enforce, or null when the user is off, unknown, or the password is wrong.
 *
 * Used when slotgate has no users of its own (no requirepass, no users file): its clients are
 * then the cluster's default user, and `AUTH name password` lets one take on a cluster user's
 * narrower rights, as on a node. Selectors (`(...)`) and read/write key permissions (`%R~`)
 * are not carried over: a selector only adds rights, so without it slotgate allows less; a
 * `%R~`/`%W~` pattern is taken as a plain key pattern.
 */
export function clusterUserFrom (name: string, reply: unknown, password: Buffer): User | null {
  if (!Array.isArray(reply)) return null
  const fields = new Map<string, unknown>()
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), reply[i + 1])
  const flags = asStrings(fields.get('flags'))
  if (!flags.includes('on')) return null
  if (!flags.includes('nopass')) {
    const given = createHash('sha256').update(password).digest()
    const match = asStrings(fields.get('passwords')).some(hex => {
      const known = Buffer.from(hex, 'hex')
      return known.length === given.length && timingSafeEqual(known, given)
    })
    if (!match) return null
  }
  const commands = String(fields.get('commands') ?? '').split(' ').filter(r => r !== '')
  const keys = String(fields.get('keys') ?? '').split(' ').filter(k => k !== '').map(k => k.replace(/^%[RW]{1,2}~/, '~'))
  try {
    // Scripts would run with slotgate's cluster credentials, beyond this user's own rules (docs/security.md).
    return { name, rules: new AclRules(commands, keys), allowScripts: false }
  } catch {
    // A rule slotgate cannot read (a module's syntax): refuse rather than guess the rights.
    return null
  }
}

function asStrings (value: unknown): string[] {
  return Array.isArray(value) ? value.map(v => String(v)) : []
}
