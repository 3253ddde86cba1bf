import { internalErrors, type FaultStage } from '../metrics/internal-errors.js'
import { errorReply } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'

/**
 * The reply of a command a slotgate bug failed at one of its fault boundaries: counted and
 * logged (once per stage and command) as an internal error, answered with the stable
 * SLOTGATE_ERR_INTERNAL text, never with the exception's own message.
 */
export function internalFailure (stage: FaultStage, command: string, err: unknown): Buffer {
  internalErrors.record(stage, command, err)
  return errorReply(ReplyStrings.internalError(command))
}
