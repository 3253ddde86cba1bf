import { errorReply, integerReply, OK, verbatimReply } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import type { ClientView } from './context.js'

/** One `CLIENT LIST` line, in Redis 7's field order for the fields slotgate can know. */
export function clientLine (c: ClientView, now = Date.now()): string {
  return `id=${c.id} addr=${c.remoteAddress} laddr=${c.localAddress} fd=-1 name=${c.name?.toString('latin1') ?? ''} ` +
    `age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.max(0, Math.floor((now - c.lastActiveAt) / 1000))} flags=${c.subscriptionCount > 0 ? 'P' : 'N'} db=0 ` +
    `sub=${c.channelCount} psub=${c.patternCount} ssub=${c.shardChannelCount} multi=${c.inMulti ? 0 : -1} qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 ` +
    `rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=${c.lastCommand} user=${c.userName} redir=-1 resp=${c.protocol}`
}

/**
 * CLIENT LIST / INFO / KILL about slotgate's own clients (the nodes' clients are slotgate's
 * links, which mean nothing to the application), NO-EVICT accepted, TRACKING refused.
 */
export function runClientCommand (sub: string, args: readonly Buffer[], self: ClientView, all: () => Iterable<ClientView>): Buffer {
  switch (sub) {
    case 'client|info':
      return verbatimReply(self.protocol, `${clientLine(self)}\n`)
    case 'client|list': {
      let keep: (c: ClientView) => boolean = () => true
      if (args.length > 2) {
        const filter = args[2].toString('latin1').toLowerCase()
        if (filter === 'id' && args.length >= 4) {
          const ids = new Set(args.slice(3).map(a => Number(a.toString('latin1'))))
          keep = c => ids.has(c.id)
        } else if (filter === 'type' && args.length === 4) {
          const type = args[3].toString('latin1').toLowerCase()
          if (type === 'normal') keep = c => c.subscriptionCount === 0
          else if (type === 'pubsub') keep = c => c.subscriptionCount > 0
          else if (type === 'master' || type === 'replica' || type === 'slave') keep = () => false
          else return errorReply(`ERR Unknown client type '${type}'`)
        } else {
          return errorReply(ReplyStrings.syntaxError)
        }
      }
      const lines = [...all()].filter(keep).map(c => `${clientLine(c)}\n`)
      return verbatimReply(self.protocol, lines.join(''))
    }
    case 'client|kill':
      return kill(args, self, all)
    case 'client|no-evict': {
      const v = args[2].toString('latin1').toLowerCase()
      return v === 'on' || v === 'off' ? OK : errorReply(ReplyStrings.syntaxError)
    }
    case 'client|getredir':
      return integerReply(-1)
    case 'client|tracking':
    case 'client|caching':
    case 'client|trackinginfo':
      return errorReply(ReplyStrings.trackingUnsupported)
    default:
      return errorReply(ReplyStrings.notSupported(sub.replace('|', ' ')))
  }
}

/** `CLIENT KILL addr` (old form: +OK or error) or `CLIENT KILL <filter value> ...` (count). */
function kill (args: readonly Buffer[], self: ClientView, all: () => Iterable<ClientView>): Buffer {
  if (args.length === 3) {
    const addr = args[2].toString('latin1')
    const victim = [...all()].find(c => c.remoteAddress === addr)
    if (victim === undefined) return errorReply(ReplyStrings.noSuchClient)
    victim.kill()
    return OK
  }
  if (args.length % 2 !== 0) return errorReply(ReplyStrings.syntaxError)
  let skipMe = true
  const filters: ((c: ClientView) => boolean)[] = []
  for (let i = 2; i < args.length; i += 2) {
    const key = args[i].toString('latin1').toLowerCase()
    const value = args[i + 1].toString('latin1')
    if (key === 'id') filters.push(c => String(c.id) === value)
    else if (key === 'addr') filters.push(c => c.remoteAddress === value)
    else if (key === 'laddr') filters.push(c => c.localAddress === value)
    else if (key === 'user') filters.push(() => value === 'default')
    else if (key === 'skipme') skipMe = value.toLowerCase() !== 'no'
    else return errorReply(ReplyStrings.syntaxError)
  }
  let killed = 0
  for (const c of [...all()]) {
    if (skipMe && c === self) continue
    if (filters.every(f => f(c))) { c.kill(); killed++ }
  }
  return integerReply(killed)
}
