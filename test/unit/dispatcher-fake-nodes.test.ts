// The dispatcher carrying out the failure policy, against scripted fake nodes (test/fake): the
// signals a real node gives only at awkward moments (READONLY from a demoted master, TRYAGAIN,
// CLUSTERDOWN, a node that never answers), each checked for what reaches the owner, where the
// request went, and what the slot map and the counters say.
import t from 'tap'
import { BackendRequest, type LinkProvider, type RequestOwner } from '../../src/cluster/backend-request.js'
import type { ClusterNodeInfo, ClusterView } from '../../src/cluster/cluster-view.js'
import { DedicatedLinks } from '../../src/cluster/dedicated-links.js'
import { LinkPool } from '../../src/cluster/link-pool.js'
import { RequestDispatcher } from '../../src/cluster/request-dispatcher.js'
import { Topology } from '../../src/cluster/topology.js'
import { encodeCommand } from '../../src/resp/encode.js'
import { bulk, err, FakeNode } from '../fake/fake-node.js'

const SLOT = 100

interface Rig {
  a: FakeNode
  b: FakeNode
  topology: Topology
  dispatcher: RequestDispatcher
  pool: LinkPool
  dedicated: DedicatedLinks
  refreshes: number
  /** Sends `words` for SLOT and resolves with the reply the owner got. */
  send (words: string[], options?: { readOnly?: boolean, via?: LinkProvider }): Promise<string>
}

function master (id: string, address: string, slots: [number, number][]): ClusterNodeInfo {
  return { id, address, role: 'master', masterId: null, failed: false, suspected: false, unusable: false, configEpoch: 1, connected: true, slots }
}

/** Two fake masters: A owns every slot at first. */
async function rig (t: Tap, options: { commandTimeoutMs?: number } = {}): Promise<Rig> {
  const a = await FakeNode.start(() => '+OK\r\n')
  const b = await FakeNode.start(() => '+OK\r\n')
  const topology = new Topology()
  const view: ClusterView = { source: a.address, nodes: [master('A', a.address, [[0, 16383]]), master('B', b.address, [])], maxEpoch: 1, coveredSlots: 16384 }
  topology.apply(view)
  const policy = { maxRedirects: 5, failoverDeadlineMs: 1000, retryBackoffMs: 20 }
  const dispatcher = new RequestDispatcher(topology, null, policy)
  const pool = new LinkPool({ connectTimeoutMs: 1000, commandTimeoutMs: options.commandTimeoutMs ?? 0 }, dispatcher)
  const r: Rig = {
    a,
    b,
    topology,
    dispatcher,
    pool,
    refreshes: 0,
    dedicated: new DedicatedLinks({ max: 10, perClient: 10 }, {
      onLinkReply: (link, req, reply) => { dispatcher.onLinkReply(link, req, reply) },
      onRequestsLost: (node, timedOut, unwritten, inFlight, reason) => { dispatcher.onRequestsLost(node, timedOut, unwritten, inFlight, reason) },
      watch: link => { pool.watch(link) },
      unwatch: link => { pool.unwatch(link) }
    }),
    async send (words, opts = {}) {
      return await new Promise<string>(resolve => {
        const owner: RequestOwner = { closed: false, onRequestDone: (req) => { resolve((req.reply as Buffer).toString('latin1')) } }
        const req = new BackendRequest(words.map(w => Buffer.from(w)), SLOT, opts.readOnly ?? false, owner)
        req.via = opts.via ?? null
        dispatcher.send(req)
      })
    }
  }
  dispatcher.attach(pool, () => { r.refreshes++ })
  t.teardown(async () => { dispatcher.close(); pool.close(); await a.stop(); await b.stop() })
  return r
}

type Tap = Parameters<Parameters<typeof t.test>[0]>[0]

t.test('MOVED: the slot map learns the new owner and the command is sent there', async t => {
  const r = await rig(t)
  r.a.script = () => err(`MOVED ${SLOT} ${r.b.address}`)
  r.b.script = (args) => args[0] === 'GET' ? bulk('from-b') : '+OK\r\n'
  t.equal(await r.send(['GET', 'k']), bulk('from-b'))
  t.equal(r.topology.masterFor(SLOT), r.b.address, 'the map says B')
  t.equal(r.topology.masterFor(SLOT + 1), r.a.address, 'other slots stay with A until a refresh')
  t.equal(r.dispatcher.stats.moved, 1)
  t.ok(r.refreshes > 0, 'a refresh was asked for')
})

t.test('ASK: the command goes to the target behind ASKING, the map stays', async t => {
  const r = await rig(t)
  r.a.script = () => err(`ASK ${SLOT} ${r.b.address}`)
  r.b.script = (args) => args[0] === 'GET' ? bulk('asked') : '+OK\r\n'
  t.equal(await r.send(['GET', 'k']), bulk('asked'))
  t.same(r.b.received, ['ASKING', 'GET k'], 'ASKING right before the command, on the target')
  t.equal(r.topology.masterFor(SLOT), r.a.address, 'the map is unchanged')
  t.equal(r.dispatcher.stats.ask, 1)
})

t.test('TRYAGAIN: retried after a backoff until the node answers', async t => {
  const r = await rig(t)
  let calls = 0
  r.a.script = () => ++calls <= 2 ? err('TRYAGAIN Multiple keys request during rehashing of slot') : bulk('done')
  t.equal(await r.send(['MGET', 'k1', 'k2']), bulk('done'))
  t.equal(r.dispatcher.stats.tryAgain, 2)
})

t.test('CLUSTERDOWN past the command\'s deadline: the node\'s own error, not a hang', async t => {
  const r = await rig(t)
  r.a.script = () => err('CLUSTERDOWN The cluster is down')
  const began = performance.now()
  t.equal(await r.send(['SET', 'k', 'v']), err('CLUSTERDOWN The cluster is down'))
  const took = performance.now() - began
  t.ok(took >= 900 && took < 3000, `given up at the 1000 ms deadline (${Math.round(took)} ms)`)
})

t.test('READONLY from a master a failover demoted: not executed, so the map is refreshed and the write retried at the new master', async t => {
  const r = await rig(t)
  r.a.script = () => err('READONLY You can\'t write against a read only replica.')
  r.b.script = () => '+OK\r\n'
  const reply = r.send(['SET', 'k', 'v'])
  // The refresh the signal asked for finds the promoted master.
  await new Promise(resolve => setTimeout(resolve, 30))
  t.ok(r.refreshes > 0, 'a refresh was asked for')
  r.topology.moveSlot(SLOT, r.b.address)
  t.equal(await reply, '+OK\r\n', 'the write succeeded at the promoted master, never shown the READONLY')
  t.equal(r.b.count('SET'), 1, 'sent to B once')
  t.ok(r.dispatcher.stats.demoted >= 1)
})

t.test('a node that reads but never answers: the link is recycled after commandTimeoutMs; a write is "outcome unknown", never re-sent', async t => {
  const r = await rig(t, { commandTimeoutMs: 200 })
  r.a.script = () => null
  const began = performance.now()
  const reply = await r.send(['SET', 'k', 'v'])
  t.match(reply, /^-ERR slotgate: connection to 127\.0\.0\.1:\d+ lost after the command was sent \(no reply from the node within 200 ms\); its outcome is unknown\r\n$/)
  t.ok(performance.now() - began < 1500, 'within a few timer ticks of the timeout')
  t.equal(r.a.count('SET'), 1, 'written once, never again')
  t.equal(r.dispatcher.stats.unknownOutcome, 1)
})

t.test('a MULTI block whose queued command met MOVED is sent again whole, at the new owner', async t => {
  const r = await rig(t)
  r.a.script = (args) => {
    if (args[0] === 'MULTI') return '+OK\r\n'
    if (args[0] === 'EXEC') return err('EXECABORT Transaction discarded because of previous errors.')
    return err(`MOVED ${SLOT} ${r.b.address}`)
  }
  r.b.script = (args) => args[0] === 'MULTI' ? '+OK\r\n' : args[0] === 'EXEC' ? '*1\r\n:1\r\n' : '+QUEUED\r\n'
  const reply = await new Promise<string>(resolve => {
    const owner: RequestOwner = { closed: false, onRequestDone: (req) => { resolve((req.reply as Buffer).toString('latin1')) } }
    const req = new BackendRequest([Buffer.from('EXEC')], SLOT, false, owner)
    req.replyCount = 3
    req.wire = Buffer.concat([encodeCommand(['MULTI']), encodeCommand(['INCR', 'k']), encodeCommand(['EXEC'])])
    r.dispatcher.send(req)
  })
  t.equal(reply, '*1\r\n:1\r\n', 'the EXEC reply of the block at B')
  t.same(r.b.received, ['MULTI', 'INCR k', 'EXEC'], 'the block arrived whole at B')
  t.equal(r.topology.masterFor(SLOT), r.b.address)
})

t.test('a request on a connection of its own (LinkProvider) follows MOVED through the same policy', async t => {
  const r = await rig(t)
  r.a.script = (args) => args[0] === 'BLPOP' ? err(`MOVED ${SLOT} ${r.b.address}`) : '+OK\r\n'
  r.b.script = (args) => args[0] === 'BLPOP' ? `*2\r\n${bulk('l')}${bulk('x')}` : '+OK\r\n'
  const asked: string[] = []
  const links = new Map<string, ReturnType<DedicatedLinks['connect']>>()
  const via: LinkProvider = {
    linkTo (node) {
      asked.push(node)
      if (!links.has(node)) links.set(node, r.dedicated.connect(node, { connectTimeoutMs: 1000, protocol: 2, readOnly: false }, { onDedicatedPush () {}, onDedicatedDown () {} }))
      return links.get(node) ?? null
    }
  }
  t.teardown(() => { for (const l of links.values()) l?.close() })
  t.equal(await r.send(['BLPOP', 'l', '0'], { via }), `*2\r\n${bulk('l')}${bulk('x')}`)
  t.same(asked, [r.a.address, r.b.address], 'the provider was asked for A, then for B after MOVED')
  t.equal(r.dedicated.count, 2, 'two dedicated connections, counted')
})
