import t from 'tap'
import { createLogger, silentLogger } from '../../src/log.js'
import { loadConfig } from '../../src/config/load-config.js'

/** A pino destination that keeps every line written to it. */
function capture (): { write(line: string): void; lines: string[] } {
  const lines: string[] = []
  return { lines, write: (line: string) => { lines.push(line) } }
}

t.test('JSON lines with name, pid, level label and time', async (t) => {
  const out = capture()
  const log = createLogger({ logLevel: 'info' }, out)
  log.info({ node: '127.0.0.1:7000' }, 'link up')
  log.debug('not at info')
  t.equal(out.lines.length, 1, 'debug is below info')
  const entry = JSON.parse(out.lines[0]!) as Record<string, unknown>
  t.equal(entry.name, 'slotgate')
  t.equal(entry.pid, process.pid)
  t.equal(entry.level, 'info')
  t.equal(entry.msg, 'link up')
  t.equal(entry.node, '127.0.0.1:7000')
  t.match(entry.time, /^\d{4}-\d\d-\d\dT/)
  t.notOk('hostname' in entry)
})

t.test('levels from config', async (t) => {
  const out = capture()
  const log = createLogger({ logLevel: 'warn', logFormat: 'json' }, out)
  log.info('no')
  log.warn('yes')
  log.error('yes too')
  t.strictSame(out.lines.map((line) => (JSON.parse(line) as { level: string }).level), ['warn', 'error'])
  const quiet = capture()
  createLogger({ logLevel: 'silent' }, quiet).fatal('nothing')
  t.equal(quiet.lines.length, 0)
  t.equal(silentLogger.level, 'silent')
})

t.test('secrets never reach the log output', async (t) => {
  const out = capture()
  const log = createLogger({ logLevel: 'info' }, out)
  const { config } = loadConfig(['--seeds', 'seed.example:7000'], {
    SLOTGATE_REQUIREPASS: 'client-secret',
    SLOTGATE_CLUSTER_USERNAME: 'proxy-user',
    SLOTGATE_CLUSTER_PASSWORD: 'node-secret',
  })
  log.info({ config }, 'config loaded')
  log.info(config, 'config flat')
  log.info({ redis: { host: '10.0.0.1', password: 'ioredis-secret' } }, 'control connection')
  const text = out.lines.join('')
  t.equal(out.lines.length, 3)
  for (const secret of ['client-secret', 'proxy-user', 'node-secret', 'ioredis-secret']) {
    t.notOk(text.includes(secret), `${secret} absent`)
  }
  const nested = JSON.parse(out.lines[0]!) as { config: Record<string, unknown> }
  t.equal(nested.config.requirepass, '[Redacted]')
  t.equal(nested.config.port, 6379, 'other values logged')
  const flat = JSON.parse(out.lines[1]!) as Record<string, unknown>
  t.equal(flat.clusterPassword, '[Redacted]')
  t.equal(config.clusterPassword, 'node-secret', 'redaction does not change the logged object')
})
