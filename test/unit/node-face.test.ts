import { createHash } from 'node:crypto'
import t from 'tap'
import { clusterUserFrom } from '../../src/access/cluster-users.js'
import { aclLine } from '../../src/exec/acl-commands.js'
import { clusterInfo } from '../../src/exec/cluster-commands.js'
import { announcedAddress, nodeIdentity } from '../../src/exec/node-identity.js'
import { AclRules } from '../../src/commands/acl-rules.js'
import { CommandTable } from '../../src/commands/command-table.js'

const sha = (s: string): string => createHash('sha256').update(s).digest('hex')
const table = CommandTable.fromSnapshot()

t.test('node id: the same for every instance announcing the same address, 40 hex characters', async t => {
  const a = nodeIdentity('sg.default.svc:6379', '0.0.0.0', 6379)
  const b = nodeIdentity('sg.default.svc:6379', '10.0.0.7', 7000)
  t.match(a.nodeId, /^[0-9a-f]{40}$/)
  t.equal(a.nodeId, b.nodeId, 'instances with other listening addresses agree')
  t.not(nodeIdentity('other:6379', '0.0.0.0', 6379).nodeId, a.nodeId)
  t.same(announcedAddress(a, '127.0.0.1:6379'), { host: 'sg.default.svc', port: 6379 }, 'the option wins over the client\'s address')
  const none = nodeIdentity('', '127.0.0.1', 6379)
  t.equal(none.nodeId, nodeIdentity('', '127.0.0.1', 6379).nodeId, 'without the option, stable for a listening address')
  t.same(announcedAddress(none, '::ffff:10.1.2.3:6379'), { host: '10.1.2.3', port: 6379 }, 'IPv4 on a dual-stack socket')
  t.same(announcedAddress(none, '::1:6380'), { host: '::1', port: 6380 })
})

t.test('CLUSTER INFO of the one-node cluster follows the real coverage', async t => {
  const ok = clusterInfo(16384, 7)
  t.match(ok, /^cluster_state:ok\r\n/)
  t.match(ok, /\r\ncluster_known_nodes:1\r\ncluster_size:1\r\ncluster_current_epoch:7\r\n/)
  const down = clusterInfo(16000, 7)
  t.match(down, /^cluster_state:fail\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16000\r\n/)
  t.match(down, /\r\ncluster_slots_fail:384\r\n/)
})

t.test('a cluster ACL user is taken on only with the right password, with its rules', async t => {
  const getuser = (flags: string[], passwords: string[], commands: string, keys: string): unknown[] =>
    ['flags', flags, 'passwords', passwords, 'commands', commands, 'keys', keys, 'channels', '&*', 'selectors', []]
  const bob = clusterUserFrom('bob', getuser(['on'], [sha('123')], '-@all +@scripting +set', '~x*'), Buffer.from('123'))
  t.equal(bob?.name, 'bob')
  t.ok(bob?.rules?.allowsCommand(table.get('set') as never), '+set')
  t.ok(bob?.rules?.allowsCommand(table.get('fcall') as never), '+@scripting')
  t.notOk(bob?.rules?.allowsCommand(table.get('hset') as never), '-@all')
  t.ok(bob?.rules?.allowsKey(Buffer.from('xx')))
  t.notOk(bob?.rules?.allowsKey(Buffer.from('yy')))
  t.equal(clusterUserFrom('bob', getuser(['on'], [sha('123')], '+@all', '~*'), Buffer.from('nope')), null, 'wrong password')
  t.equal(clusterUserFrom('bob', getuser(['off'], [sha('123')], '+@all', '~*'), Buffer.from('123')), null, 'a user that is off')
  t.ok(clusterUserFrom('guest', getuser(['on', 'nopass'], [], '+@read', '%R~pub:*'), Buffer.from('any'))?.rules?.allowsKey(Buffer.from('pub:1')),
    'nopass, and a read-only key pattern as a plain pattern')
  t.equal(clusterUserFrom('x', null, Buffer.from('')), null, 'unknown user (null reply)')
  t.notOk(clusterUserFrom('r', getuser(['on', 'nopass'], [], '+get', ''), Buffer.from(''))?.rules?.allowsKey(Buffer.from('k')), 'no key patterns: no keys')
})

t.test('ACL LIST lines as Redis writes them', async t => {
  t.equal(aclLine({ name: 'default', passwordDigest: null, rules: null }), 'user default on nopass ~* &* +@all')
  t.equal(aclLine({ name: 'app', passwordDigest: sha('pw'), rules: new AclRules(['+@read', '-@dangerous'], ['~app:*']) }),
    `user app on #${sha('pw')} ~app:* &* -@all +@read -@dangerous`)
  t.equal(aclLine({ name: 'ops', passwordDigest: sha('x'), rules: new AclRules(['+@all', '-debug'], ['allkeys']) }),
    `user ops on #${sha('x')} ~* &* +@all -debug`)
})

t.test('CLIENT SETINFO and NO-TOUCH exist even in a table without them (Redis 7.0)', async t => {
  t.equal(table.get('client|setinfo')?.arity, 4)
  t.equal(table.get('client|no-touch')?.arity, 3)
  t.equal(table.lookup([Buffer.from('client'), Buffer.from('SETINFO')])?.name, 'client|setinfo')
})
