// The Dockerfile, checked without a Docker engine (none can run here): its instructions are
// parsed and checked (multi-stage, production dependencies only, non-root, both ports, a
// HEALTHCHECK with node, tini as PID 1, env defaults that are real options), then its stages
// are replayed as a script in a temp dir — the same COPYs (through .dockerignore) and RUNs —
// and the resulting runtime tree is started through the image's ENTRYPOINT with env-only
// configuration against a local cluster, as the non-root user, and stopped with SIGTERM.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import t from 'tap'
import { CONFIG_KEYS, CONFIG_SCHEMA } from '../../src/config/schema.js'
import { freePorts } from '../harness/free-ports.js'
import { LocalCluster } from '../harness/local-cluster.js'
import { eventually, httpGet } from '../helpers/metrics-scrape.js'
import { ROOT } from '../helpers/slotgate-cli.js'

type Tap = Parameters<Parameters<typeof t.test>[0]>[0]

interface Instruction { cmd: string, args: string, stage: number }

/** Dockerfile instructions, with line continuations joined and comments dropped. */
function parseDockerfile (text: string): Instruction[] {
  const out: Instruction[] = []
  let stage = -1
  let pending = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (pending === '' && (line === '' || line.startsWith('#'))) continue
    if (line.endsWith('\\')) { pending += `${line.slice(0, -1)} `; continue }
    const full = `${pending}${line}`.trim()
    pending = ''
    const m = /^(\w+)\s+(.*)$/s.exec(full)
    if (m === null) throw new Error(`cannot read Dockerfile line: ${full}`)
    const cmd = m[1].toUpperCase()
    if (cmd === 'FROM') stage++
    out.push({ cmd, args: m[2], stage })
  }
  return out
}

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))
const stages = dockerfile.filter(i => i.cmd === 'FROM').map(i => /\bAS\s+(\S+)/i.exec(i.args)?.[1] ?? 'final')
const final = stages.length - 1
const inFinal = (cmd: string): Instruction[] => dockerfile.filter(i => i.stage === final && i.cmd === cmd)
const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map(l => l.trim()).filter(l => l !== '' && !l.startsWith('#'))

t.test('the Dockerfile says what an operator expects', async t => {
  t.ok(stages.length >= 2, `multi-stage: ${stages.join(', ')}`)
  t.ok(dockerfile.some(i => i.stage < final && i.cmd === 'RUN' && /npx tsc/.test(i.args)), 'TypeScript is compiled in a build stage')
  t.ok(dockerfile.some(i => i.stage < final && i.cmd === 'RUN' && /npm ci --omit=dev/.test(i.args)), 'a stage installs production dependencies only')
  const copies = inFinal('COPY').map(i => i.args)
  t.ok(copies.some(a => /--from=deps \/app\/node_modules/.test(a)), 'the runtime takes node_modules from the production-only stage')
  t.notOk(copies.some(a => /^\.\s/.test(a) || /--from=build \/app\/node_modules/.test(a)), 'never the whole context, nor the dev dependencies')
  const user = inFinal('USER').at(-1)?.args ?? 'root'
  t.match(user, /^[1-9]\d*(:[1-9]\d*)?$/, `runs as a numeric non-root user (${user})`)
  t.same(inFinal('EXPOSE').flatMap(i => i.args.split(/\s+/)).sort(), ['6379', '9190'], 'EXPOSEs the Redis and HTTP ports')
  const health = inFinal('HEALTHCHECK')[0]?.args ?? ''
  t.match(health, /CMD \["node", "dist\/src\/bin\/healthcheck\.js"\]/, 'HEALTHCHECK with node itself (no curl in the image)')
  const entry = JSON.parse(inFinal('ENTRYPOINT')[0]?.args ?? '[]') as string[]
  t.same(entry.slice(0, 2), ['/usr/bin/tini', '--'], 'tini is PID 1')
  t.ok(inFinal('RUN').some(i => /apt-get install .*\btini\b/.test(i.args)), 'tini is installed in the runtime stage')
  const env = finalEnv()
  t.equal(env.SLOTGATE_BIND, '0.0.0.0', 'clients from other containers can connect')
  t.equal(env.SLOTGATE_METRICS_BIND, '0.0.0.0', 'the kubelet and Prometheus can reach the HTTP port')
  const known = new Set(CONFIG_KEYS.map(k => CONFIG_SCHEMA[k].env))
  for (const name of Object.keys(env).filter(n => n.startsWith('SLOTGATE_'))) t.ok(known.has(name), `${name} is an option`)
  for (const must of ['node_modules', '.git', 'dist', 'test']) t.ok(ignored.includes(must), `.dockerignore leaves out ${must}`)
})

/** Node.js LTS lines and their end of life (nodejs/Release); a line past its date fails the test below. */
const NODE_LTS_END: Record<string, string> = { 22: '2027-04-30', 24: '2028-04-30', 26: '2029-04-30' }

/** A global ARG's default (`ARG NAME=value`, before the first FROM). */
function globalArg (name: string): string | undefined {
  return dockerfile.find(i => i.stage === -1 && i.cmd === 'ARG' && i.args.startsWith(`${name}=`))?.args.slice(name.length + 1)
}

t.test('the runtime: a supported Node.js LTS at an exact version, pinnable by digest; flags in the entry point; OCI labels', async t => {
  const version = globalArg('NODE_VERSION') ?? ''
  t.match(version, /^\d+\.\d+\.\d+$/, `an exact Node.js version, not a floating tag (${version})`)
  const major = version.split('.')[0]
  const end = NODE_LTS_END[major]
  t.ok(end !== undefined, `Node.js ${major} is an LTS line`)
  t.ok(end !== undefined && Date.parse(end) > Date.now(), `Node.js ${major} is still supported (until ${end})`)
  t.match(globalArg('NODE_IMAGE') ?? '', /^node:\$\{NODE_VERSION\}-[a-z]+-slim$/, 'the official image of that version, slim')
  t.equal(globalArg('NODE_DIGEST'), '', 'a digest slot the release pipeline fills (--build-arg NODE_DIGEST=sha256:...)')
  for (const from of dockerfile.filter(i => i.cmd === 'FROM')) t.match(from.args, /^\$\{NODE_IMAGE\}\$\{NODE_DIGEST:\+@\}\$\{NODE_DIGEST\}( AS \w+)?$/, `every stage uses the pinned image: ${from.args}`)
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string, engines: { node: string }, license: string }
  t.match(pkg.engines.node, /^>=(\d+)\.\d+\.\d+$/, 'engines gives the oldest supported Node.js')
  const oldest = Number(/^>=(\d+)/.exec(pkg.engines.node)?.[1])
  t.ok(NODE_LTS_END[oldest] !== undefined && Date.parse(NODE_LTS_END[oldest]) > Date.now() && oldest <= Number(major), `engines (${pkg.engines.node}) starts at a supported LTS line no newer than the image's`)
  t.match(readFileSync(join(ROOT, '.ci', 'run'), 'utf8'), /ARG NODE_VERSION/, '.ci/run tests with the image\'s Node.js version, read from the Dockerfile')

  const env = finalEnv()
  t.equal(env.NODE_OPTIONS, undefined, 'no NODE_OPTIONS: an operator who sets it (an agent) loses nothing')
  const entry = JSON.parse(inFinal('ENTRYPOINT')[0]?.args ?? '[]') as string[]
  const node = entry.indexOf('node')
  t.same(entry.slice(node + 1), ['--max-semi-space-size=4', 'dist/src/bin/slotgate.js'], 'Node\'s flags in the entry point')

  const labels = new Map<string, string>()
  for (const i of inFinal('LABEL')) for (const [, k, v] of i.args.matchAll(/([\w.]+)="([^"]*)"/g)) labels.set(k, v)
  for (const key of ['title', 'description', 'licenses', 'source', 'version', 'revision', 'created', 'base.name', 'base.digest']) {
    t.ok(labels.has(`org.opencontainers.image.${key}`), `OCI label org.opencontainers.image.${key}`)
  }
  t.equal(labels.get('org.opencontainers.image.licenses'), pkg.license, 'the license label is package.json\'s')
  const versionArg = dockerfile.find(i => i.stage === final && i.cmd === 'ARG' && i.args.startsWith('VERSION='))?.args.slice(8)
  t.equal(versionArg, pkg.version, 'the version label defaults to package.json\'s version')
})

/** ENV of the final stage (`ENV A=1 B=2` form). */
function finalEnv (): Record<string, string> {
  const env: Record<string, string> = {}
  for (const i of inFinal('ENV')) for (const [, k, v] of i.args.matchAll(/(\w+)=(\S+)/g)) env[k] = v
  return env
}

t.test('the stages, replayed as a script, build a runtime that starts from env alone', async t => {
  const work = mkdtempSync(join(tmpdir(), 'slotgate-docker-'))
  t.teardown(() => { rmSync(work, { recursive: true, force: true }) })
  chmodSync(work, 0o755) // the runtime user must reach it
  const root = (stage: number): string => join(work, stages[stage])
  let workdir = '/'
  for (const ins of dockerfile) {
    if (ins.stage < 0) continue // ARGs before the first FROM
    const fs = root(ins.stage)
    const at = (p: string): string => join(fs, p.startsWith('/') ? p : join(workdir, p))
    if (ins.cmd === 'FROM') { workdir = '/'; mkdirSync(fs, { recursive: true }); continue }
    if (ins.cmd === 'WORKDIR') { workdir = ins.args; mkdirSync(at('.'), { recursive: true }); continue }
    if (ins.cmd === 'COPY') {
      const parts = ins.args.split(/\s+/)
      const from = parts[0].startsWith('--from=') ? parts.shift()?.slice(7) : undefined
      const dest = parts.pop() as string
      for (const src of parts) {
        const source = from === undefined ? join(ROOT, src) : join(root(stages.indexOf(from)), src)
        if (from === undefined) t.notOk(ignored.includes(src.replace(/\/$/, '')), `${src} is in the build context`)
        const target = dest.endsWith('/') || parts.length > 1 ? join(at(dest), src.split('/').at(-1) as string) : at(dest)
        mkdirSync(dirname(target), { recursive: true })
        cpSync(source, target, { recursive: true })
      }
      continue
    }
    if (ins.cmd === 'RUN') {
      // apt-get is the base image's business; here tini is checked below.
      if (/apt-get/.test(ins.args)) continue
      // prefer-offline: npm's cache from the repo's own `npm ci` serves most packages.
      const run = spawnSync('sh', ['-c', ins.args], { cwd: at('.'), env: { ...process.env, npm_config_prefer_offline: 'true' }, encoding: 'utf8' })
      t.equal(run.status, 0, `${stages[ins.stage]}: RUN ${ins.args}${run.status !== 0 ? `\n${run.stdout}\n${run.stderr}` : ''}`)
    }
  }
  const app = join(root(final), 'app')
  for (const dep of ['prom-client', 'pino', 'convict', 'redis-parser']) t.ok(existsSync(join(app, 'node_modules', dep)), `runtime has ${dep}`)
  for (const dev of ['typescript', 'tap', '@types/node', 'ioredis']) t.notOk(existsSync(join(app, 'node_modules', dev)), `runtime has no ${dev}`)

  const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0 })
  t.teardown(async () => { await cluster.stop() })
  const [port, httpPort] = await freePorts(2, '127.0.0.1')
  // The image's env, plus only SLOTGATE_* settings: no flag at all. Binds stay on loopback here.
  const env = {
    PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
    ...finalEnv(),
    SLOTGATE_BIND: '127.0.0.1',
    SLOTGATE_METRICS_BIND: '127.0.0.1',
    SLOTGATE_SEEDS: cluster.seeds().join(','),
    SLOTGATE_PORT: String(port),
    SLOTGATE_METRICS_PORT: String(httpPort)
  }
  const entry = JSON.parse(inFinal('ENTRYPOINT')[0].args) as string[]
  const user = (inFinal('USER').at(-1)?.args ?? '').split(':')
  const argv = [...withTini(t, entry), ...asUser(t, user[0], user[1] ?? user[0])]
  // `env -i`: exactly this environment, without what the test runner adds to ours (NODE_OPTIONS).
  const child = spawn('env', ['-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv, ...entry.slice(entry.indexOf('node') + 1)],
    { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr.on('data', (d: Buffer) => { output += d.toString() })
  const exited = new Promise<number | null>(resolve => { child.once('exit', code => { resolve(code) }) })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })

  await eventually('/readyz 200', 20_000, async () => (await httpGet(httpPort as number, '/readyz')).status === 200)
  const health = JSON.parse(/CMD (\[.*\])/.exec(inFinal('HEALTHCHECK')[0].args)?.[1] ?? '[]') as string[]
  const check = spawnSync(process.execPath, health.slice(1), { cwd: app, env, encoding: 'utf8' })
  t.equal(check.status, 0, `HEALTHCHECK passes ${check.stderr}`)
  const pong = await new Promise<string>((resolve, reject) => {
    const s = net.connect(port as number, '127.0.0.1', () => { s.write('PING\r\n') })
    s.once('data', d => { s.destroy(); resolve(d.toString()) })
    s.on('error', reject)
  })
  t.equal(pong, '+PONG\r\n', 'serves Redis on SLOTGATE_PORT')
  const log = output.split('\n').find(l => l.includes('"slotgate listening"'))
  t.match(log, new RegExp(`"port":${port}`), 'the port came from SLOTGATE_PORT')
  child.kill('SIGTERM')
  const code = await exited
  t.equal(code, 0, `SIGTERM through PID 1 ends it with 0${code !== 0 ? `:\n${output}` : ''}`)
  const stopped = spawnSync(process.execPath, health.slice(1), { cwd: app, env, encoding: 'utf8' })
  t.equal(stopped.status, 1, 'HEALTHCHECK fails once it is gone')
})

/** The entrypoint's PID 1, when this machine has tini (installed with apt when missing and root). */
function withTini (t: Tap, entry: string[]): string[] {
  const tini = entry[0]
  if (!existsSync(tini) && process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0) {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'tini'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  }
  if (existsSync(tini)) return entry.slice(0, entry.indexOf('node'))
  t.comment(`no ${tini} here: started without it`)
  return []
}

/** Runs as the image's user when this test runs as root (setpriv from util-linux). */
function asUser (t: Tap, uid: string, gid: string): string[] {
  if (process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0) {
    return ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', process.execPath]
  }
  t.comment('not root: running as the current user')
  return [process.execPath]
}
