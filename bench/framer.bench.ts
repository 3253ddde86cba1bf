import { ReplyFramer, type ReplySink } from '../src/resp/reply-framer.js'
import { check, isMain, runSuite, type BenchCase, type SuiteResult } from './micro-harness.js'

/** Counts replies and their bytes; a framing error means the bench input is wrong. */
class CountingSink implements ReplySink {
  replies = 0
  bytes = 0
  onReply (reply: Buffer): void { this.replies++; this.bytes += reply.length }
  onFramingError (detail: string): void { throw new Error(`bench input rejected: ${detail}`) }
}

const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`

/**
 * A case that feeds one chunk to one long-lived framer (one node link) per call; `replies`
 * is what one call must yield, checked before timing, and all bytes must come out.
 */
function feedCase (name: string, chunk: Buffer, replies: number): BenchCase {
  const sink = new CountingSink()
  const framer = new ReplyFramer(sink)
  framer.feed(chunk)
  check(sink.replies === replies && sink.bytes === chunk.length && framer.bufferedBytes === 0,
    `${name}: got ${sink.replies} replies / ${sink.bytes} bytes, want ${replies} / ${chunk.length}`)
  return { name, fn: (): number => { framer.feed(chunk); return sink.replies }, opts: { opsPerCall: replies } }
}

const BULKS16 = Buffer.from(Array.from({ length: 16 }, () => bulk('xxx')).join(''))
const MGET10 = Buffer.from(`*10\r\n${Array.from({ length: 10 }, (_, i) => bulk(`value:${i}`)).join('')}`)
// HELLO-like RESP3 map (resp3 spec: `%` holds 2n elements) with simple, bulk, integer and array values.
const MAP = Buffer.from('%4\r\n+server\r\n$5\r\nredis\r\n+proto\r\n:3\r\n+role\r\n+master\r\n+modules\r\n*0\r\n')
const BIG = Buffer.from(`$16384\r\n${'x'.repeat(16384)}\r\n`)

/** Reply framer: ns per reply. */
export function run (): SuiteResult {
  return runSuite('Reply framer (src/resp/reply-framer.ts), per reply', [
    feedCase('+OK', Buffer.from('+OK\r\n'), 1),
    feedCase('$3 bulk', Buffer.from(bulk('xxx')), 1),
    feedCase('$-1 nil', Buffer.from('$-1\r\n'), 1),
    feedCase('16 × $3 bulk in one chunk (-P 16)', BULKS16, 16),
    feedCase('10-element array (MGET reply)', MGET10, 1),
    feedCase('RESP3 map, 4 pairs', MAP, 1),
    feedCase('16 KiB bulk', BIG, 1)
  ])
}

if (isMain(import.meta.url)) run()
