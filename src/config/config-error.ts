/** Thrown by `loadConfig`; `problems` holds one line per thing to fix, every one found. */
export class ConfigError extends Error {
  readonly code = 'SLOTGATE_ERR_CONFIG_INVALID'
  readonly problems: string[]

  constructor (problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}
