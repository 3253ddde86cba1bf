import t from 'tap'
import { keySlot } from '../../src/cluster/key-slot.js'
import { slotTag } from '../../src/commands/slot-tags.js'

t.test('every slot has a tag, and a key made of it lands in that slot', async t => {
  let bad = 0
  for (let slot = 0; slot < 16384; slot++) {
    const tag = slotTag(slot)
    if (keySlot(Buffer.from(tag)) !== slot || keySlot(Buffer.from(`{${tag}}slotgate:staging:1`)) !== slot) bad++
  }
  t.equal(bad, 0)
  t.ok(slotTag(12182).length <= 4, 'short')
})
