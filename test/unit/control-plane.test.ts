// The control plane against scripted nodes: replies decoded as a client library gives them,
// error replies and lost or silent connections rejected with the reason, AUTH at connect, and
// a fresh connection after a failure.
import net from 'node:net'
import t from 'tap'
import { ControlPlane } from '../../src/cluster/control-plane.js'
import { err, FakeNode } from '../fake/fake-node.js'

const options = { connectTimeoutMs: 500, commandTimeoutMs: 300 }

t.test('replies come decoded: bulk and status strings, integers, nested arrays, null', async t => {
  const node = await FakeNode.start(args => {
    switch (args[0]) {
      case 'INFO': return '$17\r\nredis_version:7.0\r\n'
      case 'PING': return '+PONG\r\n'
      case 'DBSIZE': return ':42\r\n'
      case 'COMMAND': return '*2\r\n*2\r\n$3\r\nget\r\n:2\r\n*0\r\n'
      case 'GET': return '$-1\r\n'
      default: return err('ERR unknown command')
    }
  })
  const control = new ControlPlane(options)
  t.teardown(async () => { control.close(); await node.stop() })
  t.equal(await control.call(node.address, 'INFO', 'server'), 'redis_version:7.0')
  t.equal(await control.call(node.address, 'PING'), 'PONG')
  t.equal(await control.call(node.address, 'DBSIZE'), 42)
  t.same(await control.call(node.address, 'COMMAND'), [['get', 2], []])
  t.equal(await control.call(node.address, 'GET', 'missing'), null)
  t.same(node.received.slice(0, 2), ['INFO server', 'PING'], 'the arguments go as sent, numbers as text')
  t.equal(node.count('AUTH'), 0, 'no AUTH without credentials')
})

t.test('an error reply rejects with the node\'s own text, and the connection stays usable', async t => {
  const node = await FakeNode.start(args => args[0] === 'PING' ? '+PONG\r\n' : err('BUSY Redis is busy running a script.'))
  const control = new ControlPlane(options)
  t.teardown(async () => { control.close(); await node.stop() })
  await t.rejects(control.call(node.address, 'SCRIPT', 'KILL'), { message: 'BUSY Redis is busy running a script.' })
  t.equal(await control.call(node.address, 'PING'), 'PONG')
})

t.test('credentials are sent at connect, once per connection', async t => {
  const node = await FakeNode.start(args => args[0] === 'AUTH' ? '+OK\r\n' : '+PONG\r\n')
  const control = new ControlPlane({ ...options, username: 'slotgate', password: 's3cret' })
  t.teardown(async () => { control.close(); await node.stop() })
  await control.call(node.address, 'PING')
  await control.call(node.address, 'PING')
  t.same(node.received, ['AUTH slotgate s3cret', 'PING', 'PING'])
})

t.test('a node that never answers: rejected within the command timeout, then a new connection', async t => {
  let silent = true
  const node = await FakeNode.start(() => silent ? null : '+PONG\r\n')
  const control = new ControlPlane(options)
  t.teardown(async () => { control.close(); await node.stop() })
  const started = Date.now()
  await t.rejects(control.call(node.address, 'PING'), /no reply within 300 ms/)
  const took = Date.now() - started
  t.ok(took >= 290 && took < 2000, `gave up after ${took} ms`)
  silent = false
  t.equal(await control.call(node.address, 'PING'), 'PONG', 'the next call opens a new connection and is answered')
})

t.test('an unreachable node and a refused handshake reject with the reason', async t => {
  const closed = net.createServer()
  await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as net.AddressInfo).port
  await new Promise<void>(resolve => closed.close(() => { resolve() }))
  const control = new ControlPlane(options)
  const badAuth = await FakeNode.start(args => args[0] === 'AUTH' ? err('WRONGPASS invalid username-password pair or user is disabled.') : '+PONG\r\n')
  const authed = new ControlPlane({ ...options, password: 'wrong' })
  t.teardown(async () => { control.close(); authed.close(); await badAuth.stop() })
  await t.rejects(control.call(`127.0.0.1:${port}`, 'PING'), /ECONNREFUSED/)
  await t.rejects(authed.call(badAuth.address, 'PING'), /AUTH failed: -WRONGPASS/)
  t.equal(badAuth.count('PING'), 0, 'nothing is sent before the handshake succeeds')
})

t.test('retain closes the connections of nodes that left; close rejects what is pending', async t => {
  const quiet = await FakeNode.start(() => null)
  const control = new ControlPlane({ ...options, commandTimeoutMs: 5000 })
  t.teardown(async () => { control.close(); await quiet.stop() })
  const pending = control.call(quiet.address, 'PING')
  await new Promise(resolve => setTimeout(resolve, 50))
  control.retain(new Set())
  await t.rejects(pending, /node left the cluster/)
})
