import t from 'tap'
import { RequestEncoder } from '../../src/resp/encode-request.js'

const b = (s: string): Buffer => Buffer.from(s, 'latin1')
const words = (...w: string[]): Buffer[] => w.map(b)
const joined = (parts: Buffer[]): string => Buffer.concat(parts).toString('latin1')

// Expected bytes are written out by hand from the RESP spec ("Sending commands to a Redis
// server": an array of bulk strings).
const CASES: ReadonlyArray<readonly [string, Buffer[], string]> = [
  ['PING', words('PING'), '*1\r\n$4\r\nPING\r\n'],
  ['SET with an empty value', words('SET', 'k', ''), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n'],
  ['binary: CRLF and NUL inside args', [b('SET'), b('a\r\nb'), Buffer.from([0, 0xff, 0x0d, 0x0a, 0])],
    '*3\r\n$3\r\nSET\r\n$4\r\na\r\nb\r\n$5\r\n\x00\xff\r\n\x00\r\n'],
  ['no args at all', [], '*0\r\n'],
  ['1023-byte arg (last cached header)', [b('x'.repeat(1023))], `*1\r\n$1023\r\n${'x'.repeat(1023)}\r\n`],
  ['1024-byte arg (first uncached header)', [b('y'.repeat(1024))], `*1\r\n$1024\r\n${'y'.repeat(1024)}\r\n`],
  ['1024 args (uncached array header)', Array.from({ length: 1024 }, () => b('a')), `*1024\r\n${'$1\r\na\r\n'.repeat(1024)}`],
  ['16383-byte arg (copied)', [b('SET'), b('k'), b('v'.repeat(16383))], `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$16383\r\n${'v'.repeat(16383)}\r\n`],
  ['16384-byte arg (by reference)', [b('SET'), b('k'), b('w'.repeat(16384))], `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$16384\r\n${'w'.repeat(16384)}\r\n`]
]

for (const [name, args, expected] of CASES) {
  t.test(`push: ${name}`, async t => {
    const enc = new RequestEncoder()
    enc.push(args)
    t.equal(enc.size, expected.length, 'size counts every encoded byte')
    t.equal(joined(enc.take()), expected)
    t.equal(enc.size, 0, 'size resets on take()')
    t.same(enc.take(), [], 'a second take() is empty')
  })
}

t.test('several requests and raw bytes in one batch, in push order', async t => {
  const enc = new RequestEncoder()
  enc.push(words('GET', 'a'))
  enc.pushRaw(b('*1\r\n$6\r\nASKING\r\n'))
  enc.push(words('SET', 'b', '1'))
  const expected = '*2\r\n$3\r\nGET\r\n$1\r\na\r\n*1\r\n$6\r\nASKING\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n1\r\n'
  t.equal(enc.size, expected.length)
  const parts = enc.take()
  t.equal(parts.length, 1, 'small requests are coalesced into one buffer')
  t.equal(joined(parts), expected)
})

t.test('the encoder is reusable after take()', async t => {
  const enc = new RequestEncoder()
  enc.push(words('GET', 'a'))
  t.equal(joined(enc.take()), '*2\r\n$3\r\nGET\r\n$1\r\na\r\n')
  enc.push(words('GET', 'b'))
  t.equal(enc.size, 20)
  t.equal(joined(enc.take()), '*2\r\n$3\r\nGET\r\n$1\r\nb\r\n')
})

t.test('big args (>= 16 KiB) are passed by reference, not copied', async t => {
  const big1 = Buffer.alloc(16 * 1024, 0x61)
  const big2 = Buffer.alloc(1024 * 1024, 0x62)
  const enc = new RequestEncoder()
  enc.push([b('MSET'), b('k1'), big1, b('k2'), big2])
  enc.push(words('GET', 'k1'))
  const expectedSize = '*5\r\n$4\r\nMSET\r\n$2\r\nk1\r\n$16384\r\n'.length + 16384 +
    '\r\n$2\r\nk2\r\n$1048576\r\n'.length + 1048576 + '\r\n*2\r\n$3\r\nGET\r\n$2\r\nk1\r\n'.length
  t.equal(enc.size, expectedSize)
  const parts = enc.take()
  t.equal(parts.length, 5, 'header | big1 | between | big2 | tail')
  t.ok(parts[1] === big1, 'the first big arg is the caller\'s Buffer object')
  t.ok(parts[3] === big2, 'the second big arg is the caller\'s Buffer object')
  t.equal(parts[0].toString('latin1'), '*5\r\n$4\r\nMSET\r\n$2\r\nk1\r\n$16384\r\n')
  t.equal(parts[2].toString('latin1'), '\r\n$2\r\nk2\r\n$1048576\r\n')
  t.equal(parts[4].toString('latin1'), '\r\n*2\r\n$3\r\nGET\r\n$2\r\nk1\r\n')
  t.equal(Buffer.concat(parts).length, expectedSize)
})

t.test('a request that is only a big arg', async t => {
  const big = Buffer.alloc(20000, 0x7a)
  const enc = new RequestEncoder()
  enc.push([big])
  const parts = enc.take()
  t.equal(parts.length, 3)
  t.equal(parts[0].toString('latin1'), '*1\r\n$20000\r\n')
  t.ok(parts[1] === big, 'the caller\'s Buffer object')
  t.equal(parts[2].toString('latin1'), '\r\n')
})

// The encoder keeps references to small args until take(); the batch it returns must hold
// their bytes as they were at push time only if it copied them — check it did.
t.test('small args are copied into the batch', async t => {
  const arg = b('value')
  const enc = new RequestEncoder()
  enc.push([b('SET'), b('k'), arg])
  const parts = enc.take()
  arg.write('XXXXX')
  t.equal(joined(parts), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n')
})
