// slotgate's SCAN cursor (src/commands/scan-cursor.ts): shard, node cursor and the config
// epoch of the iteration's start, packed into the unsigned 64-bit integer clients expect.
import t from 'tap'
import { decodeScanCursor, encodeScanCursor, EPOCH_MODULUS } from '../../src/commands/scan-cursor.js'

t.test('round trips', async t => {
  for (const pos of [
    { slot: 0, nodeCursor: '0', epoch: 0 },
    { slot: 5461, nodeCursor: '0', epoch: 7 },
    { slot: 16383, nodeCursor: '123456789', epoch: EPOCH_MODULUS - 1 },
    { slot: 1, nodeCursor: String(2 ** 38 - 1), epoch: 12 }
  ]) {
    const c = encodeScanCursor(pos)
    t.ok(c !== null && /^[0-9]+$/.test(c) && BigInt(c) < 2n ** 64n, `${JSON.stringify(pos)} -> ${c}`)
    t.same(decodeScanCursor(c as string), pos)
  }
})

t.test('cursor 0 is the start', async t => {
  t.same(decodeScanCursor('0'), { slot: 0, nodeCursor: '0', epoch: 0 })
})

t.test('a node cursor too large to carry is refused, not truncated', async t => {
  t.equal(encodeScanCursor({ slot: 3, nodeCursor: String(2n ** 38n), epoch: 1 }), null)
})

t.test('cursors slotgate could not have given', async t => {
  for (const bad of ['', '-1', '01', '1.5', 'abc', '18446744073709551616', ' 1']) t.equal(decodeScanCursor(bad), null, JSON.stringify(bad))
})
