// The built CLI's fatal start errors are JSON log lines like every other (level fatal, a
// stable `event`), then the exit: a bad configuration (exit 2, every problem named) and a
// port already taken (exit 1, the error's code). No cluster needed: both fail before one
// would be asked.
import { spawn } from 'node:child_process'
import net from 'node:net'
import t from 'tap'
import { CLI, ensureBuilt, ROOT } from '../helpers/slotgate-cli.js'

/** Runs the CLI to its exit; resolves with the exit code and the stdout and stderr lines. */
async function run (args: string[], env: Record<string, string> = {}): Promise<{ code: number | null, stdout: string[], stderr: string }> {
  ensureBuilt()
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLOTGATE_')))
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, 20_000)
  const code = await new Promise<number | null>(resolve => { child.once('exit', c => { resolve(c) }) })
  clearTimeout(timer)
  return { code, stdout: out.split('\n').filter(l => l !== ''), stderr: err }
}

t.test('an invalid configuration: one fatal JSON line naming every problem, exit 2', async t => {
  const r = await run(['--seeds', '127.0.0.1:7000', '--port', '99999'], { SLOTGATE_NO_SUCH_OPTION: '1', SLOTGATE_REQUIREPASS: 'do-not-print-me' })
  t.equal(r.code, 2)
  t.equal(r.stdout.length, 1, `one line: ${r.stdout.join('\n')}`)
  const line = JSON.parse(r.stdout[0]) as Record<string, any>
  t.match(line, { level: 'fatal', name: 'slotgate', event: 'config_invalid', msg: /^invalid configuration: / })
  t.equal(line.problems.length, 2, 'both problems')
  t.match(line.problems.join('\n'), /port/)
  t.match(line.problems.join('\n'), /SLOTGATE_NO_SUCH_OPTION/)
  t.notOk(r.stdout[0].includes('do-not-print-me'), 'no secret')
  t.equal(r.stderr, '', 'nothing in plain text')
})

t.test('a port already taken: a fatal JSON line with the error code, exit 1', async t => {
  const busy = net.createServer()
  await new Promise<void>(resolve => busy.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { busy.close() })
  const port = (busy.address() as net.AddressInfo).port
  const r = await run(['--seeds', '127.0.0.1:1', '--bind', '127.0.0.1', '--port', String(port), '--metrics-enabled', 'false'])
  t.equal(r.code, 1)
  const lines = r.stdout.map(l => JSON.parse(l) as Record<string, any>)
  t.match(lines.find(l => l.event === 'config_effective'), { level: 'info', config: { port } }, 'the effective configuration came first')
  const fatal = lines.find(l => l.level === 'fatal')
  t.match(fatal, { event: 'start_failed', code: 'EADDRINUSE', err: /EADDRINUSE/, msg: /^slotgate could not start: / })
  t.equal(lines.at(-1), fatal, 'the last line')
  t.equal(r.stderr, '', 'nothing in plain text')
})
