import { RequestParser, type RequestLimits, type RequestSink } from '../src/resp/request-parser.js'
import { check, isMain, runSuite, type BenchCase, type SuiteResult } from './micro-harness.js'

/** slotgate's defaults (src/config/schema.ts): 512 MiB per argument, 1 GiB per request, 1 Mi arguments. */
const LIMITS: RequestLimits = { maxBulkBytes: 512 * 1024 * 1024, maxRequestBytes: 1024 * 1024 * 1024, maxMultibulkLength: 1024 * 1024 }

/** Counts requests and arguments; a protocol error means the bench input is wrong. */
class CountingSink implements RequestSink {
  requests = 0
  args = 0
  onRequest (args: Buffer[]): void { this.requests++; this.args += args.length }
  onProtocolError (detail: string): void { throw new Error(`bench input rejected: ${detail}`) }
}

/** A multibulk request as a client library writes it. */
function multibulk (words: readonly string[]): string {
  return `*${words.length}\r\n${words.map(w => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`
}

const key = (i: number): string => `key:${String(i).padStart(6, '0')}`

/**
 * A case that feeds `chunks` to one long-lived parser (one client connection) per call;
 * `requests` and `args` are what one call must yield, checked before timing.
 */
function feedCase (name: string, chunks: readonly Buffer[], requests: number, args: number): BenchCase {
  const sink = new CountingSink()
  const parser = new RequestParser(sink, LIMITS)
  for (const c of chunks) parser.feed(c)
  check(sink.requests === requests && sink.args === args && parser.bufferedBytes === 0,
    `${name}: got ${sink.requests} requests / ${sink.args} args, want ${requests} / ${args}`)
  const one = chunks[0]
  const fn = chunks.length === 1
    ? (): number => { parser.feed(one); return sink.requests }
    : (): number => { for (const c of chunks) parser.feed(c); return sink.requests }
  return { name, fn, opts: { opsPerCall: requests } }
}

const SET = Buffer.from(multibulk(['SET', key(123), 'xxx']))
const GET16 = Buffer.from(Array.from({ length: 16 }, (_, i) => multibulk(['GET', key(i * 7919 % 100000)])).join(''))
const MSET10 = Buffer.from(multibulk(['MSET', ...Array.from({ length: 10 }, (_, i) => [key(i), 'xxx']).flat()]))
// Cut inside the key's payload: the first chunk leaves a partial argument pending.
const SPLIT_AT = SET.indexOf('key:') + 4

/** Client request parser: ns per request. */
export function run (): SuiteResult {
  return runSuite('Request parser (src/resp/request-parser.ts), per request', [
    feedCase('SET key:000123 xxx (multibulk, 1 per chunk)', [SET], 1, 3),
    feedCase('16 × GET pipelined in one chunk (-P 16)', [GET16], 16, 32),
    feedCase('inline PING', [Buffer.from('PING\r\n')], 1, 1),
    feedCase('MSET 10 keys (21 args)', [MSET10], 1, 21),
    feedCase('SET split across two chunks', [SET.subarray(0, SPLIT_AT), SET.subarray(SPLIT_AT)], 1, 3)
  ])
}

if (isMain(import.meta.url)) run()
