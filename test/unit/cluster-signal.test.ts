import t from 'tap'
import { parseClusterSignal, type ClusterSignal } from '../../src/cluster/cluster-signal.js'

// [reply bytes, answering node, expected]. Redirect formats follow the Redis Cluster spec
// ("Redirection and resharding"; Redis 7 writes the endpoint as `host:port`, an empty host
// as `:port`, IPv6 hosts unbracketed) and cluster.c's clusterRedirectClient.
const CASES: ReadonlyArray<readonly [string, string, ClusterSignal | null]> = [
  // MOVED / ASK with a full endpoint
  ['-MOVED 3999 127.0.0.1:6381\r\n', '127.0.0.1:6379', { kind: 'moved', slot: 3999, node: '127.0.0.1:6381' }],
  ['-ASK 3999 127.0.0.1:6381\r\n', '127.0.0.1:6379', { kind: 'ask', slot: 3999, node: '127.0.0.1:6381' }],
  ['-MOVED 0 10.0.0.5:7000\r\n', '10.0.0.1:7000', { kind: 'moved', slot: 0, node: '10.0.0.5:7000' }],
  ['-MOVED 16383 10.0.0.5:7000\r\n', '10.0.0.1:7000', { kind: 'moved', slot: 16383, node: '10.0.0.5:7000' }],
  ['-ASK 16383 10.0.0.5:7000\r\n', '10.0.0.1:7000', { kind: 'ask', slot: 16383, node: '10.0.0.5:7000' }],
  // hostname endpoints (cluster-preferred-endpoint-type hostname)
  ['-MOVED 12182 redis-2.example.com:6379\r\n', '10.0.0.1:6379', { kind: 'moved', slot: 12182, node: 'redis-2.example.com:6379' }],
  // `:port`: the node does not know the endpoint; it is the host we asked
  ['-MOVED 3999 :6381\r\n', '127.0.0.1:6379', { kind: 'moved', slot: 3999, node: '127.0.0.1:6381' }],
  ['-ASK 42 :7002\r\n', 'node-a.local:7000', { kind: 'ask', slot: 42, node: 'node-a.local:7002' }],
  // IPv6: unbracketed, the port after the last colon
  ['-MOVED 3999 ::1:6381\r\n', '::1:6379', { kind: 'moved', slot: 3999, node: '::1:6381' }],
  ['-ASK 7 fe80::1:2:7001\r\n', '127.0.0.1:7000', { kind: 'ask', slot: 7, node: 'fe80::1:2:7001' }],
  ['-MOVED 3999 :6381\r\n', '::1:6379', { kind: 'moved', slot: 3999, node: '::1:6381' }],
  ['-MOVED 3999 :6381\r\n', 'fe80::1:2:7000', { kind: 'moved', slot: 3999, node: 'fe80::1:2:6381' }],
  // TRYAGAIN and CLUSTERDOWN, as Redis 7.0 words them
  ['-TRYAGAIN Multiple keys request during rehashing of slot\r\n', '127.0.0.1:6379', { kind: 'tryagain' }],
  ['-CLUSTERDOWN The cluster is down\r\n', '127.0.0.1:6379', { kind: 'clusterdown' }],
  ['-CLUSTERDOWN Hash slot not served\r\n', '127.0.0.1:6379', { kind: 'clusterdown' }],
  ['-CLUSTERDOWN The cluster is down and only accepts read commands\r\n', '127.0.0.1:6379', { kind: 'clusterdown' }],
  // a write that reached a demoted master; a node loading; a replica cut off from its master (Redis 7.0's texts)
  ['-READONLY You can\'t write against a read only replica.\r\n', '127.0.0.1:6379', { kind: 'readonly' }],
  ['-LOADING Redis is loading the dataset in memory\r\n', '127.0.0.1:6379', { kind: 'loading' }],
  ['-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to \'no\'.\r\n', '127.0.0.1:6379', { kind: 'masterdown' }],
  // other errors: data for the client (a script busy on the node, too: a node says BUSY to every client)
  ['-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n', '127.0.0.1:6379', null],
  ['-READONLYX\r\n', '127.0.0.1:6379', null],
  ['-LOADINGX\r\n', '127.0.0.1:6379', null],
  ['-ERR unknown command \'foo\', with args beginning with: \r\n', '127.0.0.1:6379', null],
  ['-CROSSSLOT Keys in request don\'t hash to the same slot\r\n', '127.0.0.1:6379', null],
  ['-WRONGTYPE Operation against a key holding the wrong kind of value\r\n', '127.0.0.1:6379', null],
  ['-MOVEDX 3999 127.0.0.1:6381\r\n', '127.0.0.1:6379', null],
  ['-ASKING 3999 127.0.0.1:6381\r\n', '127.0.0.1:6379', null],
  ['-moved 3999 127.0.0.1:6381\r\n', '127.0.0.1:6379', null],
  ['-ERR MOVED 3999 127.0.0.1:6381\r\n', '127.0.0.1:6379', null],
  ['-MOVED\r\n', '127.0.0.1:6379', null],
  ['-ASK\r\n', '127.0.0.1:6379', null],
  ['-\r\n', '127.0.0.1:6379', null],
  // not errors
  ['+MOVED 3999 127.0.0.1:6381\r\n', '127.0.0.1:6379', null],
  ['$26\r\nMOVED 3999 127.0.0.1:6381\r\n', '127.0.0.1:6379', null],
  [':3999\r\n', '127.0.0.1:6379', null],
  ['+OK\r\n', '127.0.0.1:6379', null],
  ['*-1\r\n', '127.0.0.1:6379', null],
  ['+TRYAGAIN\r\n', '127.0.0.1:6379', null],
  // malformed slot
  ['-MOVED abc 127.0.0.1:6381\r\n', '127.0.0.1:6379', null],
  ['-MOVED -1 127.0.0.1:6381\r\n', '127.0.0.1:6379', null],
  ['-MOVED 16384 127.0.0.1:6381\r\n', '127.0.0.1:6379', null],
  ['-ASK 99999 127.0.0.1:6381\r\n', '127.0.0.1:6379', null],
  ['-MOVED 1.5 127.0.0.1:6381\r\n', '127.0.0.1:6379', null],
  ['-MOVED 12abc 127.0.0.1:6381\r\n', '127.0.0.1:6379', null],
  ['-MOVED  127.0.0.1:6381\r\n', '127.0.0.1:6379', null],
  ['-MOVED 0x10 127.0.0.1:6381\r\n', '127.0.0.1:6379', null],
  ['-MOVED 1e3 127.0.0.1:6381\r\n', '127.0.0.1:6379', null],
  // malformed endpoint
  ['-MOVED 3999\r\n', '127.0.0.1:6379', null],
  ['-MOVED 3999 \r\n', '127.0.0.1:6379', null],
  ['-MOVED 3999 127.0.0.1\r\n', '127.0.0.1:6379', null]
]

for (const [reply, from, expected] of CASES) {
  t.test(`${JSON.stringify(reply)} from ${from}`, async t => {
    t.same(parseClusterSignal(Buffer.from(reply, 'latin1'), from), expected)
  })
}
