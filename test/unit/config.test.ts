import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ConfigError, loadConfig, redactConfig, REDACTED } from '../../src/config/load-config.js'
import { formatHelp } from '../../src/config/format-help.js'
import { CONFIG_KEYS, CONFIG_SCHEMA, DEFAULT_DENIED_COMMANDS, SENSITIVE_KEYS, schemaDefaults } from '../../src/config/schema.js'

const SEED = 'seed.example:7000'

/** loadConfig with a seed in the env (seeds are required; tests of other options need one). */
function load (argv: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof loadConfig> {
  return loadConfig(argv, { SLOTGATE_SEEDS: SEED, ...env })
}

/** Runs loadConfig expecting a ConfigError, and returns its problems. */
function problemsOf (argv: string[], env: NodeJS.ProcessEnv = {}): string[] {
  try {
    load(argv, env)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(argv)} ${JSON.stringify(env)}`)
}

t.test('defaults', async (t) => {
  const { config, help, version } = load([], {})
  t.equal(help, false)
  t.equal(version, false)
  t.same(config, {
    seeds: [SEED],
    port: 6379,
    bind: '127.0.0.1',
    announceAddress: '',
    requirepass: '',
    requirepassPath: '',
    usersFile: '',
    clusterUsername: '',
    clusterUsernamePath: '',
    clusterPassword: '',
    clusterPasswordPath: '',
    readPolicy: 'master',
    crossSlotTransactions: 'split',
    linksPerNode: 1,
    topologyRefreshIntervalMs: 10000,
    topologyRefreshDebounceMs: 200,
    connectTimeoutMs: 2000,
    commandTimeoutMs: 5000,
    failoverDeadlineMs: 0,
    maxRedirects: 16,
    retryBackoffMs: 50,
    maxClients: 10000,
    denyCommands: DEFAULT_DENIED_COMMANDS,
    maxDedicatedLinks: 1000,
    slowCommandTimeoutMs: 60000,
    readinessMaxUnservablePercent: 50,
    maxDedicatedLinksPerClient: 32,
    clientIdleTimeoutMs: 0,
    tcpKeepAliveMs: 300000,
    tlsCertFile: '',
    tlsKeyFile: '',
    tlsCaFile: '',
    tlsClientAuth: false,
    fileReloadIntervalMs: 10000,
    clusterTls: false,
    clusterTlsCaFile: '',
    clusterTlsCertFile: '',
    clusterTlsKeyFile: '',
    clusterTlsServername: '',
    pubsubOutputLimitBytes: 33554432,
    pubsubOutputSoftLimitBytes: 8388608,
    pubsubOutputSoftLimitSeconds: 60,
    clientOutputLimitBytes: 0,
    clientOutputSoftLimitBytes: 0,
    clientOutputSoftLimitSeconds: 0,
    maxPendingRequests: 128,
    maxPendingRequestBytes: 67108864,
    scriptCacheMaxBytes: 16777216,
    maxBulkBytes: 536870912,
    maxRequestBytes: 1073741824,
    maxMultibulkLength: 1048576,
    metricsEnabled: true,
    metricsPort: 9190,
    metricsBind: '127.0.0.1',
    metricsPerCommand: true,
    metricsPerNode: true,
    workers: 1,
    drainGraceMs: 10000,
    logLevel: 'info',
    logFormat: 'json',
  })
  t.strictSame(Object.keys(config), CONFIG_KEYS, 'exactly the schema keys, in schema order')
})

t.test('precedence: CLI beats env beats file beats default', async (t) => {
  const dir = t.testdir({
    'a.json': JSON.stringify({ port: 1001, bind: '10.0.0.1', maxClients: 5, linksPerNode: 2 }),
    'b.json': JSON.stringify({ linksPerNode: 3 }),
  })
  const env = { SLOTGATE_PORT: '1002', SLOTGATE_BIND: '10.0.0.2', SLOTGATE_MAX_CLIENTS: '6' }
  const { config } = load(['--config', join(dir, 'a.json'), '--port', '1003'], env)
  t.equal(config.port, 1003, 'CLI over env and file')
  t.equal(config.bind, '10.0.0.2', 'env over file')
  t.equal(config.maxClients, 6, 'env over file')
  t.equal(config.linksPerNode, 2, 'file over default')
  t.equal(config.drainGraceMs, 10000, 'default when no source sets it')

  const viaEnv = load([], { SLOTGATE_CONFIG: join(dir, 'a.json') }).config
  t.equal(viaEnv.linksPerNode, 2, 'SLOTGATE_CONFIG names the file')
  const both = load(['--config', join(dir, 'b.json')], { SLOTGATE_CONFIG: join(dir, 'a.json') }).config
  t.equal(both.linksPerNode, 3, '--config beats SLOTGATE_CONFIG')
  t.equal(both.port, 6379, 'the file named by SLOTGATE_CONFIG was not read')
})

t.test('--flag=value and --flag value forms', async (t) => {
  const { config } = load(
    ['--port=7777', '--read-policy=prefer-replica', '--seeds=a.example:1,b.example:2', '--requirepass=a=b', '--workers', '3'],
    {}
  )
  t.equal(config.port, 7777)
  t.equal(config.readPolicy, 'prefer-replica')
  t.strictSame(config.seeds, ['a.example:1', 'b.example:2'])
  t.equal(config.requirepass, 'a=b', 'only the first = splits flag from value')
  t.equal(config.workers, 3)
  t.equal(load(['--port', '6380', '--port', '6381'], {}).config.port, 6381, 'a repeated flag keeps its last value')
})

t.test('booleans', async (t) => {
  t.equal(load(['--no-metrics-enabled'], {}).config.metricsEnabled, false)
  t.equal(load(['--metrics-enabled', 'false'], {}).config.metricsEnabled, false)
  t.equal(load(['--metrics-enabled=0'], {}).config.metricsEnabled, false)
  t.equal(load(['--metrics-enabled', '--port', '1'], { SLOTGATE_METRICS_ENABLED: 'false' }).config.metricsEnabled, true, 'bare flag is true')
  t.equal(load([], { SLOTGATE_METRICS_ENABLED: 'FALSE' }).config.metricsEnabled, false)
  const problems = problemsOf([], { SLOTGATE_METRICS_ENABLED: 'no' })
  t.equal(problems.length, 1)
  t.match(problems[0], /^metricsEnabled \(from SLOTGATE_METRICS_ENABLED\): must be true or false/)
})

t.test('SLOTGATE_SEEDS with spaces, host names and IPv6', async (t) => {
  const { config } = load([], { SLOTGATE_SEEDS: ' redis-0.redis.svc:7000 , 10.0.0.5:7001,[::1]:7002, fd00::5:7003 ' })
  t.strictSame(config.seeds, ['redis-0.redis.svc:7000', '10.0.0.5:7001', '[::1]:7002', 'fd00::5:7003'])
  for (const bad of ['a:1,,b:2', 'a', 'a:0', 'a:65536', ':7000', '[a]:7000', 'a_b:7000', '10.0.0.256:7000', 'a:7000x', '']) {
    const problems = problemsOf([], { SLOTGATE_SEEDS: bad })
    t.equal(problems.length, 1, `${JSON.stringify(bad)} rejected`)
    t.match(problems[0], /^seeds \(from SLOTGATE_SEEDS\): must be/)
  }
})

t.test('every problem is reported at once', async (t) => {
  let caught: unknown
  try {
    load(['--port', '70000', '--seeds', 'nocolon', '--bogus'], {})
  } catch (err) {
    caught = err
  }
  t.ok(caught instanceof ConfigError)
  const err = caught as ConfigError
  t.equal(err.code, 'SLOTGATE_ERR_CONFIG_INVALID')
  t.equal(err.problems.length, 3, err.problems.join('\n'))
  t.ok(err.problems.some((p) => /^port \(from --port\): must be an integer 0\.\.65535.*70000/.test(p)), 'bad port')
  t.ok(err.problems.some((p) => /^seeds \(from --seeds\): .*nocolon/.test(p)), 'bad seed')
  t.ok(err.problems.includes('unknown option --bogus'), 'unknown flag')
  for (const problem of err.problems) t.ok(err.message.includes(problem), 'message lists every problem')
})

t.test('problems from every source together, with where each value came from', async (t) => {
  const dir = t.testdir({ 'c.json': JSON.stringify({ prot: 1, 'log-level': 'debug', maxClients: 0, port: { n: 1 } }) })
  const problems = problemsOf(['--config', join(dir, 'c.json'), '--loglevel', 'debug', '-p', '1', 'stray'], {
    SLOTGATE_CONNECT_TIMEOUT_MS: '2s',
  })
  t.strictSame(problems.slice().sort(), [
    `config file ${join(dir, 'c.json')}: port must be a value, not an object`,
    `config file ${join(dir, 'c.json')}: unknown key "log-level" (did you mean "logLevel"?)`,
    `config file ${join(dir, 'c.json')}: unknown key "prot" (did you mean "port"?)`,
    'connectTimeoutMs (from SLOTGATE_CONNECT_TIMEOUT_MS): must be an integer 1..2147483647: value was "2s"',
    `maxClients (from config file ${join(dir, 'c.json')}): must be an integer, at least 1`,
    'unexpected argument "stray"',
    'unknown option --loglevel (did you mean --log-level?)',
    'unknown option -p',
  ].sort())
})

t.test('unreadable, invalid and non-object config files', async (t) => {
  const dir = t.testdir({ 'bad.json': '{"port": 1,', 'list.json': '[1]', 'bom.json': '\uFEFF{"port": 1234}' })
  t.strictSame(problemsOf(['--config', join(dir, 'missing.json')]), [`config file ${join(dir, 'missing.json')}: cannot read it (ENOENT)`])
  t.strictSame(problemsOf(['--config', dir]), [`config file ${dir}: cannot read it (EISDIR)`])
  const invalid = problemsOf(['--config', join(dir, 'bad.json'), '--port', 'x'])
  t.equal(invalid.length, 2, 'the file problem does not hide the others')
  t.match(invalid[0], `config file ${join(dir, 'bad.json')}: invalid JSON (`)
  t.match(invalid[1], /^port \(from --port\)/)
  t.strictSame(problemsOf(['--config', join(dir, 'list.json')]), [`config file ${join(dir, 'list.json')}: must hold one JSON object`])
  t.strictSame(problemsOf(['--config']), ['--config needs a value (a JSON file)'])
  t.equal(load(['--config', join(dir, 'bom.json')], {}).config.port, 1234, 'a byte-order mark is allowed')
})

t.test('integers are strict', async (t) => {
  for (const bad of ['80x', '1.5', '1e3', '0x10', '', '-1', '65536']) {
    t.equal(problemsOf(['--port', bad]).length, 1, `port ${JSON.stringify(bad)} rejected`)
  }
  t.equal(load(['--port', ' 8080 '], {}).config.port, 8080, 'surrounding spaces are fine')
  t.equal(load(['--port', '0'], {}).config.port, 0, 'port 0 asks for a free port')
  t.equal(problemsOf(['--max-clients', '9007199254740993']).length, 1, 'beyond safe integers')
  t.equal(problemsOf(['--drain-grace-ms', String(2 ** 31)]).length, 1, 'beyond what a Node timer can wait')
  t.match(problemsOf(['--read-policy', 'replicas'])[0], /^readPolicy \(from --read-policy\): must be one of the possible values/)
  t.equal(problemsOf(['--log-level', 'INFO']).length, 1, 'enums are case-sensitive')
  t.equal(load(['--bind', '::'], {}).config.bind, '::')
  t.equal(load(['--metrics-bind', 'localhost'], {}).config.metricsBind, 'localhost')
  for (const bad of ['300.1.1.1', 'a b', 'host:80', '']) {
    t.match(problemsOf(['--bind', bad])[0], /^bind \(from --bind\): must be an IP address or a host name/, `bind ${JSON.stringify(bad)}`)
  }
})

t.test('workers: a positive integer or auto', async (t) => {
  t.equal(load(['--workers', 'auto'], {}).config.workers, 'auto')
  t.equal(load([], { SLOTGATE_WORKERS: 'auto' }).config.workers, 'auto')
  t.equal(load(['--workers=4'], {}).config.workers, 4)
  for (const bad of ['0', '-1', '1.5', 'many', '1025']) {
    const problems = problemsOf(['--workers', bad])
    t.equal(problems.length, 1, `${bad} rejected`)
    t.match(problems[0], /^workers \(from --workers\): must be "auto" or an integer 1\.\.1024/)
  }
})

t.test('help and version', async (t) => {
  const broken = { SLOTGATE_CONFIG: '/nonexistent/slotgate.json', SLOTGATE_PORT: 'x' }
  t.equal(load(['--help'], broken).help, true, 'help works whatever else is wrong')
  t.equal(load(['-h'], {}).help, true)
  const version = load(['--version', '--port', '1'], broken)
  t.equal(version.version, true)
  t.equal(version.help, false)
  t.equal(version.config.port, 6379, 'config holds the defaults alone')
  t.strictSame(problemsOf(['--help=yes'], {}), ['--help takes no value'])
})

t.test('schema naming: key fooBar, flag --foo-bar, env SLOTGATE_FOO_BAR', async (t) => {
  for (const key of CONFIG_KEYS) {
    const item = CONFIG_SCHEMA[key]
    t.equal(item.arg, key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), `${key} flag`)
    t.equal(item.env, `SLOTGATE_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`, `${key} env`)
    t.ok(item.doc.length > 20, `${key} has a doc`)
  }
  t.strictSame([...SENSITIVE_KEYS].sort(), ['clusterPassword', 'clusterUsername', 'requirepass'])
})

t.test('formatHelp lists every option with its flag, env var, default and doc', async (t) => {
  const help = formatHelp()
  t.match(help, /^Usage: slotgate \[options\]\n/)
  t.ok(help.includes('--config FILE') && help.includes('SLOTGATE_CONFIG') && help.includes('--version'))
  const flat = help.replace(/\s+/g, ' ')
  for (const key of CONFIG_KEYS) {
    const item = CONFIG_SCHEMA[key]
    t.ok(help.includes(`\n  --${item.arg} `), `--${item.arg}`)
    t.ok(flat.includes(`env ${item.env};`), item.env)
    t.ok(flat.includes(`file key ${key};`), `file key ${key}`)
    t.ok(flat.includes(item.doc.replace(/\s+/g, ' ')), `${key} doc`)
    const shown = Array.isArray(item.default) ? (item.default.length === 0 ? '(none: required)' : item.default.join(', ')) : item.default === '' ? '(empty)' : String(item.default)
    t.ok(flat.includes(`default ${shown}`), `${key} default ${shown}`)
  }
  for (const line of help.split('\n')) t.ok(line.length <= 80, `line fits 80 columns: ${line}`)
})

t.test('config/default.json equals the schema defaults', async (t) => {
  const file = new URL('../../config/default.json', import.meta.url)
  const fromFile: unknown = JSON.parse(readFileSync(file, 'utf8'))
  t.strictSame(fromFile, schemaDefaults())
  t.strictSame(Object.keys(fromFile as object), CONFIG_KEYS, 'same keys, in schema order')
  t.strictSame(load(['--config', file.pathname], {}).config, load([], {}).config, 'loads as-is (given seeds)')
})

t.test('secrets stay out of problems and printed config', async (t) => {
  const dir = t.testdir({ 's.json': JSON.stringify({ requirepass: 987654321 }) })
  const problems = problemsOf(['--config', join(dir, 's.json'), '--cluster-pasword=hunter2', '--cluster-passwd', 'hunter3'])
  t.equal(problems.length, 3, problems.join('\n'))
  t.match(problems[0], /^unknown option --cluster-pasword/)
  t.match(problems[1], /^unknown option --cluster-passwd/)
  t.match(problems[2], /^requirepass \(from config file .*\): must be a string$/)
  const text = problems.join('\n')
  t.notOk(text.includes('hunter2') || text.includes('hunter3') || text.includes('987654321'), text)

  const { config } = load([], { SLOTGATE_REQUIREPASS: 'client-secret', SLOTGATE_CLUSTER_PASSWORD: 'node-secret', SLOTGATE_CLUSTER_USERNAME: 'proxy' })
  t.equal(config.requirepass, 'client-secret')
  t.equal(config.clusterPassword, 'node-secret')
  const printed = JSON.stringify(redactConfig(config))
  t.notOk(/client-secret|node-secret|proxy/.test(printed), printed)
  t.equal(redactConfig(config).requirepass, REDACTED)
  t.equal(redactConfig(config).port, 6379, 'other values kept')
  t.equal(config.requirepass, 'client-secret', 'the config itself is untouched')
})

/** loadConfig's problems for exactly this env (no seed added). */
function rawProblems (argv: string[], env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(argv, env)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

t.test('seeds are required: no default cluster to wait for forever', async (t) => {
  t.strictSame(rawProblems([], {}), [
    'seeds: required, and not set: list the cluster nodes to start from with --seeds, SLOTGATE_SEEDS or the config file\'s "seeds"'
  ])
  t.strictSame(loadConfig(['--seeds', 'a.example:1'], {}).config.seeds, ['a.example:1'], 'from a flag')
  const dir = t.testdir({ 'f.json': JSON.stringify({ seeds: ['b.example:2'] }) })
  t.strictSame(loadConfig(['--config', join(dir, 'f.json')], {}).config.seeds, ['b.example:2'], 'from the file')
  t.match(rawProblems([], { SLOTGATE_SEEDS: ' ' })[0], /^seeds \(from SLOTGATE_SEEDS\): must be a non-empty/, 'an empty value says where it came from')
  t.strictSame(loadConfig([], {}, { requireSeeds: false }).config.seeds, [], 'the health check does without')
  t.equal(loadConfig(['--help'], {}).help, true, '--help needs no seeds')
  t.strictSame(CONFIG_SCHEMA.seeds.default, [], 'no built-in default')
})

t.test('unknown SLOTGATE_* variables are errors, with the name they most likely meant', async (t) => {
  const problems = problemsOf([], {
    SLOTGATE_READ_POLICEY: 'replica',
    SLOTGATE_REQUIREPAS: 'hunter2',
    SLOTGATE_CONFG: '/etc/slotgate.json',
    SLOTGATE_LOGLEVEL: 'debug',
    SLOTGATE_WHATEVER: '1',
    OTHER_VARIABLE: 'x',
    slotgate_port: 'lower case is not ours'
  })
  t.strictSame(problems, [
    'unknown environment variable SLOTGATE_CONFG (did you mean SLOTGATE_CONFIG?)',
    'unknown environment variable SLOTGATE_LOGLEVEL (did you mean SLOTGATE_LOG_LEVEL?)',
    'unknown environment variable SLOTGATE_READ_POLICEY (did you mean SLOTGATE_READ_POLICY?)',
    'unknown environment variable SLOTGATE_REQUIREPAS (did you mean SLOTGATE_REQUIREPASS?)',
    'unknown environment variable SLOTGATE_WHATEVER'
  ])
  t.notOk(problems.join('\n').includes('hunter2'), 'a value is never shown: it may be a secret')
  t.equal(load([], { SLOTGATE_READ_POLICY: 'replica' }).config.readPolicy, 'replica', 'the right name works')
  t.equal(load([], { SLOTGATE_CONFIG: '' }).config.port, 6379, 'SLOTGATE_CONFIG is known')
  t.equal(load(['--help'], { SLOTGATE_X: '1' }).help, true, 'help still works')
})

t.test('Kubernetes service-link variables are recognised and ignored', async (t) => {
  // What the kubelet injects for a Service named "slotgate" with ports redis 6379 and http 9190,
  // and for one named "slotgate-metrics" (whose SLOTGATE_METRICS_PORT is an option's name).
  const links = {
    SLOTGATE_SERVICE_HOST: '10.96.0.7',
    SLOTGATE_SERVICE_PORT: '6379',
    SLOTGATE_SERVICE_PORT_REDIS: '6379',
    SLOTGATE_SERVICE_PORT_HTTP: '9190',
    SLOTGATE_PORT: 'tcp://10.96.0.7:6379',
    SLOTGATE_PORT_6379_TCP: 'tcp://10.96.0.7:6379',
    SLOTGATE_PORT_6379_TCP_PROTO: 'tcp',
    SLOTGATE_PORT_6379_TCP_PORT: '6379',
    SLOTGATE_PORT_6379_TCP_ADDR: '10.96.0.7',
    SLOTGATE_PORT_9190_TCP: 'tcp://10.96.0.7:9190',
    SLOTGATE_PORT_9190_TCP_PROTO: 'tcp',
    SLOTGATE_PORT_9190_TCP_PORT: '9190',
    SLOTGATE_PORT_9190_TCP_ADDR: '10.96.0.7',
    SLOTGATE_METRICS_SERVICE_HOST: '10.96.0.8',
    SLOTGATE_METRICS_PORT: 'tcp://10.96.0.8:9190',
    SLOTGATE_METRICS_PORT_9190_TCP_ADDR: '10.96.0.8'
  }
  const loaded = load([], links)
  t.equal(loaded.config.port, 6379, 'SLOTGATE_PORT=tcp://... is not the port option')
  t.equal(loaded.config.metricsPort, 9190, 'nor SLOTGATE_METRICS_PORT=tcp://...')
  t.strictSame(loaded.ignoredEnv, Object.keys(links).sort(), 'every one is reported as ignored')
  const mixed = load([], { ...links, SLOTGATE_PORT: '7000' })
  t.equal(mixed.config.port, 7000, 'a real SLOTGATE_PORT next to the links still counts')
  t.notOk(mixed.ignoredEnv.includes('SLOTGATE_PORT'))
  t.match(problemsOf([], { SLOTGATE_PORT: 'tcp://10.96.0.7' })[0], /^port \(from SLOTGATE_PORT\): must be an integer/, 'a URL without a port is no service link')
  t.strictSame(problemsOf([], { SLOTGATE_PORTT: '1' }), ['unknown environment variable SLOTGATE_PORTT (did you mean SLOTGATE_PORT?)'], 'typos near the link shapes are still caught')
})

t.test('secrets from files: requirepassPath, clusterUsernamePath, clusterPasswordPath', async (t) => {
  const dir = t.testdir({ pass: 's3cret\n', user: 'proxy\r\n', 'node-pass': 'n0de', empty: '\n', 'two-lines': 'a\nb\n' })
  const { config } = load([], {
    SLOTGATE_REQUIREPASS_PATH: join(dir, 'pass'),
    SLOTGATE_CLUSTER_USERNAME_PATH: join(dir, 'user'),
    SLOTGATE_CLUSTER_PASSWORD_PATH: join(dir, 'node-pass')
  })
  t.equal(config.requirepass, 's3cret', 'one trailing newline dropped')
  t.equal(config.clusterUsername, 'proxy', 'CRLF too')
  t.equal(config.clusterPassword, 'n0de', 'no newline at all')
  t.equal(load(['--requirepass-path', join(dir, 'two-lines')]).config.requirepass, 'a\nb', 'only one newline goes')
  t.equal(redactConfig(config).requirepass, REDACTED, 'redacted like a secret given directly')
  t.strictSame(problemsOf(['--requirepass-path', join(dir, 'missing')]), [`requirepassPath (from --requirepass-path): cannot read ${join(dir, 'missing')} (ENOENT)`])
  t.strictSame(problemsOf([], { SLOTGATE_CLUSTER_PASSWORD_PATH: join(dir, 'empty') }), [`clusterPasswordPath (from SLOTGATE_CLUSTER_PASSWORD_PATH): ${join(dir, 'empty')} is empty`])
  const both = problemsOf(['--requirepass-path', join(dir, 'pass')], { SLOTGATE_REQUIREPASS: 'other' })
  t.strictSame(both, ['requirepass (from SLOTGATE_REQUIREPASS) and requirepassPath (from --requirepass-path) are both set: give one of them'])
  t.notOk(both.join('').includes('s3cret') || both.join('').includes('other'), 'no secret in the message')
  const file = t.testdir({ 'c.json': JSON.stringify({ requirepassPath: 3 }) })
  t.match(problemsOf(['--config', join(file, 'c.json')]), [/^requirepassPath \(from config file .*\): must be a string/], 'a number is not read as a file descriptor')
})

t.test('did-you-mean: flags, file keys and env vars share one matcher', async (t) => {
  t.strictSame(problemsOf(['--read-policey', 'replica']), ['unknown option --read-policey (did you mean --read-policy?)'])
  const dir = t.testdir({ 'k.json': JSON.stringify({ readPolicey: 'replica', xyz: 1 }) })
  t.strictSame(problemsOf(['--config', join(dir, 'k.json')]), [
    `config file ${join(dir, 'k.json')}: unknown key "readPolicey" (did you mean "readPolicy"?)`,
    `config file ${join(dir, 'k.json')}: unknown key "xyz"`
  ])
})
