import { errorReply, OK } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { ExecContext } from './context.js'

/** A node's error reply starts with its code (`NOTBUSY ...`); ioredis' own errors do not. */
const NODE_ERROR = /^[A-Z]{2,}\b/

/**
 * SCRIPT KILL and FUNCTION KILL, sent to every master on its control connection: never on a
 * shared link, where the kill would wait behind the very script it is meant to stop. Answered
 * as one node answers: OK when some master killed a script; else a master's refusal that
 * concerns a running script (UNKILLABLE after writes, BUSY for the other kill command); else
 * NOTBUSY.
 */
export async function killBusyScripts (kind: 'SCRIPT' | 'FUNCTION', ctx: ExecContext): Promise<Buffer> {
  const masters = ctx.topology.masters()
  if (masters.length === 0) return errorReply(ReplyStrings.notReady)
  const answers = await Promise.allSettled(masters.map(async m => await ctx.control.call(m, kind, 'KILL')))
  const errors: string[] = []
  for (const a of answers) {
    if (a.status === 'fulfilled') return OK
    errors.push(a.reason instanceof Error ? a.reason.message : String(a.reason))
  }
  const refusal = errors.find(e => NODE_ERROR.test(e) && !e.startsWith('NOTBUSY'))
  if (refusal !== undefined) return errorReply(refusal)
  const notBusy = errors.find(e => e.startsWith('NOTBUSY'))
  if (notBusy !== undefined) return errorReply(notBusy)
  return errorReply(ReplyStrings.killFailed(kind, errors[0]))
}
