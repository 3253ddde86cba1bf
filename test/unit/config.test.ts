import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ConfigError, loadConfig, redactConfig, REDACTED } from '../../src/config/load-config.js'
import { formatHelp } from '../../src/config/format-help.js'
import { CONFIG_KEYS, CONFIG_SCHEMA, DEFAULT_DENIED_COMMANDS, SENSITIVE_KEYS, schemaDefaults } from '../../src/config/schema.js'

/** Runs loadConfig expecting a ConfigError, and returns its problems. */
function problemsOf (argv: string[], env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig(argv, env)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(argv)} ${JSON.stringify(env)}`)
}

t.test('defaults', async (t) => {
  const { config, help, version } = loadConfig([], {})
  t.equal(help, false)
  t.equal(version, false)
  t.same(config, {
    seeds: ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'],
    port: 6379,
    bind: '127.0.0.1',
    announceAddress: '',
    requirepass: '',
    usersFile: '',
    clusterUsername: '',
    clusterPassword: '',
    readPolicy: 'master',
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
    maxDedicatedLinksPerClient: 32,
    clientIdleTimeoutMs: 0,
    tcpKeepAliveMs: 300000,
    tlsCertFile: '',
    tlsKeyFile: '',
    tlsCaFile: '',
    tlsClientAuth: false,
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
    maxBulkBytes: 536870912,
    maxRequestBytes: 1073741824,
    maxMultibulkLength: 1048576,
    metricsEnabled: true,
    metricsPort: 9190,
    metricsBind: '127.0.0.1',
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
  const { config } = loadConfig(['--config', join(dir, 'a.json'), '--port', '1003'], env)
  t.equal(config.port, 1003, 'CLI over env and file')
  t.equal(config.bind, '10.0.0.2', 'env over file')
  t.equal(config.maxClients, 6, 'env over file')
  t.equal(config.linksPerNode, 2, 'file over default')
  t.equal(config.drainGraceMs, 10000, 'default when no source sets it')

  const viaEnv = loadConfig([], { SLOTGATE_CONFIG: join(dir, 'a.json') }).config
  t.equal(viaEnv.linksPerNode, 2, 'SLOTGATE_CONFIG names the file')
  const both = loadConfig(['--config', join(dir, 'b.json')], { SLOTGATE_CONFIG: join(dir, 'a.json') }).config
  t.equal(both.linksPerNode, 3, '--config beats SLOTGATE_CONFIG')
  t.equal(both.port, 6379, 'the file named by SLOTGATE_CONFIG was not read')
})

t.test('--flag=value and --flag value forms', async (t) => {
  const { config } = loadConfig(
    ['--port=7777', '--read-policy=prefer-replica', '--seeds=a.example:1,b.example:2', '--requirepass=a=b', '--workers', '3'],
    {}
  )
  t.equal(config.port, 7777)
  t.equal(config.readPolicy, 'prefer-replica')
  t.strictSame(config.seeds, ['a.example:1', 'b.example:2'])
  t.equal(config.requirepass, 'a=b', 'only the first = splits flag from value')
  t.equal(config.workers, 3)
  t.equal(loadConfig(['--port', '6380', '--port', '6381'], {}).config.port, 6381, 'a repeated flag keeps its last value')
})

t.test('booleans', async (t) => {
  t.equal(loadConfig(['--no-metrics-enabled'], {}).config.metricsEnabled, false)
  t.equal(loadConfig(['--metrics-enabled', 'false'], {}).config.metricsEnabled, false)
  t.equal(loadConfig(['--metrics-enabled=0'], {}).config.metricsEnabled, false)
  t.equal(loadConfig(['--metrics-enabled', '--port', '1'], { SLOTGATE_METRICS_ENABLED: 'false' }).config.metricsEnabled, true, 'bare flag is true')
  t.equal(loadConfig([], { SLOTGATE_METRICS_ENABLED: 'FALSE' }).config.metricsEnabled, false)
  const problems = problemsOf([], { SLOTGATE_METRICS_ENABLED: 'no' })
  t.equal(problems.length, 1)
  t.match(problems[0], /^metricsEnabled \(from SLOTGATE_METRICS_ENABLED\): must be true or false/)
})

t.test('SLOTGATE_SEEDS with spaces, host names and IPv6', async (t) => {
  const { config } = loadConfig([], { SLOTGATE_SEEDS: ' redis-0.redis.svc:7000 , 10.0.0.5:7001,[::1]:7002, fd00::5:7003 ' })
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
    loadConfig(['--port', '70000', '--seeds', 'nocolon', '--bogus'], {})
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
    `config file ${join(dir, 'c.json')}: unknown key "prot"`,
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
  t.equal(loadConfig(['--config', join(dir, 'bom.json')], {}).config.port, 1234, 'a byte-order mark is allowed')
})

t.test('integers are strict', async (t) => {
  for (const bad of ['80x', '1.5', '1e3', '0x10', '', '-1', '65536']) {
    t.equal(problemsOf(['--port', bad]).length, 1, `port ${JSON.stringify(bad)} rejected`)
  }
  t.equal(loadConfig(['--port', ' 8080 '], {}).config.port, 8080, 'surrounding spaces are fine')
  t.equal(loadConfig(['--port', '0'], {}).config.port, 0, 'port 0 asks for a free port')
  t.equal(problemsOf(['--max-clients', '9007199254740993']).length, 1, 'beyond safe integers')
  t.equal(problemsOf(['--drain-grace-ms', String(2 ** 31)]).length, 1, 'beyond what a Node timer can wait')
  t.match(problemsOf(['--read-policy', 'replicas'])[0], /^readPolicy \(from --read-policy\): must be one of the possible values/)
  t.equal(problemsOf(['--log-level', 'INFO']).length, 1, 'enums are case-sensitive')
  t.equal(loadConfig(['--bind', '::'], {}).config.bind, '::')
  t.equal(loadConfig(['--metrics-bind', 'localhost'], {}).config.metricsBind, 'localhost')
  for (const bad of ['300.1.1.1', 'a b', 'host:80', '']) {
    t.match(problemsOf(['--bind', bad])[0], /^bind \(from --bind\): must be an IP address or a host name/, `bind ${JSON.stringify(bad)}`)
  }
})

t.test('workers: a positive integer or auto', async (t) => {
  t.equal(loadConfig(['--workers', 'auto'], {}).config.workers, 'auto')
  t.equal(loadConfig([], { SLOTGATE_WORKERS: 'auto' }).config.workers, 'auto')
  t.equal(loadConfig(['--workers=4'], {}).config.workers, 4)
  for (const bad of ['0', '-1', '1.5', 'many', '1025']) {
    const problems = problemsOf(['--workers', bad])
    t.equal(problems.length, 1, `${bad} rejected`)
    t.match(problems[0], /^workers \(from --workers\): must be "auto" or an integer 1\.\.1024/)
  }
})

t.test('help and version', async (t) => {
  const broken = { SLOTGATE_CONFIG: '/nonexistent/slotgate.json', SLOTGATE_PORT: 'x' }
  t.equal(loadConfig(['--help'], broken).help, true, 'help works whatever else is wrong')
  t.equal(loadConfig(['-h'], {}).help, true)
  const version = loadConfig(['--version', '--port', '1'], broken)
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
    const shown = Array.isArray(item.default) ? item.default.join(', ') : item.default === '' ? '(empty)' : String(item.default)
    t.ok(flat.includes(`default ${shown}`), `${key} default ${shown}`)
  }
  for (const line of help.split('\n')) t.ok(line.length <= 80, `line fits 80 columns: ${line}`)
})

t.test('config/default.json equals the schema defaults', async (t) => {
  const file = new URL('../../config/default.json', import.meta.url)
  const fromFile: unknown = JSON.parse(readFileSync(file, 'utf8'))
  t.strictSame(fromFile, schemaDefaults())
  t.strictSame(Object.keys(fromFile as object), CONFIG_KEYS, 'same keys, in schema order')
  t.strictSame(loadConfig(['--config', file.pathname], {}).config, loadConfig([], {}).config, 'loads as-is')
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

  const { config } = loadConfig([], { SLOTGATE_REQUIREPASS: 'client-secret', SLOTGATE_CLUSTER_PASSWORD: 'node-secret', SLOTGATE_CLUSTER_USERNAME: 'proxy' })
  t.equal(config.requirepass, 'client-secret')
  t.equal(config.clusterPassword, 'node-secret')
  const printed = JSON.stringify(redactConfig(config))
  t.notOk(/client-secret|node-secret|proxy/.test(printed), printed)
  t.equal(redactConfig(config).requirepass, REDACTED)
  t.equal(redactConfig(config).port, 6379, 'other values kept')
  t.equal(config.requirepass, 'client-secret', 'the config itself is untouched')
})
