// A TLS-only local Redis Cluster for the TLS tests: a CA, a node certificate and client
// certificates made with openssl at test time, nodes started with `port 0` + `tls-port`,
// `tls-cluster yes` and `tls-replication yes`, joined with `redis-cli --tls --cluster create`.
// Every child process runs through async child_process calls only: an in-process slotgate
// may be running, and a synchronous call would block its event loop.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis, type RedisOptions } from 'ioredis'
import { freePorts } from '../harness/free-ports.js'
import { killOnExit } from '../harness/kill-on-exit.js'

const run = promisify(execFile)
const HOST = '127.0.0.1'

/** PEM files made by {@link makeCertificates}, by path. */
export interface TlsFiles {
  readonly dir: string
  /** The CA every good certificate chains to. */
  readonly ca: string
  /** Node / server certificate: SAN IP:127.0.0.1, DNS:localhost, DNS:redis.test; server and client use. */
  readonly serverCert: string
  readonly serverKey: string
  /** A client certificate signed by the CA. */
  readonly clientCert: string
  readonly clientKey: string
  /** A client certificate signed by another CA, which nothing trusts. */
  readonly rogueCert: string
  readonly rogueKey: string
}

async function openssl (cwd: string, ...args: string[]): Promise<void> {
  await run('openssl', args, { cwd })
}

/** Makes an EC key and a certificate for `cn` signed by `caName`, with the given extensions. */
async function issue (dir: string, name: string, cn: string, caName: string, ext: string): Promise<void> {
  await openssl(dir, 'req', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`)
  await writeFile(join(dir, `${name}.ext`), ext)
  await openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`,
    '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`)
}

async function makeCa (dir: string, name: string, cn: string): Promise<void> {
  await openssl(dir, 'req', '-x509', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${cn}`)
}

/** Generates a CA, a node/server certificate, a client certificate and a rogue one into `dir`. */
export async function makeCertificates (dir: string): Promise<TlsFiles> {
  await makeCa(dir, 'ca', 'slotgate test CA')
  await makeCa(dir, 'rogue-ca', 'somebody else')
  await issue(dir, 'server', 'localhost', 'ca',
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:redis.test\nextendedKeyUsage=serverAuth,clientAuth\n')
  await issue(dir, 'client', 'slotgate test client', 'ca', 'extendedKeyUsage=clientAuth\n')
  await issue(dir, 'rogue', 'rogue client', 'rogue-ca', 'extendedKeyUsage=clientAuth\n')
  const p = (f: string): string => join(dir, f)
  return {
    dir,
    ca: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    rogueCert: p('rogue.crt'),
    rogueKey: p('rogue.key')
  }
}

/** How to start a {@link TlsCluster}. */
export interface TlsClusterOptions {
  masters?: number
  replicasPerMaster?: number
  nodeTimeoutMs?: number
  /** `tls-auth-clients yes`: nodes require a client certificate (default true). */
  authClients?: boolean
}

/** A running TLS-only cluster. */
export interface TlsCluster {
  readonly files: TlsFiles
  /** Every node's TLS port, in start order. */
  readonly ports: number[]
  /** `127.0.0.1:port` of every node. */
  readonly seeds: string[]
  /** ioredis options for a direct TLS connection to a node (CA + client certificate). */
  readonly tls: NonNullable<RedisOptions['tls']>
  /** A short-lived TLS connection to one node, closed after `fn`. */
  withNode: <T>(port: number, fn: (client: Redis) => Promise<T>) => Promise<T>
  /** Stops every node (SIGTERM, SIGKILL after 3 s) and removes the working dir; idempotent. */
  stop: () => Promise<void>
}

interface NodeProc { port: number, child: ChildProcess, exited: Promise<void>, forget: () => void }

async function waitFor (what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  for (;;) {
    try {
      if (await check()) return
    } catch (err) {
      last = (err as Error).message
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last !== '' ? ` (last error: ${last})` : ''}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/**
 * Starts a TLS-only cluster (default 3 masters x 1 replica, nodes requiring client
 * certificates) with fresh certificates, and resolves once every node says cluster_state:ok
 * and every replica's link to its master is up.
 */
export async function startTlsCluster (options: TlsClusterOptions = {}): Promise<TlsCluster> {
  const masters = options.masters ?? 3
  const replicas = options.replicasPerMaster ?? 1
  const count = masters * (1 + replicas)
  const dir = await mkdtemp(join(tmpdir(), 'slotgate-tls-'))
  const certDir = join(dir, 'certs')
  await mkdir(certDir)
  const files = await makeCertificates(certDir)
  const tls = { ca: await readFile(files.ca), cert: await readFile(files.clientCert), key: await readFile(files.clientKey) }
  const ports = await freePorts(count, HOST)
  const procs: NodeProc[] = []
  let stopping: Promise<void> | undefined

  const withNode = async <T>(port: number, fn: (client: Redis) => Promise<T>): Promise<T> => {
    const client = new Redis({ host: HOST, port, tls, protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000, commandTimeout: 3000 })
    client.on('error', () => { /* the command reports it */ })
    try {
      await client.connect()
      return await fn(client)
    } finally {
      client.disconnect()
    }
  }

  const stop = async (): Promise<void> => {
    stopping ??= (async () => {
      await Promise.all(procs.map(async p => {
        if (p.child.exitCode !== null || p.child.signalCode !== null) return
        p.child.kill('SIGTERM')
        const timer = new Promise<'timeout'>(resolve => setTimeout(resolve, 3000, 'timeout').unref())
        if (await Promise.race([p.exited.then(() => 'exited' as const), timer]) === 'timeout') {
          p.child.kill('SIGKILL')
          await p.exited
        }
      }))
      await rm(dir, { recursive: true, force: true })
    })()
    await stopping
  }

  try {
    for (const port of ports) {
      const nodeDir = join(dir, String(port))
      await mkdir(nodeDir)
      const conf = [
        'port 0', `tls-port ${port}`, `bind ${HOST}`, 'protected-mode no', 'daemonize no',
        `dir ${nodeDir}`, `logfile ${join(nodeDir, 'redis.log')}`,
        'cluster-enabled yes', 'cluster-config-file nodes.conf', `cluster-node-timeout ${options.nodeTimeoutMs ?? 2000}`,
        'cluster-allow-replica-migration no', 'appendonly no', 'save ""',
        'repl-diskless-sync yes', 'repl-diskless-sync-delay 0',
        `tls-cert-file ${files.serverCert}`, `tls-key-file ${files.serverKey}`, `tls-ca-cert-file ${files.ca}`,
        `tls-auth-clients ${options.authClients === false ? 'no' : 'yes'}`,
        'tls-cluster yes', 'tls-replication yes'
      ]
      await writeFile(join(nodeDir, 'redis.conf'), conf.join('\n') + '\n')
      const child = spawn('redis-server', [join(nodeDir, 'redis.conf')], { cwd: nodeDir, stdio: ['ignore', 'ignore', 'ignore'] })
      await once(child, 'spawn')
      const forget = killOnExit(child.pid as number)
      const exited = new Promise<void>(resolve => child.once('exit', () => { forget(); resolve() }))
      procs.push({ port, child, exited, forget })
    }
    for (const p of procs) {
      await waitFor(`node ${p.port} to answer PING over TLS`, 10_000, async () => {
        if (p.child.exitCode !== null) throw new Error(`node ${p.port} exited: ${await readFile(join(dir, String(p.port), 'redis.log'), 'utf8').catch(() => '')}`)
        return await withNode(p.port, async c => await c.ping()) === 'PONG'
      })
    }
    await run('redis-cli', ['--tls', '--cacert', files.ca, '--cert', files.clientCert, '--key', files.clientKey,
      '--cluster', 'create', ...ports.map(p => `${HOST}:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 60_000 })
    // redis-cli returns once the slots are assigned; replicas may still be attaching. Ready
    // means every node's CLUSTER NODES shows all replicas, and every replica is in sync.
    await waitFor('every node to say cluster_state:ok, list every replica, and every replica to be in sync', 30_000, async () => {
      for (const port of ports) {
        const ok = await withNode(port, async c => {
          const info = String(await c.cluster('INFO'))
          const nodes = String(await c.cluster('NODES')).split('\n').filter(l => l.trim() !== '')
          const replicasSeen = nodes.filter(l => / (myself,)?slave /.test(l) && !l.includes('fail')).length
          const repl = String(await c.info('replication'))
          return info.includes('cluster_state:ok') && replicasSeen === masters * replicas &&
            (repl.includes('role:master') || repl.includes('master_link_status:up'))
        })
        if (!ok) return false
      }
      return true
    })
  } catch (err) {
    await stop()
    throw err
  }
  return { files, ports, seeds: ports.map(p => `${HOST}:${p}`), tls, withNode, stop }
}
