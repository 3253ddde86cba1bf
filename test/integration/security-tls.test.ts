// TLS (issue 7, point 4), against a TLS-only cluster (port 0 + tls-port, tls-cluster,
// tls-replication, tls-auth-clients yes) with certificates generated at test time:
// - slotgate → nodes: clusterTls with the CA and a client certificate, through every kind of
//   link (shared, replica READONLY, RESP3, MULTI, blocking, Pub/Sub); SNI / servername; and
//   what a misconfiguration looks like (no client certificate, no CA, a wrong servername);
// - clients → slotgate: a TLS listener (raw tls socket, ioredis, node-redis, redis-cli --tls),
//   and with tlsClientAuth a client without a certificate, or with one from another CA, is
//   refused while one with a good certificate is served.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import tls from 'node:tls'
import { promisify } from 'node:util'
import t from 'tap'
import { Cluster, Redis } from 'ioredis'
import { createClient } from 'redis'
import { keySlot } from '../../src/cluster/key-slot.js'
import { schemaDefaults, type SlotgateConfig } from '../../src/config/schema.js'
import { createLogger } from '../../src/log.js'
import { startSlotgate, type Slotgate } from '../../src/main.js'
import { ReplyFramer } from '../../src/resp/reply-framer.js'
import { cmd, eventually } from '../helpers/raw-conn.js'
import { startProxy } from '../helpers/start-proxy.js'
import { startTlsCluster } from '../helpers/tls-cluster.js'

const run = promisify(execFile)
const HOST = '127.0.0.1'
const fileStart = Date.now()
const cluster = await startTlsCluster({ masters: 3, replicasPerMaster: 1, authClients: true })
t.teardown(async () => { await cluster.stop() })
t.teardown(() => { t.comment(`file runtime ${Date.now() - fileStart} ms`) })
t.comment(`TLS-only cluster up on ${cluster.seeds.join(' ')} in ${Date.now() - fileStart} ms`)
const f = cluster.files
const ca = readFileSync(f.ca)
const clientCert = readFileSync(f.clientCert)
const clientKey = readFileSync(f.clientKey)

/** The cluster-side TLS options every working proxy here uses. */
const CLUSTER_TLS: Partial<SlotgateConfig> = {
  clusterTls: true, clusterTlsCaFile: f.ca, clusterTlsCertFile: f.clientCert, clusterTlsKeyFile: f.clientKey
}

const proxies: Slotgate[] = []
async function proxyWith (overrides: Partial<SlotgateConfig>): Promise<Slotgate> {
  const p = await startProxy(cluster.seeds, { ...CLUSTER_TLS, ...overrides })
  proxies.push(p)
  return p
}
t.teardown(async () => { for (const p of proxies) await p.close() })

/** Starts slotgate without waiting for the topology, its log captured. */
async function startUnready (overrides: Partial<SlotgateConfig>): Promise<{ proxy: Slotgate, log: string[] }> {
  const log: string[] = []
  const logger = createLogger({ logLevel: 'debug' }, { write: (s: string) => { log.push(s) } })
  const proxy = await startSlotgate({ ...schemaDefaults(), seeds: cluster.seeds, port: 0, bind: HOST, metricsEnabled: false, failoverDeadlineMs: 1000, ...overrides }, logger)
  proxies.push(proxy)
  return { proxy, log }
}

// Ground truth: a cluster client straight at the nodes, over TLS.
const direct = new Cluster(cluster.ports.map(port => ({ host: HOST, port })), {
  redisOptions: { tls: cluster.tls, maxRetriesPerRequest: 2 }
})
direct.on('error', () => {})
t.teardown(() => { direct.disconnect() })
const ranges = await direct.cluster('SLOTS') as unknown as Array<[number, number, [string, number], ...Array<[string, number]>]>
const masterPorts = [...new Set(ranges.map(r => Number(r[2][1])))].sort((a, b) => a - b)
const replicaPorts = cluster.ports.filter(p => !masterPorts.includes(p))
/** The first key `${prefix}N` on each master. */
function keysOnEachMaster (prefix: string): string[] {
  return masterPorts.map(port => {
    for (let i = 0; ; i++) {
      const slot = keySlot(Buffer.from(`${prefix}${i}`))
      if (ranges.some(([a, b, m]) => a <= slot && slot <= b && Number(m[1]) === port)) return `${prefix}${i}`
    }
  })
}

/** A plain TCP ioredis client to a proxy. */
async function plain (port: number, protocol: 2 | 3 = 2): Promise<Redis> {
  const c = new Redis({ host: HOST, port, protocol, lazyConnect: true, maxRetriesPerRequest: 0 })
  c.on('error', () => {})
  await c.connect()
  t.teardown(() => { c.disconnect() })
  return c
}

/**
 * One PING over a TLS connection with these options: the reply frames received, whether the
 * handshake completed, and the error if any (a refused client certificate shows up as an alert
 * after the client-side handshake in TLS 1.3).
 */
async function tlsPing (port: number, options: tls.ConnectionOptions): Promise<{ frames: string[], handshake: boolean, error: string | null, ended: boolean }> {
  return await new Promise(resolve => {
    const frames: string[] = []
    let handshake = false
    let error: string | null = null
    let ended = false
    const framer = new ReplyFramer({ onReply: r => { frames.push(r.toString('latin1')) }, onFramingError: d => { frames.push(`<framing error ${d}>`) } })
    const socket = tls.connect({ host: HOST, port, ...options })
    const done = (): void => { clearTimeout(timer); socket.destroy(); resolve({ frames, handshake, error, ended: ended || error !== null }) }
    const timer = setTimeout(done, 2000)
    socket.on('close', () => { ended = true })
    socket.on('secureConnect', () => { handshake = true; socket.write(cmd('PING')) })
    socket.on('data', (d: Buffer) => { framer.feed(d); if (frames.length > 0) done() })
    socket.on('error', (err: Error) => { error = err.message; done() })
    socket.on('close', done)
  })
}

t.test('slotgate → TLS-only cluster: clusterTls + CA + client certificate, every kind of link', async t => {
  const p = await proxyWith({ readPolicy: 'prefer-replica' })
  const r2 = await plain(p.port, 2)
  const r3 = await plain(p.port, 3)
  const sub = await plain(p.port, 2)
  const keys = keysOnEachMaster('tls:')
  for (const [i, k] of keys.entries()) t.equal(await r2.set(k, `v${i}`), 'OK', `SET ${k} (master ${masterPorts[i]})`)
  for (const [i, k] of keys.entries()) t.equal(await direct.get(k), `v${i}`, `${k} is on the cluster`)
  // Replication is asynchronous: wait until every replica has the keys before reading there.
  t.ok(await eventually(async () => {
    let n = 0
    for (const port of replicaPorts) {
      n += await cluster.withNode(port, async c => { await c.call('READONLY'); let m = 0; for (const k of keys) m += await c.exists(k).catch(() => 0); return m })
    }
    return n === keys.length
  }, 10_000), 'the keys reached the replicas')
  t.same(await r3.mget(...keys), keys.map((_, i) => `v${i}`), 'RESP3 client (HELLO 3 links over TLS): cross-slot MGET')
  t.same(await r2.multi().set(keys[0], 'tx').get(keys[0]).exec(), [[null, 'OK'], [null, 'tx']], 'MULTI/EXEC (dedicated link over TLS)')
  const blocked = r3.blpop('tls:list', 5)
  await new Promise(resolve => setTimeout(resolve, 200))
  await r2.rpush('tls:list', 'item')
  t.same(await blocked, ['tls:list', 'item'], 'BLPOP (blocking link over TLS)')
  const got = new Promise<string>(resolve => sub.on('message', (_c: string, m: string) => { resolve(m) }))
  await sub.subscribe('tls:ch')
  await r2.publish('tls:ch', 'hello')
  t.equal(await got, 'hello', 'SUBSCRIBE (Pub/Sub link over TLS)')

  // prefer-replica reads land on the replicas: READONLY replica links over TLS.
  for (const port of cluster.ports) await cluster.withNode(port, async c => await c.config('RESETSTAT'))
  for (let i = 0; i < 4; i++) for (const k of keys.slice(1)) t.equal(await r2.get(k), `v${keys.indexOf(k)}`)
  let onReplicas = 0
  for (const port of replicaPorts) {
    const stats = await cluster.withNode(port, async c => String(await c.info('commandstats')))
    onReplicas += Number(/cmdstat_get:calls=(\d+)/.exec(stats)?.[1] ?? 0)
  }
  t.equal(onReplicas, 8, 'the 8 reads ran on the replicas')
})

t.test('slotgate → cluster: clusterTlsServername is sent and checked against the node certificate', async t => {
  const good = await proxyWith({ clusterTlsServername: 'redis.test' })
  const c = await plain(good.port)
  t.equal(await c.set('tls:sni', 'ok'), 'OK', 'servername redis.test (in the certificate): works')
  t.equal(await direct.get('tls:sni'), 'ok')
  const bad = await startUnready({ ...CLUSTER_TLS, clusterTlsServername: 'wrong.example' })
  const b = await plain(bad.proxy.port)
  t.match(await b.get('tls:sni').then(v => `value ${String(v)}`, (err: Error) => err.message), /^CLUSTERDOWN/, 'servername wrong.example: requests fail')
  t.ok(await eventually(() => bad.log.some(l => /altnames|does not match/i.test(l)), 3000),
    `the log says the certificate does not match the name (last refresh log: ${bad.log.filter(l => l.includes('topology refresh')).slice(-1)[0]?.slice(0, 300) ?? 'none'})`)
})

t.test('slotgate → cluster misconfigured: no CA, no client certificate; each fails and the log says why', async t => {
  const noCa = await startUnready({ clusterTls: true, clusterTlsCertFile: f.clientCert, clusterTlsKeyFile: f.clientKey })
  const noCert = await startUnready({ clusterTls: true, clusterTlsCaFile: f.ca })
  const noTls = await startUnready({})
  for (const [label, { proxy, log }, reason] of [
    ['no CA (system CAs do not know the test CA)', noCa, /self[- ]signed|unable to (get|verify)/i],
    ['no client certificate (tls-auth-clients yes)', noCert, /certificate required|alert/i],
    ['plain TCP to the TLS port', noTls, /closed|reset|timeout|hang up/i]
  ] as const) {
    const c = await plain(proxy.port)
    const began = performance.now()
    const answer = await c.get('tls:x').then(v => `value ${String(v)}`, (err: Error) => err.message)
    t.match(answer, /^CLUSTERDOWN/, `${label}: the client gets an error (${answer})`)
    t.ok(performance.now() - began < 5000, `${label}: within 5 s`)
    t.ok(await eventually(() => log.some(l => l.includes('topology refresh') && reason.test(l)), 3000),
      `${label}: a failed topology refresh is logged with the reason (${log.filter(l => l.includes('topology refresh')).slice(-1)[0]?.slice(0, 300) ?? 'none'})`)
  }
})

t.test('clients → slotgate over TLS: raw tls socket, ioredis, node-redis, redis-cli --tls; plain TCP refused', async t => {
  const p = await proxyWith({ tlsCertFile: f.serverCert, tlsKeyFile: f.serverKey })
  const ping = await tlsPing(p.port, { ca })
  t.same(ping, { frames: ['+PONG\r\n'], handshake: true, error: null, ended: false }, 'a TLS socket trusting the CA: PING → PONG')
  const untrusted = await tlsPing(p.port, {})
  t.equal(untrusted.handshake, false, 'a TLS socket that does not trust the CA does not complete the handshake')

  const io = new Redis({ host: HOST, port: p.port, tls: { ca }, lazyConnect: true, maxRetriesPerRequest: 0 })
  io.on('error', () => {})
  await io.connect()
  t.teardown(() => { io.disconnect() })
  t.equal(await io.set('tls:c1', 'io'), 'OK', 'ioredis with tls: SET')
  t.equal(await io.get('tls:c1'), 'io')
  t.equal(await direct.get('tls:c1'), 'io', 'landed on the cluster')

  const nr = createClient({ socket: { host: HOST, port: p.port, tls: true, ca } })
  nr.on('error', () => {})
  await nr.connect()
  t.teardown(async () => { await nr.close().catch(() => {}) })
  t.equal(await nr.set('tls:c2', 'nr'), 'OK', 'node-redis with tls: SET')
  t.equal(await nr.get('tls:c2'), 'nr')

  const cli = await run('redis-cli', ['--tls', '--cacert', f.ca, '-h', HOST, '-p', String(p.port), 'GET', 'tls:c2'])
  t.equal(cli.stdout.trim(), 'nr', 'redis-cli --tls --cacert: GET')

  // A plain TCP client speaking RESP to the TLS listener gets no reply.
  const received = await new Promise<string>(resolve => {
    const s = net.connect(p.port, HOST)
    let got = ''
    const done = (): void => { clearTimeout(timer); s.destroy(); resolve(got) }
    const timer = setTimeout(done, 1500)
    s.on('connect', () => { s.write(cmd('PING')) })
    s.on('data', (d: Buffer) => { got += d.toString('latin1') })
    s.on('error', done)
    s.on('close', done)
  })
  t.notMatch(received, /PONG/, 'plain TCP to the TLS listener: no PONG')
  t.equal((await tlsPing(p.port, { ca })).frames[0], '+PONG\r\n', 'the listener still serves TLS clients afterwards')
})

t.test('clients → slotgate with tlsClientAuth: no certificate or a foreign one refused, a good one served', async t => {
  const p = await proxyWith({ tlsCertFile: f.serverCert, tlsKeyFile: f.serverKey, tlsCaFile: f.ca, tlsClientAuth: true })
  const before = p.server.clientCount
  const none = await tlsPing(p.port, { ca })
  t.same(none.frames, [], `no client certificate: no reply (error: ${none.error ?? 'none'})`)
  t.ok(none.ended, 'no client certificate: the server ends the connection')
  const rogue = await tlsPing(p.port, { ca, cert: readFileSync(f.rogueCert), key: readFileSync(f.rogueKey) })
  t.same(rogue.frames, [], `a certificate from another CA: no reply (error: ${rogue.error ?? 'none'})`)
  t.ok(rogue.ended, 'a certificate from another CA: the server ends the connection')
  t.equal(p.server.clientCount, before, 'neither became a client session')

  const good = await tlsPing(p.port, { ca, cert: clientCert, key: clientKey })
  t.same(good.frames, ['+PONG\r\n'], 'a client certificate signed by the CA: PING → PONG')
  const io = new Redis({ host: HOST, port: p.port, tls: { ca, cert: clientCert, key: clientKey }, lazyConnect: true, maxRetriesPerRequest: 0 })
  io.on('error', () => {})
  await io.connect()
  t.teardown(() => { io.disconnect() })
  t.equal(await io.set('tls:mtls', 'yes'), 'OK', 'ioredis with a client certificate: SET')
  t.equal(await direct.get('tls:mtls'), 'yes')
  const cli = await run('redis-cli', ['--tls', '--cacert', f.ca, '--cert', f.clientCert, '--key', f.clientKey, '-h', HOST, '-p', String(p.port), 'GET', 'tls:mtls'])
  t.equal(cli.stdout.trim(), 'yes', 'redis-cli --tls with --cert/--key: GET')
  const cliNoCert = await run('redis-cli', ['--tls', '--cacert', f.ca, '-h', HOST, '-p', String(p.port), 'GET', 'tls:mtls']).then(r => r.stdout + r.stderr, (err: { stdout?: string, stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`)
  t.notMatch(cliNoCert, /^yes/m, `redis-cli --tls without a certificate: refused (${cliNoCert.trim().slice(0, 120)})`)
})
