// linksPerNode > 1: a node gets several shared connections, each client keeps to one of them
// (its lane), so one client's commands to a node still run in the order it sent them.
import t from 'tap'
import { Redis } from 'ioredis'
import { LocalCluster } from '../harness/local-cluster.js'
import { startProxy } from '../helpers/start-proxy.js'

const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0 })
t.teardown(async () => { await cluster.stop() })
const proxy = await startProxy(cluster.seeds(), { linksPerNode: 4 })
t.teardown(async () => { await proxy.close() })

async function connectedClients (port: number): Promise<number> {
  const r = new Redis({ port, protocol: 2 })
  try {
    return Number(/connected_clients:(\d+)/.exec(await r.info('clients'))?.[1])
  } finally {
    r.disconnect()
  }
}

t.test('8 clients pipelining INCR and GET on their own keys see every reply in order', async t => {
  const masters = cluster.nodes.map(n => n.port)
  const before = await Promise.all(masters.map(connectedClients))
  const clients = Array.from({ length: 8 }, () => new Redis({ port: proxy.port, protocol: 2 }))
  t.teardown(() => { for (const c of clients) c.disconnect() })
  await Promise.all(clients.map(async (c, i) => {
    // 20 keys per client, spread over every master, each INCRed 15 times, each INCR followed
    // by a GET that must already see it.
    const p = c.pipeline()
    for (let n = 0; n < 300; n++) p.incr(`lanes:${i}:${n % 20}`).get(`lanes:${i}:${n % 20}`)
    const res = await p.exec() ?? []
    for (let n = 0; n < 300; n++) {
      const expected = Math.floor(n / 20) + 1
      t.equal(res[2 * n][1], expected, `client ${i}: INCR #${n}`)
      t.equal(res[2 * n + 1][1], String(expected), `client ${i}: the GET after INCR #${n} reads it`)
    }
  }))
  const after = await Promise.all(masters.map(connectedClients))
  // Each master now has more than one shared connection from slotgate (lazily opened per lane).
  t.ok(after.every((a, i) => a - before[i] >= 2), `connections per master grew by ${after.map((a, i) => a - before[i]).join(', ')}`)
  t.ok(after.every((a, i) => a - before[i] <= 4 + 1), 'at most linksPerNode (+ control) each')
})
