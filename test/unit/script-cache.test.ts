import t from 'tap'
import { ScriptCache } from '../../src/commands/script-cache.js'

t.test('bounded in bytes: the oldest scripts go first; a script larger than the bound is not kept', async t => {
  const cache = new ScriptCache(100)
  const a = cache.remember(Buffer.alloc(40, 'a'))
  const b = cache.remember(Buffer.alloc(40, 'b'))
  t.equal(cache.bytes, 80)
  const c = cache.remember(Buffer.alloc(40, 'c'))
  t.equal(cache.bytes, 80, 'the oldest went to make room')
  t.equal(cache.get(a), undefined)
  t.ok(cache.get(b) !== undefined && cache.get(c) !== undefined)
  cache.remember(Buffer.alloc(101, 'x'))
  t.equal(cache.bytes, 80, 'too large to keep at all')
  t.equal(cache.remember(Buffer.alloc(40, 'b')), b, 'the same body, the same SHA1, kept once')
  t.equal(cache.bytes, 80)
  cache.clear()
  t.equal(cache.bytes, 0)
})
