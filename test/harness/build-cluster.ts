import { clusterOk, readViews } from './cluster-probe.js'
import { parseClusterNodes, parseInfo, splitSlots } from './cluster-view.js'
import { nodeCommand, withNodeClient } from './node-command.js'
import type { RedisProcess } from './redis-process.js'
import { waitUntil } from './wait-until.js'

/**
 * Joins freshly started, empty cluster nodes into one cluster: the first `masters` nodes split
 * the 16384 slots, the rest replicate them in order (`replicasPerMaster` each). Resolves once
 * every node reports `cluster_state:ok`, all agree on nodes and slot owners, every replica's
 * link to its master is up and every node lists every replica in `CLUSTER SLOTS`. Returns node
 * ids by port.
 *
 * Done by hand rather than with `redis-cli --cluster create`, which sleeps a second between
 * its steps: the same steps (epochs, slots, MEET, REPLICATE) with waits on the real state.
 */
export async function buildCluster (nodes: readonly RedisProcess[], masters: number, replicasPerMaster: number, timeoutMs: number): Promise<Map<number, string>> {
  const ids = new Map<number, string>()
  await Promise.all(nodes.map(async node => ids.set(node.port, String(await nodeCommand(node.host, node.port, 'CLUSTER', 'MYID')))))
  const idOf = (node: RedisProcess): string => ids.get(node.port) as string
  const primaries = nodes.slice(0, masters)
  const masterOf = (replicaIndex: number): RedisProcess => primaries[Math.floor(replicaIndex / replicasPerMaster)]
  const replicas = nodes.slice(masters)
  const ranges = splitSlots(masters)

  // Distinct config epochs up front, as redis-cli does, so masters never collide on epoch 0
  // and skip the collision-resolution rounds (cluster spec, "Handling config epoch collisions").
  await Promise.all(nodes.map(async (node, i) => {
    await nodeCommand(node.host, node.port, 'CLUSTER', 'SET-CONFIG-EPOCH', i + 1)
    if (i < masters) await nodeCommand(node.host, node.port, 'CLUSTER', 'ADDSLOTSRANGE', ranges[i].start, ranges[i].end)
  }))

  // The first node meets everyone; gossip spreads the rest. Each replica also meets its master
  // directly so it learns the master's id at the first handshake instead of via gossip.
  const [first] = nodes
  await withNodeClient(first.host, first.port, async client => {
    await Promise.all(nodes.slice(1).map(async node => await client.call('CLUSTER', 'MEET', node.host, node.port)))
  })
  await Promise.all(replicas.map(async (replica, i) => {
    const master = masterOf(i)
    if (master !== first) await nodeCommand(replica.host, replica.port, 'CLUSTER', 'MEET', master.host, master.port)
    // CLUSTER REPLICATE answers "Unknown node" until the handshake finished.
    await waitUntil(`${replica.address} to know its master ${master.address}`, timeoutMs, async () => {
      const entries = parseClusterNodes(String(await nodeCommand(replica.host, replica.port, 'CLUSTER', 'NODES')))
      return entries.some(e => e.id === idOf(master)) ? { done: true, value: undefined } : { done: false, seen: `knows ports ${entries.map(e => e.port).join(',')}` }
    }, 20)
    await nodeCommand(replica.host, replica.port, 'CLUSTER', 'REPLICATE', idOf(master))
  }))

  // Redis 7.0 leaves a replica out of CLUSTER SLOTS (and calls it "loading" in CLUSTER SHARDS)
  // while its replication offset is 0, and an idle master sends nothing down the replication
  // stream before repl-ping-replica-period (10 s). FLUSHALL, always replicated and harmless on
  // these still-empty masters, moves the offsets now, so clients (ioredis, slotgate's topology)
  // see the replicas from the start. Done per master as soon as its replicas are online, so the
  // gossip of the new offsets overlaps with the wait for cluster_state:ok.
  await Promise.all(primaries.map(async master => {
    if (replicasPerMaster === 0) return
    await waitUntil(`${master.address} to have ${replicasPerMaster} online replica(s)`, timeoutMs, async () => {
      const info = parseInfo(String(await nodeCommand(master.host, master.port, 'INFO', 'replication')))
      const online = [...info].filter(([key, value]) => /^slave\d+$/.test(key) && value.includes('state=online')).length
      return online === replicasPerMaster ? { done: true, value: undefined } : { done: false, seen: `${online} online` }
    }, 20)
    await nodeCommand(master.host, master.port, 'FLUSHALL')
  }))

  await waitUntil(`a ${nodes.length}-node cluster on ${nodes.map(n => n.port).join(',')} to be ok`, timeoutMs, async () => {
    const ok = clusterOk(await readViews(nodes), nodes.length)
    if (!ok.done) return ok
    const short: string[] = []
    for (const node of nodes) {
      const listed = (await nodeCommand(node.host, node.port, 'CLUSTER', 'SLOTS') as unknown[][]).map(r => r.length - 3)
      if (listed.some(n => n !== replicasPerMaster)) short.push(`${node.port} lists ${listed.join('/')} replicas per range in CLUSTER SLOTS`)
    }
    return short.length === 0 ? ok : { done: false, seen: short.join('; ') }
  }, 50)
  return ids
}
