// The failure policy's verdicts (src/cluster/failure-policy.ts), signal by signal, and the
// one budget a client command's parts share.
import t from 'tap'
import { CommandBudget, judgeLoss, judgeSignal, type PolicyOptions } from '../../src/cluster/failure-policy.js'

const OPTIONS: PolicyOptions = { maxRedirects: 2, failoverDeadlineMs: 1000, retryBackoffMs: 50 }
const text = (reason: string): string => `gave up: ${reason}`

t.test('MOVED: follow and record the slot, up to the redirect cap', async t => {
  const budget = new CommandBudget()
  const moved = { kind: 'moved', slot: 7, node: '10.0.0.2:7000' } as const
  t.same(judgeSignal(moved, budget, 0, OPTIONS, text), { act: 'follow', node: '10.0.0.2:7000', slotMoved: { slot: 7, node: '10.0.0.2:7000' }, asking: false })
  t.equal(judgeSignal(moved, budget, 0, OPTIONS, text).act, 'follow')
  t.same(judgeSignal(moved, budget, 0, OPTIONS, text), { act: 'give-up', error: 'gave up: redirects' }, 'the third MOVED is one too many')
})

t.test('ASK: follow with ASKING, the map untouched, bounded by the deadline (a migration cycles ASK and TRYAGAIN)', async t => {
  const budget = new CommandBudget()
  const ask = { kind: 'ask', slot: 7, node: 'b:1' } as const
  for (let i = 0; i < 10; i++) t.same(judgeSignal(ask, budget, 100 * i, OPTIONS, text), { act: 'follow', node: 'b:1', slotMoved: null, asking: true })
  t.same(judgeSignal(ask, budget, 1000, OPTIONS, text), { act: 'give-up', error: 'gave up: redirects' }, 'past the deadline started by the first ASK')
})

t.test('transient signals: retry after a backoff within the deadline, then the node\'s own error', async t => {
  for (const kind of ['tryagain', 'clusterdown', 'loading', 'masterdown', 'readonly'] as const) {
    const budget = new CommandBudget()
    const v = judgeSignal({ kind }, budget, 0, OPTIONS, text)
    t.same(v, { act: 'retry', refresh: kind !== 'tryagain' }, `${kind}: retry${kind !== 'tryagain' ? ' and refresh the map' : ''}`)
    t.same(judgeSignal({ kind }, budget, 960, OPTIONS, text), { act: 'give-up', error: null }, `${kind}: no retry that would end past the deadline`)
  }
})

t.test('one budget for a client command: its parts share the deadline and the redirect count', async t => {
  const shared = new CommandBudget()
  const moved = { kind: 'moved', slot: 1, node: 'n:1' } as const
  judgeSignal(moved, shared, 0, OPTIONS, text)
  judgeSignal(moved, shared, 0, OPTIONS, text)
  t.equal(judgeSignal(moved, shared, 0, OPTIONS, text).act, 'give-up', 'a second part\'s MOVED counts against the same cap')
  const waiting = new CommandBudget()
  judgeSignal({ kind: 'clusterdown' }, waiting, 0, OPTIONS, text)
  t.equal(waiting.deadline, 1000, 'the deadline starts with the first wait')
  t.same(judgeSignal({ kind: 'tryagain' }, waiting, 990, OPTIONS, text), { act: 'give-up', error: null }, 'another part near the end of the same deadline gives up')
})

t.test('a lost link: never written is routed again; written reads are sent again, writes never', async t => {
  t.equal(judgeLoss(false, false, false, new CommandBudget(), OPTIONS), 'reroute')
  t.equal(judgeLoss(true, true, false, new CommandBudget(), OPTIONS), 'resend', 'a read in flight')
  t.equal(judgeLoss(true, false, false, new CommandBudget(), OPTIONS), 'outcome-unknown', 'a write in flight')
  t.equal(judgeLoss(true, true, true, new CommandBudget(), OPTIONS), 'outcome-unknown', 'a read on a node that stopped answering: sending it again would wait on the same frozen node')
  const budget = new CommandBudget()
  judgeLoss(true, true, false, budget, OPTIONS)
  judgeLoss(true, true, false, budget, OPTIONS)
  t.equal(judgeLoss(true, true, false, budget, OPTIONS), 'outcome-unknown', 'resends count against the redirect cap')
})
