import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { AclRules } from '../commands/acl-rules.js'

/** One client user: a name, a password, and what it may run. */
export interface User {
  readonly name: string
  /** Null for the unrestricted default user of `requirepass`. */
  readonly rules: AclRules | null
  /**
   * A restricted user may run scripts (EVAL, EVALSHA, FCALL): the operator accepts that a
   * script runs with the cluster credentials of slotgate, beyond the user's own rules.
   */
  readonly allowScripts: boolean
}

/** A user as ACL LIST / GETUSER describe it. */
export interface UserDescription {
  readonly name: string
  /** Hex SHA-256 of the password; null: no password (`nopass`). */
  readonly passwordDigest: string | null
  /** Null: every command and key (`+@all ~*`). */
  readonly rules: AclRules | null
}

/** A user as written in the users file. */
interface UserEntry { username: string, password: string, commands?: string[], keys?: string[], allowScripts?: boolean }

/**
 * Client authentication like Redis: `requirepass` for the default user and ACL-style users
 * (from a JSON file, so a Kubernetes Secret can be mounted as it). Passwords are compared in
 * constant time over their SHA-256 digests, so neither content nor length leaks by timing.
 */
export class Authenticator {
  private users: Map<string, { digest: Buffer, user: User }>

  constructor (requirepass: string, usersFile: string) {
    this.users = loadUsers(requirepass, usersFile)
  }

  /**
   * Replaces every user at once with what `requirepass` and `usersFile` say now (a rotated
   * Secret). Throws, keeping the current users, when the file cannot be used or would leave
   * no user at all. Sessions
   * already authenticated keep the user they authenticated as; new AUTHs see the new ones.
   */
  reload (requirepass: string, usersFile: string): void {
    const users = loadUsers(requirepass, usersFile)
    // An emptied file would silently open the proxy to everyone: that takes a restart.
    if (this.users.size > 0 && users.size === 0) throw new Error('the reloaded files define no user: refused, as it would turn client authentication off (restart slotgate to do that)')
    this.users = users
  }

  /**
   * Every user, for ACL LIST / USERS / GETUSER: the default user first (no password when
   * requirepass is empty, as Redis' `nopass`), then the users file's, with their passwords'
   * SHA-256 digests (what Redis shows as `#<hex>`).
   */
  describe (): UserDescription[] {
    const out: UserDescription[] = []
    if (!this.users.has('default')) out.push({ name: 'default', passwordDigest: null, rules: null })
    for (const { digest, user } of this.users.values()) out.push({ name: user.name, passwordDigest: digest.toString('hex'), rules: user.rules })
    return out.sort((a, b) => a.name === 'default' ? -1 : b.name === 'default' ? 1 : a.name < b.name ? -1 : 1)
  }

  /** True when clients must authenticate before anything else. */
  get required (): boolean { return this.users.size > 0 }

  /** The user for these credentials, or null (Redis answers WRONGPASS either way). */
  verify (username: string, password: Buffer): User | null {
    const entry = this.users.get(username)
    const given = createHash('sha256').update(password).digest()
    // Compare even for an unknown user, so the time does not tell which users exist.
    const ok = timingSafeEqual(given, entry?.digest ?? UNKNOWN)
    return ok && entry !== undefined ? entry.user : null
  }
}

const UNKNOWN = Buffer.alloc(32)

/** The users of `requirepass` (the default user) and `usersFile`; throws on an unusable file. */
function loadUsers (requirepass: string, usersFile: string): Map<string, { digest: Buffer, user: User }> {
  const users = new Map<string, { digest: Buffer, user: User }>()
  if (requirepass !== '') users.set('default', { digest: digest(requirepass), user: { name: 'default', rules: null, allowScripts: true } })
  if (usersFile !== '') {
    const entries = JSON.parse(readFileSync(usersFile, 'utf8')) as UserEntry[]
    if (!Array.isArray(entries)) throw new Error(`${usersFile}: expected a JSON array of users`)
    for (const e of entries) {
      if (typeof e.username !== 'string' || typeof e.password !== 'string') throw new Error(`${usersFile}: every user needs a username and a password`)
      if (e.allowScripts !== undefined && typeof e.allowScripts !== 'boolean') throw new Error(`${usersFile}: allowScripts of ${e.username} must be true or false`)
      const rules = new AclRules(e.commands ?? ['+@all'], e.keys ?? ['allkeys'])
      users.set(e.username, { digest: digest(e.password), user: { name: e.username, rules, allowScripts: e.allowScripts === true } })
    }
  }
  return users
}

function digest (password: string): Buffer {
  return createHash('sha256').update(password).digest()
}
