import { CommandTable } from '../src/commands/command-table.js'
import { routeCommand, type RoutePlan } from '../src/commands/router.js'
import { splitBySlot } from '../src/commands/split-command.js'
import { check, isMain, runSuite, type BenchCase, type SuiteResult } from './micro-harness.js'

const table = CommandTable.fromSnapshot()
const words = (...w: string[]): Buffer[] => w.map(s => Buffer.from(s, 'latin1'))
const key = (i: number): string => `key:${String(i).padStart(6, '0')}`
const KEYS10 = Array.from({ length: 10 }, (_, i) => key(i))

/** A routeCommand() case with the default policy; the plan's kind is checked before timing. */
function routeCase (name: string, args: Buffer[], kind: RoutePlan['kind']): BenchCase {
  const plan = routeCommand(table, args)
  check(plan.kind === kind, `${name}: plan ${plan.kind}, want ${kind}`)
  return { name, fn: (): number => routeCommand(table, args).kind.length }
}

const MSET = words('MSET', ...KEYS10.flatMap(k => [k, 'xxx']))

/** splitBySlot() on the plan routeCommand() made for MSET of 10 keys, as the session calls it. */
function splitCase (): BenchCase {
  const plan = routeCommand(table, MSET)
  if (plan.kind !== 'split') throw new Error(`bench setup: MSET plan ${plan.kind}, want split`)
  const parts = splitBySlot(MSET, plan.keys, plan.slots, true)
  check(parts.length > 1 && parts.reduce((n, p) => n + p.positions.length, 0) === 10, `MSET split into ${parts.length} parts`)
  return { name: 'splitBySlot: MSET 10 keys', fn: (): number => splitBySlot(MSET, plan.keys, plan.slots, true).length }
}

/** Command routing: ns per command. */
export function run (): SuiteResult {
  return runSuite('Routing (src/commands/router.ts, split-command.ts), per command', [
    routeCase('GET key:000123', words('GET', key(123)), 'single'),
    routeCase('SET key:000123 xxx', words('SET', key(123), 'xxx'), 'single'),
    routeCase('MSET 10 keys across slots (split)', MSET, 'split'),
    routeCase('MGET 10 keys across slots (split)', words('MGET', ...KEYS10), 'split'),
    routeCase('PING (local)', words('PING'), 'local'),
    routeCase('unknown command (reject)', words('NOSUCHCMD', 'a', 'b'), 'reject'),
    splitCase()
  ])
}

if (isMain(import.meta.url)) run()
