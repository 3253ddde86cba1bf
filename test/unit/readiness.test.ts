// /readyz's meaning (src/server/readiness.ts): ready once the map covers every slot with a
// link to every master; a failover in progress keeps it ready; not ready only past the
// failover deadline for more than the allowed share of slots, or while draining.
import t from 'tap'
import { Readiness, type ReadinessShard } from '../../src/server/readiness.js'

const A = '10.0.0.1:7000'
const B = '10.0.0.2:7000'
const C = '10.0.0.3:7000'

/** Three masters, a third of the slots each; links up unless listed in `down`. */
function sources (opts: { down?: Set<string>, failing?: Set<string>, covered?: number, percent?: number, draining?: boolean } = {}) {
  const owner = (slot: number): string => slot < 5461 ? A : slot < 10922 ? B : C
  return {
    draining: () => opts.draining ?? false,
    topology: {
      allShards: (): ReadinessShard[] => [A, B, C].map(master => ({ master, masterFailing: opts.failing?.has(master) ?? false })),
      coveredSlots: () => opts.covered ?? 16384,
      masterFor: (slot: number) => owner(slot)
    },
    linkFor: (node: string) => opts.down?.has(node) === true ? undefined : { ready: true },
    failoverDeadlineMs: () => 1000,
    maxUnservablePercent: opts.percent ?? 50
  }
}

t.test('starting: not ready until every slot has a master and every master a link', async t => {
  t.match(new Readiness(sources({ covered: 100 })).reason(0), /^starting: only 100 of 16384 hash slots have a master/)
  t.match(new Readiness(sources({ down: new Set([B]) })).reason(0), /^starting: 10\.0\.0\.2:7000 is unreachable/)
  t.equal(new Readiness(sources()).reason(0), null)
})

t.test('a failover in progress keeps it ready; past the deadline, the share of slots decides', async t => {
  const down = new Set<string>()
  const failing = new Set<string>()
  const r = new Readiness({ ...sources(), linkFor: (n: string) => down.has(n) ? undefined : { ready: true }, topology: { ...sources().topology, allShards: () => [A, B, C].map(master => ({ master, masterFailing: failing.has(master) })) } })
  t.equal(r.reason(0), null, 'ready at start')
  down.add(B)
  t.equal(r.reason(100), null, 'a master just lost: ready (commands wait for the failover)')
  failing.add(B)
  t.equal(r.reason(900), null, 'flagged failed, still within the deadline: ready')
  t.equal(r.reason(1200), null, 'past the deadline, but a third of the slots is under 50%: ready')
  down.add(C)
  t.equal(r.reason(1300), null, 'a second master just lost: within its own deadline')
  t.match(r.reason(2400), /^10923 of 16384 hash slots cannot be served for longer than the failover deadline \(1000 ms; readinessMaxUnservablePercent 50\)/, 'two thirds past the deadline: not ready')
  down.clear()
  failing.clear()
  t.equal(r.reason(2500), null, 'back as soon as the masters are')
})

t.test('readinessMaxUnservablePercent 0: any slot past the deadline makes it not ready', async t => {
  const down = new Set<string>()
  const r = new Readiness({ ...sources({ percent: 0 }), linkFor: (n: string) => down.has(n) ? undefined : { ready: true } })
  t.equal(r.reason(0), null)
  down.add(A)
  t.equal(r.reason(500), null)
  t.match(r.reason(1600), /^5461 of 16384 hash slots/)
})

t.test('draining: not ready', async t => {
  t.equal(new Readiness(sources({ draining: true })).reason(0), 'draining: slotgate is shutting down')
})
