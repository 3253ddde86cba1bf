import type { CommandSpec } from './command-spec.js'

/**
 * A user's command and key permissions, written like Redis ACL rules and applied in order:
 * `+@all` / `allcommands`, `-@all` / `nocommands`, `+@category`, `-@category`, `+cmd`,
 * `-cmd`, `+cmd|sub`, `-cmd|sub`; keys as glob patterns (`~app:*`, `allkeys`). Starts from
 * nothing allowed, as a new Redis ACL user does.
 */
export class AclRules {
  private readonly steps: { allow: boolean, test: (spec: CommandSpec) => boolean }[] = []
  private readonly keyPatterns: RegExp[] = []
  private allKeys = false
  /** Every command allowed: the last whole-set rule allows all and no later rule takes any away. */
  private allCommands = false

  constructor (
    /** The rules as written (ACL LIST / GETUSER show them). */
    readonly commandRules: readonly string[],
    readonly keyRules: readonly string[] = ['allkeys']
  ) {
    const commands = commandRules
    const keys = keyRules
    for (const raw of commands) {
      const rule = raw.trim().toLowerCase()
      if (rule === 'allcommands') { this.steps.push({ allow: true, test: () => true }); this.allCommands = true; continue }
      if (rule === 'nocommands') { this.steps.push({ allow: false, test: () => true }); this.allCommands = false; continue }
      const allow = rule.startsWith('+')
      if (!allow && !rule.startsWith('-')) throw new Error(`ACL rule must start with + or -: ${raw}`)
      const body = rule.slice(1)
      if (!allow) this.allCommands = false
      if (body === '@all') { this.steps.push({ allow, test: () => true }); this.allCommands = allow } else if (body.startsWith('@')) this.steps.push({ allow, test: s => s.aclCategories.has(body.slice(1)) })
      else if (body.includes('|')) this.steps.push({ allow, test: s => s.name === body })
      else this.steps.push({ allow, test: s => s.name === body || s.name.startsWith(`${body}|`) })
    }
    for (const k of keys) {
      if (k === 'allkeys' || k === '~*') this.allKeys = true
      else this.keyPatterns.push(globToRegExp(k.startsWith('~') ? k.slice(1) : k))
    }
  }

  /** May the user run this command? The last matching rule wins. */
  allowsCommand (spec: CommandSpec): boolean {
    let allowed = false
    for (const step of this.steps) if (step.test(spec)) allowed = step.allow
    return allowed
  }

  /** True when some keys are off limits (so keys must be checked per command). */
  get restrictsKeys (): boolean { return !this.allKeys }

  /** True when some command or key is off limits for the user. */
  get restricted (): boolean { return !this.allKeys || !this.allCommands }

  /** May the user touch this key? */
  allowsKey (key: Buffer): boolean {
    if (this.allKeys) return true
    const text = key.toString('latin1')
    return this.keyPatterns.some(p => p.test(text))
  }
}

/** Redis glob (`*`, `?`, `[abc]`, `\x`) to an anchored RegExp. */
export function globToRegExp (glob: string): RegExp {
  let out = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '*') out += '.*'
    else if (c === '?') out += '.'
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1)
      if (end === -1) { out += '\\['; continue }
      let body = glob.slice(i + 1, end).replace(/\\/g, '\\\\')
      if (body.startsWith('^')) body = `^${body.slice(1)}`
      out += `[${body}]`
      i = end
    } else if (c === '\\' && i + 1 < glob.length) {
      out += escape(glob[++i])
    } else {
      out += escape(c)
    }
  }
  return new RegExp(`^${out}$`, 's')
}

function escape (c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
