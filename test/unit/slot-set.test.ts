import t from 'tap'
import { SlotSet } from '../../src/cluster/slot-set.js'

t.test('empty: no slot, nothing to iterate', async t => {
  const s = new SlotSet()
  t.same([...s], [])
  t.equal(s.has(0), false)
})

t.test('the slots added, once each, in ascending order, the edges included', async t => {
  const s = new SlotSet()
  for (const slot of [16383, 0, 7, 8, 5000, 7, 16383, 1]) s.add(slot)
  t.same([...s], [0, 1, 7, 8, 5000, 16383])
  t.ok(s.has(5000))
  t.notOk(s.has(5001))
  t.notOk(s.has(9))
})

t.test('every slot', async t => {
  const s = new SlotSet()
  for (let i = 16383; i >= 0; i--) s.add(i)
  const all = [...s]
  t.equal(all.length, 16384)
  t.ok(all.every((slot, i) => slot === i))
})
