// The pure parts of the topology events: the diff of two slot maps (slots moved, masters in
// and out, failure flags, promotions, epoch), slot ranges as text, and the failover watch
// that turns diffs into detected/resolved events with their duration. Snapshots come from a
// real Topology fed with CLUSTER NODES-shaped views, as the refresher applies them.
import t from 'tap'
import type { ClusterNodeInfo, ClusterView } from '../../src/cluster/cluster-view.js'
import { FailoverWatch } from '../../src/cluster/failover-watch.js'
import { Topology } from '../../src/cluster/topology.js'
import { diffTopology, formatRanges, type TopologySnapshot } from '../../src/cluster/topology-diff.js'

function node (id: string, address: string, extra: Partial<ClusterNodeInfo> = {}): ClusterNodeInfo {
  return { id, address, role: 'master', masterId: null, failed: false, suspected: false, unusable: false, configEpoch: 1, connected: true, slots: [], ...extra }
}
const replica = (id: string, address: string, masterId: string, extra: Partial<ClusterNodeInfo> = {}): ClusterNodeInfo =>
  node(id, address, { role: 'replica', masterId, ...extra })

function view (nodes: ClusterNodeInfo[], maxEpoch: number): ClusterView {
  let covered = 0
  for (const n of nodes) if (n.role === 'master') for (const [a, b] of n.slots) covered += b - a + 1
  return { source: nodes[0].address, nodes, maxEpoch, coveredSlots: covered }
}

const A = '10.0.0.1:7000'
const B = '10.0.0.2:7000'
const C = '10.0.0.3:7000'
const A1 = '10.0.0.4:7000'
const D = '10.0.0.7:7000'

/** The slot map after applying `v` to a fresh Topology. */
function snap (v: ClusterView): TopologySnapshot {
  const topo = new Topology()
  topo.apply(v)
  return topo.snapshot()
}

const healthy = view([
  node('A', A, { slots: [[0, 5460]] }),
  node('B', B, { slots: [[5461, 10922]] }),
  node('C', C, { slots: [[10923, 16383]] }),
  replica('a1', A1, 'A')
], 3)
const aFailing = view([
  node('A', A, { slots: [[0, 5460]], failed: true }),
  node('B', B, { slots: [[5461, 10922]] }),
  node('C', C, { slots: [[10923, 16383]] }),
  replica('a1', A1, 'A')
], 3)
// After the failover: a1 took A's slots with a new epoch; A, still failed, serves none.
const promoted = view([
  node('A', A, { failed: true }),
  node('B', B, { slots: [[5461, 10922]] }),
  node('C', C, { slots: [[10923, 16383]] }),
  node('a1', A1, { slots: [[0, 5460]], configEpoch: 4 })
], 4)

t.test('formatRanges: consecutive slots as ranges, capped', async t => {
  t.equal(formatRanges([]), '')
  t.equal(formatRanges([7]), '7')
  t.equal(formatRanges([0, 1, 2, 5, 7, 8]), '0-2,5,7-8')
  const spread = Array.from({ length: 30 }, (_, i) => i * 2)
  t.equal(formatRanges(spread).split(',').length, 21, '20 ranges, then ...')
  t.match(formatRanges(spread), /,36,38,\.\.\.$/)
})

t.test('no change: nothing in the diff', async t => {
  const d = diffTopology(snap(healthy), snap(healthy))
  t.equal(d.changed, false)
  t.same([d.moves, d.mastersAdded, d.mastersRemoved, d.failing, d.recovered, d.promoted], [[], [], [], [], [], []])
  t.same([d.epochBefore, d.epochAfter], [3, 3])
})

t.test('first view: every slot arrives from no master', async t => {
  const d = diffTopology({ epoch: -1, owners: [], shards: [] }, snap(healthy))
  t.equal(d.changed, true)
  t.same(d.mastersAdded, [A, B, C])
  t.same(d.moves.map(m => [m.from, m.to, m.slots, m.ranges]), [[null, A, 5461, '0-5460'], [null, B, 5462, '5461-10922'], [null, C, 5461, '10923-16383']])
  t.same([d.epochBefore, d.epochAfter], [-1, 3])
})

t.test('a resharding: slots moved from one master to a new one, by range', async t => {
  const after = view([
    node('A', A, { slots: [[0, 5000]] }),
    node('B', B, { slots: [[5461, 10922]] }),
    node('C', C, { slots: [[10923, 16000]] }),
    node('D', D, { slots: [[5001, 5460], [16001, 16383]], configEpoch: 5 })
  ], 5)
  const d = diffTopology(snap(healthy), snap(after))
  t.same(d.mastersAdded, [D])
  t.same(d.mastersRemoved, [])
  t.same(d.moves.map(m => [m.from, m.to, m.slots, m.ranges]), [[A, D, 460, '5001-5460'], [C, D, 383, '16001-16383']])
  t.same(d.promoted, [], 'D was no replica')
  t.same([d.epochBefore, d.epochAfter], [3, 5])
})

t.test('a failover: flagged failed, then a replica promoted; the watch times it', async t => {
  const watch = new FailoverWatch()
  const s0 = snap(healthy)
  const s1 = snap(aFailing)
  const s2 = snap(promoted)
  const slotsOf = (s: TopologySnapshot) => (m: string) => s.owners.filter(o => o === m).length

  const flagged = diffTopology(s0, s1)
  t.same(flagged.failing, [A])
  t.same(flagged.moves, [], 'no slot moved yet')
  t.equal(flagged.changed, true)
  t.same(watch.update(flagged, 1000, slotsOf(s1)), [{ event: 'failover_detected', master: A, slots: 5461 }])
  t.same(watch.update(diffTopology(s1, s1), 1500, slotsOf(s1)), [], 'a refresh that changes nothing says nothing')
  t.equal(watch.pending, 1)

  const done = diffTopology(s1, s2)
  t.same(done.promoted, [{ node: A1, formerMaster: A }])
  t.same(done.mastersAdded, [A1])
  t.same(done.mastersRemoved, [A])
  t.same(done.moves.map(m => [m.from, m.to, m.slots]), [[A, A1, 5461]])
  t.same(watch.update(done, 3250, slotsOf(s2)), [{ event: 'failover_resolved', master: A, newMaster: A1, how: 'promoted', durationMs: 2250 }])
  t.equal(watch.pending, 0)
})

t.test('the failed master comes back before any promotion: recovered', async t => {
  const watch = new FailoverWatch()
  const s1 = snap(aFailing)
  watch.update(diffTopology(snap(healthy), s1), 0, () => 5461)
  const back = diffTopology(s1, snap(healthy))
  t.same(back.recovered, [A])
  t.same(watch.update(back, 800, () => 5461), [{ event: 'failover_resolved', master: A, newMaster: A, how: 'recovered', durationMs: 800 }])
})

t.test('a promotion never preceded by a failure flag (CLUSTER FAILOVER): resolved without a duration', async t => {
  const watch = new FailoverWatch()
  const d = diffTopology(snap(healthy), snap(promoted))
  t.same(watch.update(d, 50, () => 0), [{ event: 'failover_resolved', master: A, newMaster: A1, how: 'promoted', durationMs: null }])
})

t.test('a failed master whose slots went to a node that was not its replica: replaced', async t => {
  const watch = new FailoverWatch()
  const s1 = snap(aFailing)
  watch.update(diffTopology(snap(healthy), s1), 100, () => 5461)
  const toB = view([
    node('A', A, { failed: true }),
    node('B', B, { slots: [[0, 10922]], configEpoch: 6 }),
    node('C', C, { slots: [[10923, 16383]] })
  ], 6)
  t.same(watch.update(diffTopology(s1, snap(toB)), 400, () => 0), [{ event: 'failover_resolved', master: A, newMaster: B, how: 'replaced', durationMs: 300 }])
})
