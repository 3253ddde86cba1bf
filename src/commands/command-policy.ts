/**
 * The operator's command deny list. Rules are command names as Redis names them in
 * COMMAND (`debug`, `config|set`); `config set` is accepted too, and a container name
 * (`cluster`) denies all of its subcommands.
 */
export class CommandPolicy {
  private readonly denied: ReadonlySet<string>

  constructor (deny: readonly string[]) {
    this.denied = new Set(deny.map(r => r.trim().toLowerCase().replace(' ', '|')).filter(r => r !== ''))
  }

  /** The deny list's rules (`config|set`, or a container such as `cluster`). */
  get rules (): ReadonlySet<string> { return this.denied }

  /** The rule that denies `name` (a spec name such as `config|set`), or null when allowed. */
  deniedBy (name: string): string | null {
    if (this.denied.size === 0) return null
    if (this.denied.has(name)) return name
    const bar = name.indexOf('|')
    if (bar !== -1) {
      const container = name.slice(0, bar)
      if (this.denied.has(container)) return container
    }
    return null
  }
}

/** A policy that allows everything. */
export const ALLOW_ALL = new CommandPolicy([])
