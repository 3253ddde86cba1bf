import t from 'tap'
import { sumKeyspaces } from '../../src/exec/info/sum-keyspaces.js'

// Inputs are `INFO keyspace` texts as redis-server 7.0.15 writes them ("# Keyspace" header,
// CRLF line ends, `dbN:keys=N,expires=M,avg_ttl=T`); avg_ttl is in milliseconds.
const CASES: ReadonlyArray<readonly [string, readonly string[], string]> = [
  ['no masters answered', [], ''],
  ['empty keyspaces', ['# Keyspace\r\n', '# Keyspace\r\n'], ''],
  ['one node', ['# Keyspace\r\ndb0:keys=5,expires=2,avg_ttl=1000\r\n'],
    'db0:keys=5,expires=2,avg_ttl=1000\r\n'],
  ['three nodes: keys and expires summed, avg_ttl weighted by expires',
    ['# Keyspace\r\ndb0:keys=10,expires=1,avg_ttl=1000\r\n',
      '# Keyspace\r\ndb0:keys=20,expires=3,avg_ttl=5000\r\n',
      '# Keyspace\r\n'],
    // (1*1000 + 3*5000) / 4 = 4000
    'db0:keys=30,expires=4,avg_ttl=4000\r\n'],
  ['a node without expires does not dilute avg_ttl',
    ['# Keyspace\r\ndb0:keys=7,expires=0,avg_ttl=0\r\n', '# Keyspace\r\ndb0:keys=1,expires=2,avg_ttl=300\r\n'],
    'db0:keys=8,expires=2,avg_ttl=300\r\n'],
  ['no expires anywhere', ['db0:keys=1,expires=0,avg_ttl=0\r\n', 'db0:keys=2,expires=0,avg_ttl=0\r\n'],
    'db0:keys=3,expires=0,avg_ttl=0\r\n'],
  ['weighted average is rounded', ['db0:keys=3,expires=3,avg_ttl=10\r\n', 'db0:keys=1,expires=1,avg_ttl=11\r\n'],
    // (30 + 11) / 4 = 10.25
    'db0:keys=4,expires=4,avg_ttl=10\r\n'],
  ['rounding up', ['db0:keys=1,expires=1,avg_ttl=10\r\n', 'db0:keys=1,expires=1,avg_ttl=11\r\n'],
    // 21 / 2 = 10.5
    'db0:keys=2,expires=2,avg_ttl=11\r\n'],
  ['several dbs, each summed on its own',
    ['# Keyspace\r\ndb0:keys=1,expires=1,avg_ttl=100\r\ndb1:keys=2,expires=0,avg_ttl=0\r\n',
      '# Keyspace\r\ndb1:keys=3,expires=1,avg_ttl=50\r\ndb0:keys=4,expires=1,avg_ttl=300\r\n'],
    'db0:keys=5,expires=2,avg_ttl=200\r\ndb1:keys=5,expires=1,avg_ttl=50\r\n'],
  // Redis lists databases by number (db2 before db10), as its INFO loop does.
  ['dbs in numeric order', ['db10:keys=1,expires=0,avg_ttl=0\r\ndb2:keys=1,expires=0,avg_ttl=0\r\n', 'db0:keys=1,expires=0,avg_ttl=0\r\n'],
    'db0:keys=1,expires=0,avg_ttl=0\r\ndb2:keys=1,expires=0,avg_ttl=0\r\ndb10:keys=1,expires=0,avg_ttl=0\r\n'],
  ['LF-only line ends', ['# Keyspace\ndb0:keys=2,expires=1,avg_ttl=10\n', 'db0:keys=2,expires=1,avg_ttl=30'],
    'db0:keys=4,expires=2,avg_ttl=20\r\n'],
  ['other sections and lines ignored',
    ['# Server\r\nredis_version:7.0.15\r\ndb0_like:keys=9\r\n\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n',
      '# Clients\r\nconnected_clients:1\r\nxdb0:keys=100,expires=100,avg_ttl=100\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n'],
    'db0:keys=2,expires=0,avg_ttl=0\r\n'],
  // Redis 7.2+ appends fields (subexpiry); the known ones are still summed.
  ['extra trailing fields', ['db0:keys=3,expires=1,avg_ttl=9,subexpiry=0\r\n', 'db0:keys=1,expires=1,avg_ttl=1\r\n'],
    'db0:keys=4,expires=2,avg_ttl=5\r\n'],
  ['large counts', ['db0:keys=4000000000,expires=3000000000,avg_ttl=86400000\r\n', 'db0:keys=4000000000,expires=1000000000,avg_ttl=0\r\n'],
    'db0:keys=8000000000,expires=4000000000,avg_ttl=64800000\r\n']
]

for (const [name, texts, expected] of CASES) {
  t.test(`sumKeyspaces: ${name}`, async t => {
    t.equal(sumKeyspaces(texts), expected)
  })
}
