import type { NodeAddress } from '../cluster/node-address.js'
import { errorText, isErrorReply, readElements, readInteger } from '../resp/decode-reply.js'
import { arrayReply, bulkReply, errorReply, integerReply, mapReply, nullReply, OK } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import { askMasters, askNode } from './ask-nodes.js'
import type { ClientState } from './client-state.js'

/**
 * CONFIG SET and CONFIG RESETSTAT, which concern every node (replicas too: configuration and
 * statistics are each node's own): OK once every node said OK; the same refusal from all (a
 * bad value) as it is; else the first refusal, naming its node. CONFIG RESETSTAT also resets
 * slotgate's own counters (commandstats, errorstats, commands processed), as a node resets
 * all of its. Answered here rather than as a broadcast so that, inside MULTI, it takes its
 * place in EXEC's reply as on a node.
 */
export async function toEveryNode (name: string, args: readonly Buffer[], client: ClientState): Promise<Buffer> {
  const nodes = client.ctx.topology.nodes()
  if (nodes.length === 0) return errorReply(ReplyStrings.notReady)
  if (name === 'config|resetstat') client.ctx.info.nodeStats.reset()
  const replies = await Promise.all(nodes.map(async node => await askNode(client.ctx, args, { node }, client.sink.lane)))
  const failed = replies.findIndex(isErrorReply)
  if (failed === -1) return OK
  if (replies.every(r => r.equals(replies[failed]))) return replies[failed]
  return errorReply(ReplyStrings.partFailed(errorText(replies[failed]), nodes[failed], nodes.length))
}

/**
 * FUNCTION STATS as the one node would give it: the running function is the one any master
 * runs (asked on the control connections, since a master busy with it answers nothing else
 * on its shared link), the engines' counts are a master's (functions are loaded on all).
 */
export async function functionStats (client: ClientState): Promise<Buffer> {
  const masters = client.ctx.topology.masters()
  const answers = await Promise.allSettled(masters.map(async (m: NodeAddress) => await client.ctx.control.call(m, 'FUNCTION', 'STATS')))
  const stats = answers.flatMap(a => a.status === 'fulfilled' && Array.isArray(a.value) ? [a.value as unknown[]] : [])
  if (stats.length === 0) {
    const failed = answers.find(a => a.status === 'rejected')
    return errorReply(failed !== undefined ? String((failed.reason as Error).message) : ReplyStrings.notReady)
  }
  const chosen = stats.find(s => pairValue(s, 'running_script') != null) ?? stats[0]
  const p = client.protocol
  const running = pairValue(chosen, 'running_script')
  const engines = pairValue(chosen, 'engines')
  return mapReply(p, [
    [bulkReply('running_script'), Array.isArray(running) ? mapReply(p, pairs(running).map(([k, v]) => [bulkReply(k), encodePlain(v)])) : nullReply(p)],
    [bulkReply('engines'), mapReply(p, pairs(Array.isArray(engines) ? engines : []).map(([engine, counts]) =>
      [bulkReply(engine), mapReply(p, pairs(Array.isArray(counts) ? counts : []).map(([k, v]) => [bulkReply(k), encodePlain(v)]))]))]
  ])
}

/** The value after `name` in a flat RESP2 list of pairs. */
function pairValue (list: readonly unknown[], name: string): unknown {
  for (let i = 0; i + 1 < list.length; i += 2) if (list[i] === name) return list[i + 1]
  return undefined
}

function pairs (list: readonly unknown[]): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = []
  for (let i = 0; i + 1 < list.length; i += 2) out.push([String(list[i]), list[i + 1]])
  return out
}

/** Integers, strings and arrays of strings, as ioredis decoded them. */
function encodePlain (value: unknown): Buffer {
  if (typeof value === 'number') return integerReply(value)
  if (Array.isArray(value)) return arrayReply(value.map(encodePlain))
  return bulkReply(String(value))
}

/**
 * SCRIPT EXISTS as the one node would answer for EVALSHA through slotgate: 1 for a script
 * every master has, and for one some master has whose body slotgate knows (it loads it where
 * a master answers NOSCRIPT: see script.ts); 0 for a script only some masters have that
 * slotgate could not load elsewhere.
 */
export async function scriptExists (args: readonly Buffer[], client: ClientState): Promise<Buffer> {
  const answers = await askMasters(client.ctx, args, client.sink.lane)
  if (answers.length === 0) return errorReply(ReplyStrings.notReady)
  const failed = answers.find(a => isErrorReply(a.reply))
  if (failed !== undefined) return failed.reply
  const flags = answers.map(a => (readElements(a.reply) ?? []).map(readInteger))
  return arrayReply(args.slice(2).map((sha, i) => {
    const where = flags.filter(f => f[i] === 1).length
    const healable = where > 0 && client.ctx.scripts.get(sha.toString('latin1').toLowerCase()) !== undefined
    return integerReply(where === answers.length || healable ? 1 : 0)
  }))
}
