import t from 'tap'
import { ReplyFramer } from '../../src/resp/reply-framer.js'

/** Collects what the framer emits; keeps the slices themselves (no copies). */
class Collector {
  readonly replies: Buffer[] = []
  readonly errors: string[] = []
  onReply (reply: Buffer): void { this.replies.push(reply) }
  onFramingError (detail: string): void { this.errors.push(detail) }
  texts (): string[] { return this.replies.map(r => r.toString('latin1')) }
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1')

// One complete reply per row, from the RESP2 and RESP3 specs (redis/redis-specification
// protocol/RESP2.md, RESP3.md), including their own examples.
const REPLIES: ReadonlyArray<readonly [string, string]> = [
  // RESP2
  ['simple string', '+OK\r\n'],
  ['empty simple string', '+\r\n'],
  ['error', '-ERR unknown command \'foo\'\r\n'],
  ['MOVED error', '-MOVED 3999 127.0.0.1:6381\r\n'],
  ['integer', ':1000\r\n'],
  ['negative integer', ':-42\r\n'],
  ['bulk', '$5\r\nhello\r\n'],
  ['empty bulk', '$0\r\n\r\n'],
  ['null bulk', '$-1\r\n'],
  ['bulk holding CRLF and type bytes', '$13\r\n+OK\r\n$-1\r\n*\r\n\r\n'],
  ['bulk holding NUL and 0xff', '$4\r\n\x00\xff\r\x00\r\n'],
  ['array of bulks', '*2\r\n$3\r\nfoo\r\n$3\r\nbar\r\n'],
  ['empty array', '*0\r\n'],
  ['null array', '*-1\r\n'],
  ['mixed array', '*5\r\n:1\r\n:2\r\n:3\r\n:4\r\n$5\r\nhello\r\n'],
  ['nested arrays', '*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Hello\r\n-World\r\n'],
  ['array with null elements', '*3\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n'],
  ['deep nesting with empty aggregates', '*3\r\n*0\r\n*1\r\n*1\r\n*0\r\n*2\r\n*-1\r\n$0\r\n\r\n'],
  ['CLUSTER SLOTS-like', '*1\r\n*4\r\n:0\r\n:5460\r\n*3\r\n$9\r\n127.0.0.1\r\n:30001\r\n$40\r\n09dbe9720cda62f7865eabc5fd8857c5d2678366\r\n*3\r\n$9\r\n127.0.0.1\r\n:30004\r\n$40\r\n821d8ca00d7ccf931ed3ffc7e3db0599d2271abf\r\n'],
  // RESP3 simple types
  ['null', '_\r\n'],
  ['boolean true', '#t\r\n'],
  ['boolean false', '#f\r\n'],
  ['double', ',1.23\r\n'],
  ['double inf', ',-inf\r\n'],
  ['double nan', ',nan\r\n'],
  ['big number', '(3492890328409238509324850943850943825024385\r\n'],
  ['blob error', '!21\r\nSYNTAX invalid syntax\r\n'],
  ['verbatim string', '=15\r\ntxt:Some string\r\n'],
  // RESP3 aggregates
  ['map', '%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n'],
  ['empty map', '%0\r\n'],
  ['set', '~5\r\n+orange\r\n+apple\r\n#t\r\n:100\r\n:999\r\n'],
  ['empty set', '~0\r\n'],
  ['push', '>3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$5\r\nhello\r\n'],
  ['map of aggregates', '%2\r\n$1\r\na\r\n*2\r\n:1\r\n:2\r\n~1\r\n_\r\n%1\r\n+k\r\n_\r\n'],
  // attributes: the attribute and the value it annotates are one reply
  ['attribute before an array', '|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n'],
  ['attribute before a simple value', '|1\r\n+ttl\r\n:3600\r\n+OK\r\n'],
  ['attribute inside an array', '*3\r\n:1\r\n|1\r\n+a\r\n+b\r\n:2\r\n:3\r\n'],
  ['empty attribute', '|0\r\n:7\r\n'],
  ['two attributes in a row', '|1\r\n+a\r\n:1\r\n|1\r\n+b\r\n:2\r\n$1\r\nx\r\n'],
  // streamed strings and aggregates
  ['streamed string', '$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n'],
  ['streamed string, no chunks', '$?\r\n;0\r\n'],
  ['streamed string holding CRLF', '$?\r\n;4\r\n\r\n\r\n\r\n;0\r\n'],
  ['streamed array', '*?\r\n:1\r\n:2\r\n:3\r\n.\r\n'],
  ['empty streamed array', '*?\r\n.\r\n'],
  ['streamed map', '%?\r\n+a\r\n:1\r\n+b\r\n:2\r\n.\r\n'],
  ['streamed set', '~?\r\n+a\r\n+b\r\n.\r\n'],
  ['streamed array of aggregates', '*?\r\n*2\r\n:1\r\n:2\r\n$?\r\n;1\r\nx\r\n;0\r\n*?\r\n.\r\n.\r\n'],
  ['array holding a streamed string and a streamed array', '*3\r\n$?\r\n;2\r\nab\r\n;0\r\n*?\r\n:1\r\n.\r\n:9\r\n']
]

const STREAM = Buffer.concat(REPLIES.map(([, r]) => b(r)))
const EXPECTED = REPLIES.map(([, r]) => r)

function frameChunks (chunks: Buffer[]): Collector {
  const sink = new Collector()
  const framer = new ReplyFramer(sink)
  for (const c of chunks) framer.feed(c)
  return sink
}

for (const [name, reply] of REPLIES) {
  t.test(`one reply: ${name}`, async t => {
    const sink = frameChunks([b(reply)])
    t.same(sink.texts(), [reply], 'exactly the reply\'s bytes, once')
    t.same(sink.errors, [])
    // A reply missing its last byte is not a reply yet.
    const short = frameChunks([b(reply.slice(0, -1))])
    t.same(short.texts(), [], 'nothing before the last byte')
    t.same(short.errors, [])
  })
}

t.test('the whole stream in one chunk', async t => {
  const sink = frameChunks([STREAM])
  t.same(sink.texts(), EXPECTED)
  t.same(sink.errors, [])
})

// Every split point of a many-reply stream, fed as two pieces: the framer must resume at
// any byte (inside a header, between CR and LF, inside a bulk, between a header and its payload).
t.test('the stream split at every byte boundary yields the same slices', async t => {
  let bad = 0
  for (let i = 0; i <= STREAM.length; i++) {
    const sink = frameChunks([Buffer.from(STREAM.subarray(0, i)), Buffer.from(STREAM.subarray(i))])
    const texts = sink.texts()
    if (sink.errors.length > 0 || texts.length !== EXPECTED.length || texts.some((s, k) => s !== EXPECTED[k])) {
      if (bad++ < 5) t.fail(`split at ${i}: ${JSON.stringify(texts.slice(0, 3))} errors ${JSON.stringify(sink.errors)}`)
    }
  }
  t.equal(bad, 0, `all ${STREAM.length + 1} split points`)
})

t.test('the stream fed byte by byte', async t => {
  const chunks: Buffer[] = []
  for (let i = 0; i < STREAM.length; i++) chunks.push(Buffer.from([STREAM[i]]))
  const sink = frameChunks(chunks)
  t.same(sink.texts(), EXPECTED)
  t.same(sink.errors, [])
})

t.test('the stream in random chunk sizes, three times over', async t => {
  let seed = 7
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n }
  const input = Buffer.concat([STREAM, STREAM, STREAM])
  for (let round = 0; round < 20; round++) {
    const chunks: Buffer[] = []
    for (let pos = 0; pos < input.length;) {
      const n = 1 + rand(round < 10 ? 8 : 300)
      chunks.push(Buffer.from(input.subarray(pos, pos + n)))
      pos += n
    }
    const sink = frameChunks(chunks)
    t.same(sink.texts(), [...EXPECTED, ...EXPECTED, ...EXPECTED], `round ${round}: ${chunks.length} chunks`)
  }
})

// The framer promises never to write again into bytes it handed out (they may sit in a
// socket's write queue). Keep every slice and compare only at the very end.
t.test('handed-out slices stay intact while more data is fed', async t => {
  const input = Buffer.concat(Array.from({ length: 30 }, () => STREAM))
  const expected = Array.from({ length: 30 }, () => EXPECTED).flat()
  for (const step of [1, 3, 17, 100, 5000]) {
    const sink = new Collector()
    const framer = new ReplyFramer(sink)
    for (let pos = 0; pos < input.length; pos += step) framer.feed(Buffer.from(input.subarray(pos, pos + step)))
    t.same(sink.texts(), expected, `chunks of ${step} bytes`)
  }
})

t.test('bufferedBytes counts the partial reply', async t => {
  const sink = new Collector()
  const framer = new ReplyFramer(sink)
  t.equal(framer.bufferedBytes, 0)
  framer.feed(b('+OK\r\n$11\r\nhel'))
  t.same(sink.texts(), ['+OK\r\n'])
  t.equal(framer.bufferedBytes, 8, '`$11\\r\\nhel`')
  framer.feed(b('lo worl'))
  t.equal(framer.bufferedBytes, 15)
  framer.feed(b('d\r\n'))
  t.same(sink.texts(), ['+OK\r\n', '$11\r\nhello world\r\n'])
  t.equal(framer.bufferedBytes, 0)
})

t.test('reset() forgets a partial reply', async t => {
  const sink = new Collector()
  const framer = new ReplyFramer(sink)
  framer.feed(b('*2\r\n:1\r\n$5\r\nab'))
  framer.reset()
  t.equal(framer.bufferedBytes, 0)
  framer.feed(b(':7\r\n'))
  t.same(sink.texts(), [':7\r\n'])
})

t.test('a 64 MiB bulk fed in 64 KiB chunks is one reply equal to the input', async t => {
  const size = 64 * 1024 * 1024
  const payload = Buffer.allocUnsafe(size)
  for (let i = 0; i < size; i += 4) payload.writeUInt32LE((i * 2654435761) >>> 0, i)
  const bulk = Buffer.concat([b(`$${size}\r\n`), payload, b('\r\n')])
  // Replies after it share the bulk's last chunk and go on after it, so the framer keeps
  // working in the buffer that holds the bulk it handed out.
  const after = Buffer.concat(Array.from({ length: 5000 }, (_, i) => b(`*2\r\n$4\r\nnext\r\n:${i}\r\n`)))
  const input = Buffer.concat([bulk, after])
  const sink = new Collector()
  const framer = new ReplyFramer(sink)
  const CHUNK = 64 * 1024
  let bulkDoneAt = -1
  for (let pos = 0; pos < input.length; pos += CHUNK) {
    framer.feed(Buffer.from(input.subarray(pos, pos + CHUNK)))
    if (bulkDoneAt === -1 && sink.replies.length > 0) bulkDoneAt = pos + CHUNK
  }
  t.equal(bulkDoneAt, Math.ceil(bulk.length / CHUNK) * CHUNK, 'the bulk is a reply once its last byte arrived')
  // Every byte was handed out now: a framer reusing its buffer from the start would write here.
  framer.feed(b(':1\r\n'.repeat(1000)))
  t.equal(sink.replies.length, 6001)
  t.equal(sink.replies[0].length, bulk.length)
  t.ok(sink.replies[0].equals(bulk), 'the 64 MiB reply is byte for byte the input, after everything else was fed')
  t.equal(sink.replies[5000].toString('latin1'), '*2\r\n$4\r\nnext\r\n:4999\r\n')
  t.ok(Buffer.concat(sink.replies.slice(1, 5001)).equals(after), 'the replies after it are intact')
  t.same(sink.errors, [])
})

// Bulks around the sizes where the framer switches strategy, each followed by a small reply
// in the same last chunk.
t.test('bulks of many sizes, chunked at awkward points', async t => {
  for (const size of [0, 1, 16383, 16384, 16385, 65535, 65536, 65537, 200000]) {
    const payload = Buffer.alloc(size, 0x2a) // '*' bytes: a framer reading the payload as headers would fail
    const input = Buffer.concat([b(`$${size}\r\n`), payload, b('\r\n:1\r\n')])
    for (const step of [7, 4096, 65536]) {
      const sink = new Collector()
      const framer = new ReplyFramer(sink)
      for (let pos = 0; pos < input.length; pos += step) framer.feed(Buffer.from(input.subarray(pos, pos + step)))
      t.equal(sink.replies.length, 2, `size ${size}, step ${step}: two replies`)
      t.ok(sink.replies[0]?.equals(input.subarray(0, input.length - 4)), `size ${size}, step ${step}: bulk intact`)
      t.equal(sink.replies[1]?.toString('latin1'), ':1\r\n')
    }
  }
})

// [input, replies before the error, error detail]
const GARBAGE: ReadonlyArray<readonly [string, string, string[], string]> = [
  ['unknown type byte', '@oops\r\n', [], 'unknown reply type byte 0x40'],
  ['unknown type byte after a good reply', '+OK\r\n?what\r\n:1\r\n', ['+OK\r\n'], 'unknown reply type byte 0x3f'],
  ['plain text, as from a non-Redis server', 'HTTP/1.1 400 Bad Request\r\n', [], 'unknown reply type byte 0x48'],
  ['bad bulk length', '$abc\r\nabc\r\n', [], 'invalid bulk length'],
  ['bulk length below -1', '$-2\r\n', [], 'invalid bulk length'],
  ['bad aggregate length', '*x\r\n', [], 'invalid aggregate length'],
  ['aggregate length below -1', '*-5\r\n', [], 'invalid aggregate length'],
  ['`.` outside a streamed aggregate', '.\r\n', [], 'unexpected end of streamed aggregate'],
  ['`.` inside a counted array', '*2\r\n:1\r\n.\r\n', [], 'unexpected end of streamed aggregate'],
  ['not a chunk inside a streamed string', '$?\r\n+no\r\n', [], 'expected \';\' in streamed string, got 0x2b'],
  ['bad chunk length', '$?\r\n;x\r\n', [], 'invalid streamed string chunk length']
]

for (const [name, input, before, detail] of GARBAGE) {
  t.test(`framing error: ${name}`, async t => {
    const sink = new Collector()
    const framer = new ReplyFramer(sink)
    framer.feed(b(input))
    t.same(sink.texts(), before)
    t.same(sink.errors, [detail])
    framer.feed(b('+OK\r\n:1\r\n'))
    t.same(sink.texts(), before, 'nothing is framed after the error')
    t.equal(sink.errors.length, 1, 'the error is reported once')
  })
}

t.test('reset() after a framing error makes the framer usable again', async t => {
  const sink = new Collector()
  const framer = new ReplyFramer(sink)
  framer.feed(b('@\r\n'))
  framer.reset()
  framer.feed(b('+OK\r\n'))
  t.same(sink.texts(), ['+OK\r\n'])
  t.same(sink.errors, ['unknown reply type byte 0x40'])
})
