import t from 'tap'
import { chooseView, parseClusterNodes, type ClusterNodeInfo, type ClusterView } from '../../src/cluster/cluster-view.js'

// CLUSTER NODES replies captured from a local redis-server 7.0.15 cluster (3 masters,
// 3 replicas, cluster-announce-hostname set), at three moments:
// - STABLE: node :22591 asked; slot 100 migrating to :22592, slot 5460 moved to :22593
//   (single slot, epoch bumped to 7), replica :22595 SIGSTOPped long enough to be `fail`;
// - PFAIL: replica :22594 asked, seconds after master :22593 was stopped: `fail?`;
// - FAILED_OVER: :22591 asked once :22596 had been promoted (epoch 8) and :22593 is `fail`.
const STABLE = `b2a34394792b49c7f9cdebbfcc32e82c7eb5ef69 127.0.0.1:22591@32591,host-0.example myself,master - 0 1795460171000 1 connected 0-5459 [100->-d1b8e6345047c1f017ae19575b7560330b44b68d]
d1ab06dceddb536da8e9fe02dafea8ef0d2252f5 127.0.0.1:22594@32594,host-3.example slave b2a34394792b49c7f9cdebbfcc32e82c7eb5ef69 0 1795460172000 1 connected
a5ea11945b05cd12f5509979eee1c5477c8f12c5 127.0.0.1:22595@32595,host-4.example slave,fail d1b8e6345047c1f017ae19575b7560330b44b68d 1795460160881 1795460155000 2 connected
9e8d92a12360545ab6f701e2067c63e7b7c8ffe3 127.0.0.1:22596@32596,host-5.example slave a37a5977ed10d2dcc81f6cc248c348cf35192d7f 0 1795460172941 7 connected
a37a5977ed10d2dcc81f6cc248c348cf35192d7f 127.0.0.1:22593@32593,host-2.example master - 0 1795460173944 7 connected 5460 10923-16383
d1b8e6345047c1f017ae19575b7560330b44b68d 127.0.0.1:22592@32592,host-1.example master - 0 1795460172000 2 connected 5461-10922
`

const PFAIL = `d1b8e6345047c1f017ae19575b7560330b44b68d 127.0.0.1:22592@32592,host-1.example master - 0 1795460202111 2 connected 5461-10922 [100-<-b2a34394792b49c7f9cdebbfcc32e82c7eb5ef69]
b2a34394792b49c7f9cdebbfcc32e82c7eb5ef69 127.0.0.1:22591@32591,host-0.example master - 0 1795460202000 1 connected 0-5459
9e8d92a12360545ab6f701e2067c63e7b7c8ffe3 127.0.0.1:22596@32596,host-5.example slave a37a5977ed10d2dcc81f6cc248c348cf35192d7f 0 1795460201107 7 connected
a37a5977ed10d2dcc81f6cc248c348cf35192d7f 127.0.0.1:22593@32593,host-2.example master,fail? - 1795460187027 1795460184000 7 connected 5460 10923-16383
d1ab06dceddb536da8e9fe02dafea8ef0d2252f5 127.0.0.1:22594@32594,host-3.example myself,slave b2a34394792b49c7f9cdebbfcc32e82c7eb5ef69 0 1795460201000 1 connected
a5ea11945b05cd12f5509979eee1c5477c8f12c5 127.0.0.1:22595@32595,host-4.example slave,fail d1b8e6345047c1f017ae19575b7560330b44b68d 1795460158873 1795460155000 2 connected
`

const FAILED_OVER = `b2a34394792b49c7f9cdebbfcc32e82c7eb5ef69 127.0.0.1:22591@32591,host-0.example myself,master - 0 1795460213000 1 connected 0-5459 [100->-d1b8e6345047c1f017ae19575b7560330b44b68d]
d1ab06dceddb536da8e9fe02dafea8ef0d2252f5 127.0.0.1:22594@32594,host-3.example slave b2a34394792b49c7f9cdebbfcc32e82c7eb5ef69 0 1795460213251 1 connected
a5ea11945b05cd12f5509979eee1c5477c8f12c5 127.0.0.1:22595@32595,host-4.example slave,fail d1b8e6345047c1f017ae19575b7560330b44b68d 1795460160881 1795460155000 2 connected
9e8d92a12360545ab6f701e2067c63e7b7c8ffe3 127.0.0.1:22596@32596,host-5.example master - 0 1795460214333 8 connected 5460 10923-16383
a37a5977ed10d2dcc81f6cc248c348cf35192d7f 127.0.0.1:22593@32593,host-2.example master,fail - 1795460189049 1795460184015 7 connected
d1b8e6345047c1f017ae19575b7560330b44b68d 127.0.0.1:22592@32592,host-1.example master - 0 1795460212247 2 connected 5461-10922
`

// A fresh node (no CLUSTER MEET yet) does not know its own IP; also captured from 7.0.15,
// right after `CLUSTER MEET 127.0.0.1 1` (a port nobody listens on): the `handshake` line.
const FRESH = `e40c82228086dce167788c680b4bcf944f02cf51 :21933@31933 myself,master - 0 0 0 connected
d711fa1646d62bf76c5886dfcd7480064c46ab22 127.0.0.1:1@10001 handshake - 0 0 0 disconnected
`

const ID = {
  n0: 'b2a34394792b49c7f9cdebbfcc32e82c7eb5ef69',
  n1: 'd1b8e6345047c1f017ae19575b7560330b44b68d',
  n2: 'a37a5977ed10d2dcc81f6cc248c348cf35192d7f',
  n3: 'd1ab06dceddb536da8e9fe02dafea8ef0d2252f5',
  n4: 'a5ea11945b05cd12f5509979eee1c5477c8f12c5',
  n5: '9e8d92a12360545ab6f701e2067c63e7b7c8ffe3'
}

function node (id: string, port: number, fields: Partial<ClusterNodeInfo>): ClusterNodeInfo {
  return {
    id,
    address: `127.0.0.1:${port}`,
    role: 'master',
    masterId: null,
    failed: false,
    suspected: false,
    unusable: false,
    configEpoch: 0,
    connected: true,
    slots: [],
    ...fields
  }
}

t.test('a stable cluster: roles, masters, epochs, ranges, single slots, migration markers skipped', async t => {
  const view = parseClusterNodes(STABLE, '127.0.0.1:22591')
  t.equal(view.source, '127.0.0.1:22591')
  t.same(view.nodes, [
    node(ID.n0, 22591, { configEpoch: 1, slots: [[0, 5459]] }),
    node(ID.n3, 22594, { role: 'replica', masterId: ID.n0, configEpoch: 1 }),
    node(ID.n4, 22595, { role: 'replica', masterId: ID.n1, configEpoch: 2, failed: true }),
    node(ID.n5, 22596, { role: 'replica', masterId: ID.n2, configEpoch: 7 }),
    node(ID.n2, 22593, { configEpoch: 7, slots: [[5460, 5460], [10923, 16383]] }),
    node(ID.n1, 22592, { configEpoch: 2, slots: [[5461, 10922]] })
  ])
  t.equal(view.maxEpoch, 7)
  t.equal(view.coveredSlots, 16384)
})

t.test('a suspected master: fail? is suspected, not failed', async t => {
  const view = parseClusterNodes(PFAIL, '127.0.0.1:22594')
  const byId = new Map(view.nodes.map(n => [n.id, n]))
  t.same(byId.get(ID.n2), node(ID.n2, 22593, { suspected: true, configEpoch: 7, slots: [[5460, 5460], [10923, 16383]] }))
  t.same(byId.get(ID.n1), node(ID.n1, 22592, { configEpoch: 2, slots: [[5461, 10922]] }), 'an importing marker is skipped too')
  t.same(byId.get(ID.n3), node(ID.n3, 22594, { role: 'replica', masterId: ID.n0, configEpoch: 1 }), 'myself,slave is a replica')
  t.equal(view.nodes.length, 6)
  t.equal(view.maxEpoch, 7)
  t.equal(view.coveredSlots, 16384)
})

t.test('after a failover: the promoted replica is a master with the newer epoch', async t => {
  const view = parseClusterNodes(FAILED_OVER, '127.0.0.1:22591')
  const byId = new Map(view.nodes.map(n => [n.id, n]))
  t.same(byId.get(ID.n5), node(ID.n5, 22596, { configEpoch: 8, slots: [[5460, 5460], [10923, 16383]] }))
  t.same(byId.get(ID.n2), node(ID.n2, 22593, { failed: true, configEpoch: 7 }))
  t.equal(view.maxEpoch, 8)
  t.equal(view.coveredSlots, 16384)
})

t.test('a fresh node without its own IP, and a handshake node', async t => {
  const view = parseClusterNodes(FRESH, '127.0.0.1:21933')
  t.equal(view.nodes.length, 2)
  t.same(view.nodes[0], node('e40c82228086dce167788c680b4bcf944f02cf51', 21933, {}), '`:port` takes the host we asked')
  t.match(view.nodes[1], { id: 'd711fa1646d62bf76c5886dfcd7480064c46ab22', address: '127.0.0.1:1', unusable: true, connected: false, slots: [] })
  t.equal(view.maxEpoch, 0)
  t.equal(view.coveredSlots, 0)
})

// Lines written after the format of the Redis doc "CLUSTER NODES" for what a small local
// cluster does not show on cue: noaddr, IPv6, CRLF, hostnames on an IPv6 node.
t.test('noaddr, IPv6 endpoints, asked over IPv6, blank lines and CRLF', async t => {
  const text = [
    '07c37dfeb235213a872192d90877d0cd55635b91 ::1:30004@31004,h4 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected',
    '67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 ::1:30002@31002 master - 0 1426238316232 2 connected 5461-10922',
    'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca :30001@31001 myself,master - 0 0 1 connected 0-5460',
    '6ec23923021cf3ffec47632106199cb7f496ce01 :0@0 master,fail,noaddr - 1426238316232 1426238315000 5 disconnected',
    '',
    '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f ::1:30003@31003 master - 0 1426238318243 3 connected 10923-16383\r',
    ''
  ].join('\n')
  const view = parseClusterNodes(text, '::1:30001')
  t.same(view.nodes.map(n => [n.id.slice(0, 4), n.address, n.role, n.unusable, n.failed, n.connected, n.slots]), [
    ['07c3', '::1:30004', 'replica', false, false, true, []],
    ['67ed', '::1:30002', 'master', false, false, true, [[5461, 10922]]],
    ['e7d1', '::1:30001', 'master', false, false, true, [[0, 5460]]],
    ['6ec2', '::1:0', 'master', true, true, false, []],
    ['292f', '::1:30003', 'master', false, false, true, [[10923, 16383]]]
  ])
  t.equal(view.maxEpoch, 3)
  t.equal(view.coveredSlots, 16384)
})

t.test('empty and garbage input', async t => {
  for (const text of ['', '\n', 'ERR This instance has cluster support disabled', 'a b c']) {
    const view = parseClusterNodes(text, '127.0.0.1:7000')
    t.same([view.nodes, view.maxEpoch, view.coveredSlots], [[], 0, 0], JSON.stringify(text))
  }
})

t.test('maxEpoch counts only masters serving slots; coverage sums ranges', async t => {
  const text = [
    'aaaa 10.0.0.1:7000@17000 master - 0 0 3 connected 0-99 200 300-300',
    'bbbb 10.0.0.2:7000@17000 master - 0 0 9 connected', // epoch 9 but no slots
    'cccc 10.0.0.3:7000@17000 slave aaaa 0 0 12 connected' // a replica's epoch is its master's
  ].join('\n')
  const view = parseClusterNodes(text, '10.0.0.1:7000')
  t.same(view.nodes[0].slots, [[0, 99], [200, 200], [300, 300]])
  t.equal(view.maxEpoch, 3)
  t.equal(view.coveredSlots, 102)
})

function fakeView (source: string, maxEpoch: number, coveredSlots: number): ClusterView {
  return { source, nodes: [], maxEpoch, coveredSlots }
}

const CHOOSE: ReadonlyArray<readonly [string, ClusterView[], string | null]> = [
  ['nothing to choose from', [], null],
  ['a single full view', [fakeView('a', 1, 16384)], 'a'],
  ['the newest epoch wins over more coverage', [fakeView('old', 7, 16384), fakeView('new', 8, 10923)], 'new'],
  ['the newest epoch wins whatever the order', [fakeView('new', 8, 10923), fakeView('old', 7, 16384)], 'new'],
  ['equal epochs: more coverage wins', [fakeView('part', 5, 100), fakeView('full', 5, 16384), fakeView('half', 5, 8192)], 'full'],
  ['equal epoch and coverage: the first answer', [fakeView('first', 5, 16384), fakeView('second', 5, 16384)], 'first'],
  ['an empty view is never chosen, even with a higher epoch', [fakeView('empty', 99, 0), fakeView('full', 3, 16384)], 'full'],
  ['only empty views: none', [fakeView('x', 0, 0), fakeView('y', 4, 0)], null]
]

for (const [name, views, expected] of CHOOSE) {
  t.test(`chooseView: ${name}`, async t => {
    const chosen = chooseView(views)
    t.equal(chosen === null ? null : chosen.source, expected)
    if (chosen !== null) t.ok(views.includes(chosen), 'returns one of the given views')
  })
}

t.test('chooseView on real answers: the post-failover view beats the suspecting one and a fresh node', async t => {
  const stale = parseClusterNodes(PFAIL, '127.0.0.1:22594')
  const fresh = parseClusterNodes(FRESH, '127.0.0.1:21933')
  const current = parseClusterNodes(FAILED_OVER, '127.0.0.1:22591')
  t.equal(chooseView([fresh, stale, current]), current)
  t.equal(chooseView([current, stale, fresh]), current)
  t.equal(chooseView([fresh, stale]), stale)
  t.equal(chooseView([fresh]), null)
})
