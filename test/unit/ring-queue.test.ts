import t from 'tap'
import { RingQueue } from '../../src/util/ring-queue.js'
import { seededRandom as rng } from '../helpers/seeded-random.js'

t.test('FIFO order across growth: 1000 pushes then 1000 shifts', async t => {
  const q = new RingQueue<number>()
  for (let i = 0; i < 1000; i++) q.push(i)
  t.equal(q.length, 1000)
  const out: number[] = []
  for (let v = q.shift(); v !== undefined; v = q.shift()) out.push(v)
  t.same(out, Array.from({ length: 1000 }, (_, i) => i))
  t.equal(q.length, 0)
  t.equal(q.shift(), undefined)
  t.equal(q.peek(), undefined)
})

// Growth while the head sits mid-buffer is where a ring buffer breaks: the wrapped part
// must be copied after the unwrapped part.
t.test('FIFO order when growing while wrapped around', async t => {
  for (const [initial, preShift] of [[16, 5], [16, 15], [16, 1], [32, 31], [1, 10]] as const) {
    const q = new RingQueue<string>(initial)
    const model: string[] = []
    let next = 0
    // Fill, shift some (head moves), then push past capacity so the buffer wraps and grows.
    for (let i = 0; i < 16; i++) { q.push(`v${next}`); model.push(`v${next++}`) }
    for (let i = 0; i < preShift; i++) t.equal(q.shift(), model.shift())
    for (let i = 0; i < 40; i++) { q.push(`v${next}`); model.push(`v${next++}`) }
    t.equal(q.length, model.length, `initial ${initial}, shifted ${preShift}: length`)
    t.same(q.drain(), model, `initial ${initial}, shifted ${preShift}: order after growth`)
    t.equal(q.length, 0)
  }
})

t.test('randomized against an array model', async t => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    const rand = rng(seed)
    const q = new RingQueue<number>(rand() < 0.5 ? 1 : 64)
    const model: number[] = []
    let next = 0
    let mismatches = 0
    for (let op = 0; op < 20000; op++) {
      const r = rand()
      // Phases that favour pushing, then shifting, so the queue grows, wraps and drains repeatedly.
      const pushBias = Math.floor(op / 2500) % 2 === 0 ? 0.7 : 0.3
      if (r < pushBias) {
        q.push(next)
        model.push(next++)
      } else if (r < 0.95) {
        if (q.shift() !== model.shift()) mismatches++
      } else {
        const i = Math.floor(rand() * (model.length + 2)) - 1
        if (q.at(i) !== model[i]) mismatches++
        if (q.peek() !== model[0]) mismatches++
      }
      if (q.length !== model.length) mismatches++
    }
    t.equal(mismatches, 0, `seed ${seed}: no mismatch in 20000 operations`)
    t.same(q.drain(), model, `seed ${seed}: remaining items in order`)
  }
})

t.test('peek and at', async t => {
  const q = new RingQueue<string>()
  t.equal(q.peek(), undefined)
  t.equal(q.at(0), undefined)
  for (const s of ['a', 'b', 'c']) q.push(s)
  t.equal(q.peek(), 'a')
  t.equal(q.length, 3, 'peek does not remove')
  const cases: [number, string | undefined][] = [[-1, undefined], [0, 'a'], [1, 'b'], [2, 'c'], [3, undefined], [16, undefined]]
  for (const [i, expected] of cases) t.equal(q.at(i), expected, `at(${i})`)
  q.shift()
  q.push('d')
  t.equal(q.peek(), 'b')
  t.same([q.at(0), q.at(1), q.at(2), q.at(3)], ['b', 'c', 'd', undefined])
})

t.test('at() across the wrap point', async t => {
  const q = new RingQueue<number>(16)
  for (let i = 0; i < 12; i++) q.push(i)
  for (let i = 0; i < 10; i++) q.shift()
  for (let i = 12; i < 26; i++) q.push(i) // 16 items, head at index 10, tail wrapped
  t.equal(q.length, 16)
  t.same(Array.from({ length: 16 }, (_, i) => q.at(i)), Array.from({ length: 16 }, (_, i) => i + 10))
})

t.test('drain returns everything in order and leaves the queue usable', async t => {
  const q = new RingQueue<{ id: number }>()
  t.same(q.drain(), [])
  const items = Array.from({ length: 20 }, (_, id) => ({ id }))
  for (const it of items) q.push(it)
  const drained = q.drain()
  t.equal(drained.length, 20)
  t.ok(drained.every((it, i) => it === items[i]), 'the same objects, in order')
  t.equal(q.length, 0)
  t.equal(q.peek(), undefined)
  q.push({ id: 99 })
  t.same(q.drain(), [{ id: 99 }])
})

// Falsy values are items like any other: drain must not stop at 0, '' or null.
t.test('falsy items', async t => {
  const q = new RingQueue<number | string | null | boolean>()
  for (const v of [0, '', null, false, 1]) q.push(v)
  t.equal(q.peek(), 0)
  t.same(q.drain(), [0, '', null, false, 1])
})
