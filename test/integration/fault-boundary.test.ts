// The fault boundary of one client command (issue 13, point 2): a bug met while planning,
// encoding, merging or building slotgate's own reply to one client's command fails that command alone, with SLOTGATE_ERR_INTERNAL,
// and a bystander pipelining on the same masters notices nothing. The bugs are injected by
// mocking slotgate's own modules (tap's mockImport), so the product carries no test hooks; the
// compiled build (dist/, which `npm test` makes first) is what is mocked, since the mock
// loader follows a module graph through files it can find as they are imported (.js).
import t from 'tap'
import type * as MainModule from '../../src/main.js'
import type * as MergeModule from '../../src/commands/merge-replies.js'
import type * as SplitModule from '../../src/commands/split-command.js'
import type * as InfoModule from '../../src/exec/info/info.js'
import { schemaDefaults } from '../../src/config/schema.js'
import { silentLogger } from '../../src/log.js'
import { InternalErrors } from '../../src/metrics/internal-errors.js'
import { LocalCluster } from '../harness/local-cluster.js'
import { keySlot } from '../../src/cluster/key-slot.js'
import { cmd, RawConn } from '../helpers/raw-conn.js'

const DIST = '../../dist/src'
const realSplit = await import(`${DIST}/commands/split-command.js`) as typeof SplitModule
const realMerge = await import(`${DIST}/commands/merge-replies.js`) as typeof MergeModule
const realInfo = await import(`${DIST}/exec/info/info.js`) as typeof InfoModule
/** The product's own counter of internal errors, handed to it so the test can read it. */
const internalErrors = new InternalErrors()
const has = (args: readonly Buffer[], marker: string): boolean => args.some(a => a.toString('latin1').startsWith(marker))

const split: typeof SplitModule = {
  ...realSplit,
  splitBySlot (args, keyIndices, keySlots, withValue) {
    // A planning bug: the split throws.
    if (has(args, 'boom:plan')) throw new TypeError('injected planning fault')
    const parts = realSplit.splitBySlot(args, keyIndices, keySlots, withValue)
    // An encoding bug: a part carries something that is not bytes.
    if (has(args, 'boom:encode')) parts[0].args.push(undefined as unknown as Buffer)
    return parts
  }
}
const merge: typeof MergeModule = {
  ...realMerge,
  mergeReplies (kind, parts, keyCount) {
    if (parts.some(p => p.reply.includes('boom:merge'))) throw new RangeError('injected merge fault')
    return realMerge.mergeReplies(kind, parts, keyCount)
  }
}
const info: typeof InfoModule = {
  ...realInfo,
  async formatInfo (args, source, protocol) {
    // A bug in a reply slotgate builds itself.
    if (args.includes('boom:local')) throw new Error('injected fault with secret detail')
    return await realInfo.formatInfo(args, source, protocol)
  }
}
const { startSlotgate } = await t.mockImport<typeof MainModule>(`${DIST}/main.js`, {
  [`${DIST}/commands/split-command.js`]: split,
  [`${DIST}/commands/merge-replies.js`]: merge,
  [`${DIST}/exec/info/info.js`]: info,
  [`${DIST}/metrics/internal-errors.js`]: { InternalErrors, internalErrors }
})

const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0 })
t.teardown(async () => { await cluster.stop() })
const proxy = await startSlotgate({ ...schemaDefaults(), seeds: cluster.seeds(), port: 0, bind: '127.0.0.1', metricsEnabled: false }, silentLogger)
await proxy.ready
const conns: RawConn[] = []
t.teardown(async () => { for (const c of conns) c.destroy(); await proxy.close() })
async function raw (): Promise<RawConn> {
  const c = await RawConn.open(proxy.port)
  conns.push(c)
  return c
}
const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`

/** Two keys in different slots starting with `prefix`. */
function twoSlots (prefix: string): [string, string] {
  const a = `${prefix}a`
  for (let i = 0; ; i++) if (keySlot(Buffer.from(`${prefix}${i}`)) !== keySlot(Buffer.from(a))) return [a, `${prefix}${i}`]
}

for (const [boundary, marker, stage] of [['planning', 'boom:plan', 'plan'], ['encoding', 'boom:encode', 'plan'], ['merging', 'boom:merge', 'merge']] as const) {
  t.test(`a bug while ${boundary} one client's command: that command fails alone`, async t => {
    const [a, b] = twoSlots(marker)
    const faulty = await raw()
    const bystander = await raw()
    if (boundary === 'merging') t.equal(await bystander.call('SET', a, 'boom:merge'), '+OK\r\n')
    const before = internalErrors.counts[stage]
    // The bystander pipelines writes and reads around the faulty command, on the same masters.
    let pipeline = ''
    for (let i = 0; i < 50; i++) pipeline += cmd('SET', `bystander:${i}`, `v${i}`) + cmd('GET', `bystander:${i}`)
    bystander.write(pipeline)
    faulty.write((boundary === 'merging' ? cmd('MGET', a, b) : cmd('MSET', a, '1', b, '2')) + cmd('PING'))
    const [failed, pong] = await faulty.read(2)
    t.match(failed, /^-ERR slotgate: internal error while handling '(mset|mget)' \(SLOTGATE_ERR_INTERNAL\)/, `the faulty command: ${JSON.stringify(failed)}`)
    t.equal(pong, '+PONG\r\n', 'its connection goes on, replies in order')
    const replies = await bystander.read(100)
    t.same(replies, Array.from({ length: 50 }, (_, i) => ['+OK\r\n', bulk(`v${i}`)]).flat(), 'the bystander\'s 100 replies, all right, in order')
    t.equal(internalErrors.counts[stage], before + 1, `counted once in slotgate_internal_errors_total{stage="${stage}"}`)
    t.equal(await faulty.call('SET', 'after', 'fine'), '+OK\r\n', 'slotgate is alive for everyone')
  })
}

t.test('a bug while building a reply of slotgate\'s own (INFO): the stable code, never the exception\'s text', async t => {
  const faulty = await raw()
  const bystander = await raw()
  const before = internalErrors.counts.local
  let pipeline = ''
  for (let i = 0; i < 20; i++) pipeline += cmd('SET', `local:${i}`, `v${i}`) + cmd('GET', `local:${i}`)
  bystander.write(pipeline)
  faulty.write(cmd('INFO', 'boom:local') + cmd('PING'))
  const [failed, pong] = await faulty.read(2)
  t.match(failed, /^-ERR slotgate: internal error while handling 'info' \(SLOTGATE_ERR_INTERNAL\)/, `INFO: ${JSON.stringify(failed)}`)
  t.notMatch(failed, /secret detail/, 'the exception\'s message stays in the log')
  t.equal(pong, '+PONG\r\n', 'its connection goes on, replies in order')
  t.same(await bystander.read(40), Array.from({ length: 20 }, (_, i) => ['+OK\r\n', bulk(`v${i}`)]).flat(), 'the bystander\'s replies, all right, in order')
  t.equal(internalErrors.counts.local, before + 1, 'counted once in slotgate_internal_errors_total{stage="local"}')
  t.match(await faulty.call('INFO', 'server'), /redis_version:/, 'INFO works for other arguments')
})
