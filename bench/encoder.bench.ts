import { RequestEncoder } from '../src/resp/encode-request.js'
import { check, isMain, runSuite, type BenchCase, type SuiteResult } from './micro-harness.js'

/** A request's arguments and its wire bytes (what a client library sends). */
function request (words: readonly string[]): { args: Buffer[], wire: Buffer } {
  const args = words.map(w => Buffer.from(w))
  const wire = Buffer.from(`*${words.length}\r\n${words.map(w => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`)
  return { args, wire }
}

const key = (i: number): string => `key:${String(i).padStart(12, '0')}`

/**
 * One node link's flush of `n` requests: encoded again from their arguments, or forwarded as
 * the bytes the client sent (BackendRequest.wire). Both must give the same bytes.
 */
function flushCase (name: string, words: ReadonlyArray<readonly string[]>, forward: boolean): BenchCase {
  const reqs = words.map(request)
  const encoder = new RequestEncoder()
  const flush = (): Buffer[] => {
    for (const r of reqs) {
      if (forward) encoder.pushRaw(r.wire)
      else encoder.push(r.args)
    }
    return encoder.take()
  }
  const expected = Buffer.concat(reqs.map(r => r.wire))
  check(Buffer.concat(flush()).equals(expected), `${name}: bytes differ from the client's`)
  return { name, fn: (): number => flush().length, opts: { opsPerCall: reqs.length } }
}

const GET = [['GET', key(123)]]
const GET16 = Array.from({ length: 16 }, (_, i) => ['GET', key(i * 7919 % 100000)])
const SET16 = Array.from({ length: 16 }, (_, i) => ['SET', key(i), 'xxx'])

/** Node-link request encoding (src/resp/encode-request.ts): ns per request. */
export function run (): SuiteResult {
  return runSuite('Node link flush (src/resp/encode-request.ts), per request', [
    flushCase('1 GET, encoded from args', GET, false),
    flushCase('1 GET, forwarded as received (wire)', GET, true),
    flushCase('16 GETs in one flush, encoded', GET16, false),
    flushCase('16 GETs in one flush, forwarded', GET16, true),
    flushCase('16 SETs in one flush, encoded', SET16, false),
    flushCase('16 SETs in one flush, forwarded', SET16, true)
  ])
}

if (isMain(import.meta.url)) run()
