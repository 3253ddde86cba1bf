import { LocalCluster } from './local-cluster.js'
import { canBind } from './free-ports.js'
import { startSlotgate } from '../../src/main.js'
import { schemaDefaults } from '../../src/config/schema.js'
import { createLogger } from '../../src/log.js'

/**
 * `npm run demo`: a throw-away 3-master/3-replica cluster on free loopback ports, slotgate in
 * front of it on 6379 (or the next free port), until Ctrl-C; then everything is stopped.
 */
async function demo (): Promise<void> {
  const log = (msg: string): void => { process.stderr.write(`[demo] ${msg}\n`) }
  const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000, log })
  let port = 6379
  while (!(await canBind(port, '127.0.0.1'))) port++
  const config = { ...schemaDefaults(), seeds: cluster.seeds(), port, bind: '127.0.0.1', logLevel: 'info' as const }
  const slotgate = await startSlotgate(config, createLogger(config))
  await slotgate.ready
  log(`slotgate is serving a ${cluster.nodes.length}-node Redis Cluster on 127.0.0.1:${slotgate.port}`)
  log(`connect with:  redis-cli -p ${slotgate.port}        (no -c needed)`)
  log(`cluster nodes: ${cluster.seeds().join(' ')}`)
  log('press Ctrl-C to stop and clean up')
  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    log('stopping')
    slotgate.close()
      .then(async () => { await cluster.stop() })
      .then(() => { log('stopped; cluster files removed'); process.exit(0) },
        (err: Error) => { log(`error while stopping: ${err.message}`); process.exit(1) })
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

demo().catch((err: Error) => {
  process.stderr.write(`[demo] failed: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
