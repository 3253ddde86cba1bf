import {
  mergeLatencyHistogram, mergeLatencyHistory, mergeLatencyLatest, mergeMemoryStats, mergeReports, mergeSlowlog, type StatValue
} from '../commands/merge-introspection.js'
import { errorText, isErrorReply } from '../resp/decode-reply.js'
import { decodeResp2 } from '../resp/decode-resp2.js'
import { arrayReply, bulkReply, doubleReply, errorReply, integerReply, mapReply, verbatimReply } from '../resp/encode.js'
import { parseInteger } from '../resp/parse-integer.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import { askMasters } from './ask-nodes.js'
import type { ClientState } from './client-state.js'

/** SLOWLOG GET's default count (slowlog.c). */
const SLOWLOG_DEFAULT_COUNT = 10

/**
 * The introspection commands a node answers about itself, asked of every master and merged
 * into one node's answer: SLOWLOG GET (newest first), LATENCY LATEST / HISTORY / HISTOGRAM /
 * DOCTOR, MEMORY STATS / DOCTOR. A request every master refuses alike (bad arguments) gets
 * that error as it is.
 */
export async function runIntrospection (name: string, args: readonly Buffer[], client: ClientState): Promise<Buffer> {
  const answers = await askMasters(client.ctx, args, client.sink.lane)
  if (answers.length === 0) return errorReply(ReplyStrings.notReady)
  const failed = answers.find(a => isErrorReply(a.reply))
  if (failed !== undefined) {
    if (answers.every(a => a.reply.equals(failed.reply))) return failed.reply
    return errorReply(ReplyStrings.partFailed(errorText(failed.reply), failed.node, answers.length))
  }
  const protocol = client.protocol
  const replies = answers.map(a => a.reply)
  switch (name) {
    case 'slowlog|get': {
      const count = args.length > 2 ? parseInteger(args[2], 0, args[2].length) : SLOWLOG_DEFAULT_COUNT
      return arrayReply(mergeSlowlog(replies, count))
    }
    case 'latency|latest':
      return arrayReply(mergeLatencyLatest(replies.map(decodeResp2)).map(([event, time, latest, max]) =>
        arrayReply([bulkReply(event), integerReply(time), integerReply(latest), integerReply(max)])))
    case 'latency|history':
      return arrayReply(mergeLatencyHistory(replies.map(decodeResp2)).map(([time, latency]) =>
        arrayReply([integerReply(time), integerReply(latency)])))
    case 'latency|histogram':
      return mapReply(protocol, [...mergeLatencyHistogram(replies.map(decodeResp2))].map(([command, h]) => [bulkReply(command), mapReply(protocol, [
        [bulkReply('calls'), integerReply(h.calls)],
        [bulkReply('histogram_usec'), mapReply(protocol, [...h.buckets].sort((a, b) => a[0] - b[0]).map(([bucket, n]) => [integerReply(bucket), integerReply(n)]))]
      ])]))
    case 'latency|doctor':
    case 'memory|doctor':
      return verbatimReply(protocol, mergeReports(answers.map(a => ({ node: a.node, text: reportText(a.reply) }))))
    case 'memory|stats':
      return mapReply(protocol, mergeMemoryStats(replies.map(decodeResp2)).map(([field, value]) => [bulkReply(field), encodeStat(value, protocol)]))
    default:
      return errorReply(ReplyStrings.notSupported(name.replace('|', ' ')))
  }
}

function encodeStat (value: StatValue, protocol: 2 | 3): Buffer {
  if (typeof value === 'number') return integerReply(value)
  if (Array.isArray(value)) return mapReply(protocol, value.map(([k, v]) => [bulkReply(k), integerReply(v)]))
  return doubleReply(protocol, value.double)
}

/** A DOCTOR report's text (a bulk string on the RESP2 links slotgate asks on). */
function reportText (reply: Buffer): string {
  const value = decodeResp2(reply)
  return Buffer.isBuffer(value) ? value.toString('utf8') : ''
}
