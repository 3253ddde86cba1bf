import { errorReply, integerReply, OK, verbatimReply } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import { parseInteger } from '../resp/parse-integer.js'
import type { ClientView, UnblockMode } from './client-view.js'

/**
 * One `CLIENT LIST` line in Redis 7's field order (with 7.2's lib-name and lib-ver). Buffers
 * slotgate does not have as Redis does (qbuf-free, argv-mem, reply buffers) read 0; `qbuf`
 * is what the parser holds, `omem` what the socket has yet to send, `oll` the replies queued.
 */
export function clientLine (c: ClientView, now = Date.now()): string {
  const s = c.client
  const multi = s.transaction.active ? s.transaction.queuedCount : -1
  return `id=${c.id} addr=${c.remoteAddress} laddr=${c.localAddress} fd=${c.fd} name=${c.name?.toString('latin1') ?? ''} ` +
    `age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.max(0, Math.floor((now - c.lastActiveAt) / 1000))} flags=${clientFlags(c)} db=0 ` +
    `sub=${c.channelCount} psub=${c.patternCount} ssub=${c.shardChannelCount} multi=${multi} qbuf=${c.queryBufferBytes} qbuf-free=0 argv-mem=0 multi-mem=0 ` +
    `rbs=0 rbp=0 obl=0 oll=${c.pendingReplies} omem=${c.outputBufferBytes} tot-mem=${c.queryBufferBytes + c.outputBufferBytes} ` +
    `events=${c.outputBufferBytes > 0 ? 'rw' : 'r'} cmd=${c.lastCommand} user=${c.userName} redir=-1 resp=${c.protocol} ` +
    `lib-name=${s.libName} lib-ver=${s.libVersion}`
}

/** Redis' client flags letters, in its order (networking.c, getClientTypeFlags ...): N when none. */
function clientFlags (c: ClientView): string {
  const s = c.client
  let flags = ''
  if (s.monitor?.active === true) flags += 'O'
  if (c.subscriptionCount > 0) flags += 'P'
  if (s.transaction.active) flags += 'x'
  if (s.isBlocked) flags += 'b'
  if (s.readOnlyMode) flags += 'r'
  if (s.noEvict) flags += 'e'
  return flags === '' ? 'N' : flags
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
          else return errorReply(ReplyStrings.unknownClientType(args[3].toString('latin1')))
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
      if (v !== 'on' && v !== 'off') return errorReply(ReplyStrings.syntaxError)
      self.client.noEvict = v === 'on'
      return OK
    }
    case 'client|setinfo':
      return setInfo(args, self)
    case 'client|no-touch':
      return errorReply(ReplyStrings.noTouchUnsupported)
    case 'client|unblock':
      return unblock(args, all)
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

/**
 * `CLIENT UNBLOCK id [TIMEOUT|ERROR]`: 1 when that client of slotgate's had a command blocked
 * on a node and it was ended (see BlockingRequest.unblock), else 0, as Redis answers.
 */
function unblock (args: readonly Buffer[], all: () => Iterable<ClientView>): Buffer {
  if (args.length > 4) return errorReply(ReplyStrings.subcommandSyntax('unblock', 'client'))
  let mode: UnblockMode = 'timeout'
  if (args.length > 3) {
    const reason = args[3].toString('latin1').toLowerCase()
    if (reason === 'error') mode = 'error'
    else if (reason !== 'timeout') return errorReply(ReplyStrings.unblockReason)
  }
  const id = parseInteger(args[2], 0, args[2].length)
  if (Number.isNaN(id)) return errorReply(ReplyStrings.notInteger)
  for (const c of all()) if (c.id === id) return integerReply(c.client.unblock(mode) ? 1 : 0)
  return integerReply(0)
}

/**
 * `CLIENT SETINFO LIB-NAME|LIB-VER value` (Redis 7.2; clients send it on connect): kept for
 * CLIENT LIST, with Redis' rule that the value holds no spaces or special characters.
 */
function setInfo (args: readonly Buffer[], self: ClientView): Buffer {
  const attr = args[2].toString('latin1')
  const which = attr.toLowerCase()
  if (which !== 'lib-name' && which !== 'lib-ver') return errorReply(ReplyStrings.unrecognizedOption(attr))
  const value = args[3]
  for (const c of value) if (c < 0x21 || c > 0x7e) return errorReply(ReplyStrings.invalidClientAttr(attr))
  if (which === 'lib-name') self.client.libName = value.toString('latin1')
  else self.client.libVersion = value.toString('latin1')
  return OK
}
