/** Why a command table could not be built. */
export type CommandTableErrorCode = 'SLOTGATE_ERR_COMMANDS_BAD_REPLY' | 'SLOTGATE_ERR_COMMANDS_BAD_SNAPSHOT'

/**
 * Thrown while building a `CommandTable` from a malformed `COMMAND` reply or snapshot:
 * a half-read table is worse than the bundled snapshot, so the caller falls back to it.
 */
export class CommandTableError extends Error {
  readonly code: CommandTableErrorCode

  constructor (code: CommandTableErrorCode, message: string) {
    super(message)
    this.name = 'CommandTableError'
    this.code = code
  }
}
