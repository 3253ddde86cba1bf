import { keySlot } from '../src/cluster/key-slot.js'
import { check, isMain, runSuite, type BenchCase, type SuiteResult } from './micro-harness.js'

/** A keySlot() case; `slot` (from a first call, or Redis' answer when known) is checked before timing. */
function slotCase (name: string, key: Buffer, slot?: number): BenchCase {
  const first = keySlot(key)
  check(first >= 0 && first < 16384 && (slot === undefined || first === slot), `${name}: slot ${first}, want ${slot ?? '0..16383'}`)
  return { name, fn: (): number => keySlot(key) }
}

/** Hash-slot computation: ns per key. */
export function run (): SuiteResult {
  return runSuite('Key slot (src/cluster/key-slot.ts), per key', [
    slotCase('key:000123 (10 bytes)', Buffer.from('key:000123')),
    // 3443: redis-server 7.0's CLUSTER KEYSLOT (as in test/unit/router.test.ts).
    slotCase('{user1000}.following (hash tag)', Buffer.from('{user1000}.following'), 3443),
    slotCase('100-byte key', Buffer.from('k'.repeat(100))),
    slotCase('1 KiB key', Buffer.from('k'.repeat(1024)))
  ])
}

if (isMain(import.meta.url)) run()
