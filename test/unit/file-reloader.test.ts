// FileReloader (applies a target again only when its files' contents change; a failure is
// reported once per content) and the exposure check behind the unauthenticated-listener
// warning and metric.
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { isLoopback, unauthenticatedExposure } from '../../src/server/exposure.js'
import { FileReloader, type ReloadReport } from '../../src/server/file-reloader.js'

t.test('applies on change only, reports a failure once per content, retries on the next change', async t => {
  const dir = t.testdir({ a: '1', b: 'x' })
  const applied: string[] = []
  let fail = false
  const reports: ReloadReport[] = []
  const reloader = new FileReloader([{
    name: 'pair',
    paths: [join(dir, 'a'), join(dir, 'b')],
    apply () {
      if (fail) throw new Error('does not load')
      applied.push('pair')
    }
  }], { intervalMs: 0, onReload: r => { reports.push(r) } })
  t.strictSame(reloader.check(), [], 'nothing changed since construction')
  writeFileSync(join(dir, 'a'), '1')
  t.strictSame(reloader.check(), [], 'rewritten with the same bytes: no reload')
  writeFileSync(join(dir, 'b'), 'y')
  t.strictSame(reloader.check(), [{ name: 'pair', outcome: 'reloaded' }], 'a change in any file of the group')
  fail = true
  writeFileSync(join(dir, 'a'), '2')
  t.strictSame(reloader.check(), [{ name: 'pair', outcome: 'failed', error: 'does not load' }])
  t.strictSame(reloader.check(), [], 'the same bad content is not retried every period')
  rmSync(join(dir, 'b'))
  t.match(reloader.check(), [{ outcome: 'failed' }], 'a file that disappears is a change too')
  fail = false
  t.strictSame(reloader.check(true), [{ name: 'pair', outcome: 'reloaded' }], 'forced (SIGHUP): applied whatever changed')
  t.strictSame(applied, ['pair', 'pair'])
  t.equal(reports.length, 4, 'every reload was reported')
})

t.test('polls at its interval once started, and stops', async t => {
  const dir = t.testdir({ f: '1' })
  let applied = 0
  const reloader = new FileReloader([{ name: 'f', paths: [join(dir, 'f')], apply () { applied++ } }], { intervalMs: 20, onReload: () => undefined })
  reloader.start()
  writeFileSync(join(dir, 'f'), '2')
  const deadline = Date.now() + 2000
  while (applied === 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10))
  t.equal(applied, 1, 'picked up by the timer')
  reloader.stop()
  writeFileSync(join(dir, 'f'), '3')
  await new Promise(resolve => setTimeout(resolve, 100))
  t.equal(applied, 1, 'not after stop()')
})

t.test('loopback addresses, and when the listener counts as open without auth', async t => {
  for (const host of ['127.0.0.1', '127.8.9.10', '::1', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) t.ok(isLoopback(host), host)
  for (const host of ['0.0.0.0', '::', '10.0.0.5', 'slotgate.apps.svc', '128.0.0.1', '::ffff:10.0.0.1']) t.notOk(isLoopback(host), host)
  const state = (bind: string, password: boolean, certificate: boolean): boolean =>
    unauthenticatedExposure({ bind, passwordRequired: () => password, certificateRequired: certificate })
  t.ok(state('0.0.0.0', false, false), 'every address, no auth: exposed')
  t.notOk(state('0.0.0.0', true, false), 'a password is required')
  t.notOk(state('0.0.0.0', false, true), 'a client certificate is required')
  t.notOk(state('127.0.0.1', false, false), 'loopback only (the sidecar)')
})
