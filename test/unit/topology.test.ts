import t from 'tap'
import type { ClusterNodeInfo, ClusterView } from '../../src/cluster/cluster-view.js'
import { Topology } from '../../src/cluster/topology.js'

function master (id: string, address: string, slots: [number, number][], extra: Partial<ClusterNodeInfo> = {}): ClusterNodeInfo {
  return { id, address, role: 'master', masterId: null, failed: false, suspected: false, unusable: false, configEpoch: 1, connected: true, slots, ...extra }
}

function replica (id: string, address: string, masterId: string, extra: Partial<ClusterNodeInfo> = {}): ClusterNodeInfo {
  return { id, address, role: 'replica', masterId, failed: false, suspected: false, unusable: false, configEpoch: 1, connected: true, slots: [], ...extra }
}

function view (nodes: ClusterNodeInfo[]): ClusterView {
  let covered = 0
  for (const n of nodes) if (n.role === 'master') for (const [a, b] of n.slots) covered += b - a + 1
  return { source: nodes[0]?.address ?? '127.0.0.1:7000', nodes, maxEpoch: 1, coveredSlots: covered }
}

/** The usual 3 masters × 1 replica layout, as redis-cli --cluster create assigns slots. */
const THREE = view([
  master('A', '10.0.0.1:7000', [[0, 5460]]),
  master('B', '10.0.0.2:7000', [[5461, 10922]]),
  master('C', '10.0.0.3:7000', [[10923, 16383]]),
  replica('a1', '10.0.0.4:7000', 'A'),
  replica('b1', '10.0.0.5:7000', 'B'),
  replica('c1', '10.0.0.6:7000', 'C')
])

function tracked (): { topo: Topology, calls: number[] } {
  const topo = new Topology()
  const calls: number[] = []
  topo.onChange(() => calls.push(topo.generation))
  return { topo, calls }
}

t.test('an empty topology', async t => {
  const topo = new Topology()
  t.equal(topo.generation, 0)
  t.equal(topo.masterFor(0), undefined)
  t.equal(topo.shardFor(16383), undefined)
  t.same(topo.masters(), [])
  t.same(topo.nodes(), [])
  t.equal(topo.coveredSlots(), 0)
})

t.test('apply: every slot to its master, replicas attached', async t => {
  const { topo, calls } = tracked()
  topo.apply(THREE)
  const owners: [number, string][] = [[0, '10.0.0.1:7000'], [5460, '10.0.0.1:7000'], [5461, '10.0.0.2:7000'],
    [10922, '10.0.0.2:7000'], [10923, '10.0.0.3:7000'], [16383, '10.0.0.3:7000']]
  for (const [slot, owner] of owners) t.equal(topo.masterFor(slot), owner, `slot ${slot}`)
  t.same(topo.shardFor(100), { master: '10.0.0.1:7000', replicas: ['10.0.0.4:7000'], masterFailing: false })
  t.same(topo.shardFor(6000), { master: '10.0.0.2:7000', replicas: ['10.0.0.5:7000'], masterFailing: false })
  t.same(topo.shardFor(16000), { master: '10.0.0.3:7000', replicas: ['10.0.0.6:7000'], masterFailing: false })
  t.equal(topo.shardFor(0), topo.shardFor(5460), 'one shard object per master')
  t.same(topo.masters().sort(), ['10.0.0.1:7000', '10.0.0.2:7000', '10.0.0.3:7000'])
  t.same(topo.nodes().sort(), ['10.0.0.1:7000', '10.0.0.2:7000', '10.0.0.3:7000', '10.0.0.4:7000', '10.0.0.5:7000', '10.0.0.6:7000'])
  t.equal(topo.allShards().length, 3)
  t.equal(topo.coveredSlots(), 16384)
  t.equal(topo.generation, 1)
  t.same(calls, [1], 'onChange called once, after the change')
})

t.test('apply: scattered single slots and ranges', async t => {
  const topo = new Topology()
  topo.apply(view([
    master('A', '10.0.0.1:7000', [[0, 99], [200, 200], [16383, 16383]]),
    master('B', '10.0.0.2:7000', [[100, 199], [201, 16382]])
  ]))
  const owners: [number, string][] = [[0, 'A'], [99, 'A'], [100, 'B'], [199, 'B'], [200, 'A'], [201, 'B'], [16382, 'B'], [16383, 'A']]
  for (const [slot, owner] of owners) t.equal(topo.masterFor(slot), owner === 'A' ? '10.0.0.1:7000' : '10.0.0.2:7000', `slot ${slot}`)
  t.equal(topo.coveredSlots(), 16384)
})

t.test('apply: failed and unusable replicas are not attached; suspected ones are', async t => {
  const topo = new Topology()
  topo.apply(view([
    master('A', '10.0.0.1:7000', [[0, 16383]]),
    replica('a1', '10.0.0.2:7000', 'A', { failed: true }),
    replica('a2', '10.0.0.3:7000', 'A'),
    replica('a3', '10.0.0.4:7000', 'A', { unusable: true }),
    replica('a4', '10.0.0.5:7000', 'A', { suspected: true }),
    replica('x1', '10.0.0.6:7000', 'unknown-master-id')
  ]))
  t.same(topo.shardFor(0)?.replicas, ['10.0.0.3:7000', '10.0.0.5:7000'])
  t.same(topo.nodes().sort(), ['10.0.0.1:7000', '10.0.0.2:7000', '10.0.0.3:7000', '10.0.0.5:7000', '10.0.0.6:7000'],
    'every node but the unusable one is known')
})

t.test('apply: a master without slots is no shard; a replica of it is attached nowhere', async t => {
  const topo = new Topology()
  topo.apply(view([
    master('A', '10.0.0.1:7000', [[0, 16383]]),
    master('S', '10.0.0.2:7000', []),
    replica('s1', '10.0.0.3:7000', 'S')
  ]))
  t.same(topo.masters(), ['10.0.0.1:7000'])
  t.same(topo.shardFor(5)?.replicas, [])
})

t.test('apply: an unusable master (handshake/noaddr) serves nothing', async t => {
  const topo = new Topology()
  topo.apply(view([
    master('A', '10.0.0.1:7000', [[0, 8191]]),
    master('N', '10.0.0.2:0', [[8192, 16383]], { unusable: true })
  ]))
  t.equal(topo.masterFor(8191), '10.0.0.1:7000')
  t.equal(topo.masterFor(8192), undefined)
  t.equal(topo.coveredSlots(), 8192)
  t.same(topo.masters(), ['10.0.0.1:7000'])
})

// Shard.masterFailing: "True when the view flags the master failed or suspected".
const FAILING: ReadonlyArray<readonly [string, Partial<ClusterNodeInfo>, boolean]> = [
  ['healthy', {}, false],
  ['fail', { failed: true }, true],
  // One node's suspicion is not enough to stop traffic to a master (see Shard.masterFailing).
  ['fail?', { suspected: true }, false]
]
for (const [name, flags, expected] of FAILING) {
  t.test(`masterFailing for a ${name} master`, async t => {
    const topo = new Topology()
    topo.apply(view([master('A', '10.0.0.1:7000', [[0, 16383]], flags), replica('a1', '10.0.0.2:7000', 'A')]))
    t.equal(topo.shardFor(0)?.masterFailing, expected)
    t.equal(topo.masterFor(0), '10.0.0.1:7000', 'the slots stay with it until a view says otherwise')
  })
}

t.test('a failover view moves the slots to the promoted replica', async t => {
  const { topo, calls } = tracked()
  topo.apply(THREE)
  topo.apply(view([
    master('A', '10.0.0.1:7000', [[0, 5460]]),
    master('B', '10.0.0.2:7000', [], { failed: true }),
    master('C', '10.0.0.3:7000', [[10923, 16383]]),
    replica('a1', '10.0.0.4:7000', 'A'),
    master('b1', '10.0.0.5:7000', [[5461, 10922]]),
    replica('c1', '10.0.0.6:7000', 'C')
  ]))
  t.equal(topo.masterFor(5461), '10.0.0.5:7000')
  t.equal(topo.masterFor(10922), '10.0.0.5:7000')
  t.same(topo.shardFor(6000), { master: '10.0.0.5:7000', replicas: [], masterFailing: false })
  t.same(topo.masters().sort(), ['10.0.0.1:7000', '10.0.0.3:7000', '10.0.0.5:7000'])
  t.equal(topo.generation, 2)
  t.same(calls, [1, 2])
})

t.test('a second view leaving slots unowned keeps the old owners for them', async t => {
  const topo = new Topology()
  topo.apply(THREE)
  // C's node answered nothing about itself (e.g. a partial view from a node that lost it).
  topo.apply(view([
    master('A', '10.0.0.1:7000', [[0, 5460]]),
    master('B', '10.0.0.2:7000', [[5461, 10000]])
  ]))
  t.equal(topo.masterFor(0), '10.0.0.1:7000')
  t.equal(topo.masterFor(10000), '10.0.0.2:7000')
  t.equal(topo.masterFor(10001), '10.0.0.2:7000', 'slot 10001: unowned in the new view, B kept')
  t.equal(topo.masterFor(10922), '10.0.0.2:7000')
  t.equal(topo.masterFor(10923), '10.0.0.3:7000', 'C kept for its slots')
  t.equal(topo.masterFor(16383), '10.0.0.3:7000')
  t.equal(topo.coveredSlots(), 16384)
  t.equal(topo.generation, 2)
})

// masters(): "Every master that serves at least one slot". C still serves slots in the map.
t.test('masters() lists a master kept for unowned slots', async t => {
  const topo = new Topology()
  topo.apply(THREE)
  topo.apply(view([master('A', '10.0.0.1:7000', [[0, 5460]]), master('B', '10.0.0.2:7000', [[5461, 10922]])]))
  t.equal(topo.masterFor(16383), '10.0.0.3:7000')
  t.same(topo.masters().sort(), ['10.0.0.1:7000', '10.0.0.2:7000', '10.0.0.3:7000'])
})

t.test('moveSlot to a known master: that shard, replicas included', async t => {
  const { topo, calls } = tracked()
  topo.apply(THREE)
  topo.moveSlot(100, '10.0.0.2:7000')
  t.equal(topo.masterFor(100), '10.0.0.2:7000')
  t.equal(topo.shardFor(100), topo.shardFor(6000), 'the same shard object as B\'s other slots')
  t.same(topo.shardFor(100)?.replicas, ['10.0.0.5:7000'])
  t.equal(topo.masterFor(99), '10.0.0.1:7000', 'neighbours untouched')
  t.equal(topo.masterFor(101), '10.0.0.1:7000')
  t.equal(topo.generation, 2)
  t.same(calls, [1, 2])
})

t.test('moveSlot to the current owner changes nothing', async t => {
  const { topo, calls } = tracked()
  topo.apply(THREE)
  topo.moveSlot(100, '10.0.0.1:7000')
  t.equal(topo.generation, 1)
  t.same(calls, [1])
})

t.test('moveSlot to an unknown node creates a shard for it', async t => {
  const { topo, calls } = tracked()
  topo.apply(THREE)
  topo.moveSlot(16383, '10.0.0.9:7000')
  t.same(topo.shardFor(16383), { master: '10.0.0.9:7000', replicas: [], masterFailing: false })
  topo.moveSlot(16382, '10.0.0.9:7000')
  t.equal(topo.shardFor(16382), topo.shardFor(16383), 'a second MOVED to it reuses the shard')
  t.ok(topo.masters().includes('10.0.0.9:7000'))
  t.ok(topo.nodes().includes('10.0.0.9:7000'))
  t.equal(topo.generation, 3)
  t.same(calls, [1, 2, 3])
})

t.test('moveSlot on an empty topology', async t => {
  const topo = new Topology()
  topo.moveSlot(42, '10.0.0.1:7000')
  t.equal(topo.masterFor(42), '10.0.0.1:7000')
  t.equal(topo.masterFor(41), undefined)
  t.equal(topo.coveredSlots(), 1)
  t.equal(topo.generation, 1)
})

t.test('every listener is called on every change', async t => {
  const topo = new Topology()
  const seen: string[] = []
  topo.onChange(() => seen.push(`x${topo.generation}`))
  topo.onChange(() => seen.push(`y${topo.generation}`))
  topo.apply(THREE)
  topo.moveSlot(0, '10.0.0.3:7000')
  topo.apply(THREE)
  t.same(seen, ['x1', 'y1', 'x2', 'y2', 'x3', 'y3'])
  t.equal(topo.masterFor(0), '10.0.0.1:7000', 'the refresh overrides the MOVED')
})

t.test('a view asked for before a MOVED does not undo it; the epoch is unknown until a newer view', async t => {
  const topo = new Topology()
  topo.apply({ ...THREE, maxEpoch: 5 })
  t.equal(topo.epoch, 5)
  const askedBefore = performance.now()
  topo.moveSlot(100, '10.0.0.2:7000')
  t.equal(topo.epoch, -1, 'a MOVED leaves the epoch unknown')
  // The refresh that was already under way answers with the map from before the move.
  topo.apply({ ...THREE, maxEpoch: 5 }, askedBefore)
  t.equal(topo.masterFor(100), '10.0.0.2:7000', 'the slot learnt from the MOVED stays')
  t.equal(topo.masterFor(101), '10.0.0.1:7000', 'the rest follows the view')
  t.equal(topo.epoch, -1, 'still unknown: the view is older than the MOVED')
  // A view asked for after the move is the truth, whatever it says.
  topo.apply({ ...THREE, maxEpoch: 6 }, performance.now())
  t.equal(topo.masterFor(100), '10.0.0.1:7000')
  t.equal(topo.epoch, 6)
})
