// ReplyFramer against every RESP3 type (redis/redis-specification protocol/RESP3.md), each
// split at every byte boundary into two pieces and at every pair of boundaries into three:
// nothing may be emitted before the reply's last byte, the reply must come out once and
// byte for byte, and the reply before and after it must be untouched. Split points that
// matter most: inside a type header, between CR and LF, between a length and its payload,
// inside a payload that itself holds CR LF or type bytes.
import t from 'tap'
import { ReplyFramer } from '../../src/resp/reply-framer.js'

/** Keeps the framer's slices themselves (no copies), to catch a framer that reuses them. */
class Collector {
  readonly replies: Buffer[] = []
  readonly errors: string[] = []
  onReply (reply: Buffer): void { this.replies.push(reply) }
  onFramingError (detail: string): void { this.errors.push(detail) }
  texts (): string[] { return this.replies.map(r => r.toString('latin1')) }
}

/** One complete reply per RESP3 type and shape, as a node sends it. */
const RESP3: ReadonlyArray<readonly [string, string]> = [
  ['null', '_\r\n'],
  ['boolean true', '#t\r\n'],
  ['boolean false', '#f\r\n'],
  ['double', ',1.23\r\n'],
  ['double with exponent', ',1.5e-10\r\n'],
  ['double negative', ',-0.5\r\n'],
  ['double inf', ',inf\r\n'],
  ['double -inf', ',-inf\r\n'],
  ['double nan', ',nan\r\n'],
  ['double integral (ZSCORE 10)', ',10\r\n'],
  ['big number', '(3492890328409238509324850943850943825024385\r\n'],
  ['big number negative', '(-3492890328409238509324850943850943825024385\r\n'],
  ['blob error', '!21\r\nSYNTAX invalid syntax\r\n'],
  ['blob error holding CR LF', '!11\r\nERR a\r\nb\r\nc\r\n'],
  ['empty blob error', '!0\r\n\r\n'],
  ['verbatim string', '=15\r\ntxt:Some string\r\n'],
  ['verbatim string holding CR LF (INFO)', '=25\r\ntxt:# Server\r\nversion:7\r\n\r\n'],
  ['empty verbatim string', '=4\r\ntxt:\r\n'],
  ['verbatim markdown', '=8\r\nmkd:*hi*\r\n'],
  ['map', '%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n'],
  ['empty map', '%0\r\n'],
  ['map with null and double values', '%2\r\n$1\r\na\r\n_\r\n$1\r\nb\r\n,2.5\r\n'],
  ['HELLO 3 reply', '%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:5\r\n$4\r\nmode\r\n$7\r\ncluster\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n'],
  ['set', '~5\r\n+orange\r\n+apple\r\n#t\r\n:100\r\n:999\r\n'],
  ['empty set', '~0\r\n'],
  ['set of aggregates', '~2\r\n*2\r\n:1\r\n:2\r\n%1\r\n+k\r\n~1\r\n_\r\n'],
  ['push: pubsub message', '>3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$5\r\nhello\r\n'],
  ['push: pmessage', '>4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$1\r\nx\r\n'],
  ['push: smessage with a binary payload', '>3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$6\r\n\r\n>3\r\n\r\n'],
  ['push: subscribe confirmation', '>3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n'],
  ['push: unsubscribe with null channel', '>3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n'],
  ['push: tracking invalidation', '>2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\nfoo\r\n'],
  ['push: invalidation of everything (null)', '>2\r\n$10\r\ninvalidate\r\n_\r\n'],
  ['attribute before an array', '|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n'],
  ['attribute before a null', '|1\r\n+ttl\r\n:3600\r\n_\r\n'],
  ['attribute inside a map value', '%1\r\n$1\r\nk\r\n|1\r\n+a\r\n#t\r\n,1.5\r\n'],
  ['attribute holding an aggregate, before a push', '|1\r\n+meta\r\n~2\r\n:1\r\n:2\r\n>1\r\n+x\r\n'],
  ['streamed string', '$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n'],
  ['streamed string with CR LF and ; in a chunk', '$?\r\n;4\r\n;0\r\n\r\n;0\r\n'],
  ['streamed array', '*?\r\n:1\r\n:2\r\n:3\r\n.\r\n'],
  ['streamed map', '%?\r\n+a\r\n:1\r\n+b\r\n,2\r\n.\r\n'],
  ['streamed set', '~?\r\n+a\r\n#f\r\n.\r\n'],
  ['streamed map inside an array', '*2\r\n%?\r\n+a\r\n_\r\n.\r\n(1\r\n'],
  ['streamed string inside a streamed map', '%?\r\n$?\r\n;1\r\nk\r\n;0\r\n~1\r\n=5\r\ntxt:v\r\n.\r\n'],
  ['RESP2 types in RESP3 aggregates', '*4\r\n$-1\r\n*-1\r\n-ERR x\r\n$2\r\n\r\n\r\n'],
  ['deep nesting', '*1\r\n%1\r\n~1\r\n>1\r\n|1\r\n+a\r\n*1\r\n%1\r\n_\r\n#t\r\n:1\r\n:2\r\n']
]

const b = (s: string): Buffer => Buffer.from(s, 'latin1')
/** What comes before and after the reply under test in the stream. */
const BEFORE = '+OK\r\n'
const AFTER = ':42\r\n'

/** Feeds `chunks` (each a fresh Buffer) and returns the collector. */
function feed (chunks: readonly Buffer[]): Collector {
  const sink = new Collector()
  const framer = new ReplyFramer(sink)
  for (const c of chunks) framer.feed(c)
  return sink
}

for (const [name, reply] of RESP3) {
  t.test(name, async t => {
    const bytes = b(reply)
    // Alone, cut in two at every boundary: nothing before the end, then exactly the reply.
    let bad = 0
    for (let i = 1; i < bytes.length; i++) {
      const sink = new Collector()
      const framer = new ReplyFramer(sink)
      framer.feed(Buffer.from(bytes.subarray(0, i)))
      const early = sink.replies.length
      framer.feed(Buffer.from(bytes.subarray(i)))
      const texts = sink.texts()
      if (early !== 0 || texts.length !== 1 || texts[0] !== reply || sink.errors.length > 0) {
        if (bad++ < 3) t.fail(`split at ${i}: ${early} early, got ${JSON.stringify(texts)} errors ${JSON.stringify(sink.errors)}`)
      }
    }
    t.equal(bad, 0, `all ${bytes.length - 1} two-piece splits`)

    // Between two other replies, cut in three at every pair of boundaries.
    const stream = b(BEFORE + reply + AFTER)
    const expected = [BEFORE, reply, AFTER]
    bad = 0
    let cases = 0
    for (let i = 1; i < stream.length; i++) {
      for (let j = i + 1; j < stream.length; j++) {
        cases++
        const sink = feed([Buffer.from(stream.subarray(0, i)), Buffer.from(stream.subarray(i, j)), Buffer.from(stream.subarray(j))])
        const texts = sink.texts()
        if (sink.errors.length > 0 || texts.length !== 3 || texts.some((x, k) => x !== expected[k])) {
          if (bad++ < 3) t.fail(`split at ${i} and ${j}: ${JSON.stringify(texts)} errors ${JSON.stringify(sink.errors)}`)
        }
      }
    }
    t.equal(bad, 0, `all ${cases} three-piece splits with a reply before and after`)

    // Byte by byte, the reply's slice stays intact while the next replies are fed.
    const chunks = [...b(BEFORE + reply + AFTER + reply + AFTER)].map(x => Buffer.from([x]))
    const sink = feed(chunks)
    t.same(sink.texts(), [BEFORE, reply, AFTER, reply, AFTER], 'byte by byte, twice in a row')
    t.same(sink.errors, [])
  })
}

t.test('every RESP3 reply in one stream, cut at every boundary, all slices intact at the end', async t => {
  const all = RESP3.map(([, r]) => r)
  const stream = b(all.join(''))
  let bad = 0
  for (let i = 0; i <= stream.length; i++) {
    const sink = feed([Buffer.from(stream.subarray(0, i)), Buffer.from(stream.subarray(i))])
    const texts = sink.texts()
    if (sink.errors.length > 0 || texts.length !== all.length || texts.some((x, k) => x !== all[k])) {
      if (bad++ < 3) t.fail(`split at ${i}: ${texts.length} replies, errors ${JSON.stringify(sink.errors)}`)
    }
  }
  t.equal(bad, 0, `all ${stream.length + 1} split points`)
})

t.test('a truncated reply of any RESP3 type emits nothing and reports no error', async t => {
  let bad = 0
  for (const [name, reply] of RESP3) {
    for (let i = 1; i < reply.length; i++) {
      const sink = feed([b(reply.slice(0, i))])
      if (sink.replies.length !== 0 || sink.errors.length !== 0) {
        if (bad++ < 3) t.fail(`${name} cut at ${i}: ${JSON.stringify(sink.texts())} ${JSON.stringify(sink.errors)}`)
      }
    }
  }
  t.equal(bad, 0)
})
