// `--workers 2` on the built CLI, against a real cluster: two processes answer on one port,
// the primary's /metrics sums both, /readyz asks both, and SIGTERM drains both and exits 0.
import t from 'tap'
import { Redis } from 'ioredis'
import { LocalCluster } from '../harness/local-cluster.js'
import { eventually, httpGet, scrape } from '../helpers/metrics-scrape.js'
import { SlotgateCli } from '../helpers/slotgate-cli.js'

const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0 })
t.teardown(async () => { await cluster.stop() })

function alive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch { return false }
}

t.test('two workers share the port; the primary sums their metrics and drains them', async t => {
  const cli = await SlotgateCli.start(['--seeds', cluster.seeds().join(','), '--workers', '2', '--log-level', 'info'])
  t.teardown(() => { cli.kill() })
  const workerPids = cli.logs().filter(l => l.msg === 'slotgate listening').map(l => l.pid as number)
  t.equal(workerPids.length, 2, 'two workers started')
  t.notOk(workerPids.includes(cli.child.pid as number), 'the primary serves no clients itself')
  t.same(cli.logs().filter(l => l.event === 'config_effective').map(l => l.pid), [cli.child.pid], 'the effective configuration logged once, by the primary')

  // Connections are spread over the workers (node:cluster round-robin): INFO tells which one.
  const clients = Array.from({ length: 8 }, () => new Redis({ port: cli.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 }))
  for (const c of clients) c.on('error', () => undefined)
  const before = await scrape(cli.httpPort)
  const servedBy = new Set<number>()
  for (const c of clients) {
    await c.connect()
    servedBy.add(Number(/process_id:(\d+)/.exec(await c.info('server'))?.[1]))
  }
  t.same([...servedBy].sort(), [...workerPids].sort(), 'both workers answered on the one port')
  const replies = await Promise.all(clients.map(async (c, i) => {
    const out: string[] = []
    for (let j = 0; j < 25; j++) out.push(await c.set(`w${i}:${j}`, 'v'))
    return out
  }))
  t.equal(replies.flat().filter(r => r === 'OK').length, 200)

  const after = await scrape(cli.httpPort)
  const d = (name: string, labels: Record<string, string> = {}): number => after.sum(name, labels) - before.sum(name, labels)
  t.equal(d('slotgate_commands_total', { command: 'set', result: 'ok' }), 200, '8 clients x 25 SETs, summed over both workers')
  t.equal(d('slotgate_client_connections_accepted_total'), 8)
  t.equal(after.sum('slotgate_client_connections'), 8)
  t.equal(after.sum('slotgate_slots_covered'), 16384, 'a gauge the workers agree on is not summed')
  for (const node of cluster.seeds()) {
    t.ok(after.sum('slotgate_backend_links', { node, state: 'up' }) >= 2, `${node}: a link from each worker`)
  }
  t.equal((await httpGet(cli.httpPort, '/readyz')).status, 200)

  cli.signal('SIGTERM')
  await eventually('/readyz 503 draining (or the primary gone)', 5000, async () => {
    try { return (await httpGet(cli.httpPort, '/readyz')).status === 503 } catch { return true }
  })
  t.equal(await cli.exited, 0, 'exit code 0')
  for (const c of clients) c.disconnect()
  await eventually('workers gone', 5000, async () => workerPids.every(pid => !alive(pid)))
  t.equal(cli.logs().filter(l => l.msg === 'drained: every command answered').length, 2, 'both workers drained')
})
