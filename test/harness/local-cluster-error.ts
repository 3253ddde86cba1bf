/** Stable codes of the failures the local cluster harness reports. */
export type LocalClusterErrorCode =
  | 'SLOTGATE_ERR_DEV_NO_REDIS'
  | 'SLOTGATE_ERR_DEV_BAD_ARGUMENT'
  | 'SLOTGATE_ERR_DEV_NODE_START'
  | 'SLOTGATE_ERR_DEV_NODE_STATE'
  | 'SLOTGATE_ERR_DEV_COMMAND'
  | 'SLOTGATE_ERR_DEV_TIMEOUT'
  | 'SLOTGATE_ERR_DEV_NO_PORTS'

/**
 * A failure of the dev/test cluster harness (`test/harness/`), never of the proxy itself.
 * The message names the node (`host:port`), what was expected and what was seen.
 */
export class LocalClusterError extends Error {
  /** Stable machine-readable code, `SLOTGATE_ERR_DEV_<WHAT>`. */
  readonly code: LocalClusterErrorCode

  constructor (code: LocalClusterErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'LocalClusterError'
    this.code = code
  }
}
