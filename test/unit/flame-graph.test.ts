import t from 'tap'
import { foldedStacks } from '../../bench/flame-folded.js'
import { buildCallTree, type CpuProfile, type FlameNode } from '../../bench/flame-profile.js'
import { functionCosts, percent, shares, summaryMarkdown } from '../../bench/flame-summary.js'
import { flameGraphSvg } from '../../bench/flame-svg.js'
import { locator } from '../../bench/profile-locate.js'

const frame = (functionName: string, url = '', lineNumber = -1): CpuProfile['nodes'][number]['callFrame'] => ({ functionName, url, lineNumber, columnNumber: 0 })

// root → (idle), (garbage collector), (program), main → parse (two code objects of one
// function: merged), writev → main again (recursion: counted once in main's total) → emit.
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 11] },
    { id: 2, callFrame: frame('(idle)'), hitCount: 4 },
    { id: 3, callFrame: frame('main', 'file:///repo/dist/src/main.js', 9), hitCount: 1, children: [5, 6, 9] },
    { id: 4, callFrame: frame('(garbage collector)'), hitCount: 1 },
    { id: 5, callFrame: frame('parse', 'file:///repo/dist/src/resp/parser.js', 19), hitCount: 3 },
    { id: 6, callFrame: frame('writev', 'node:net', 99), hitCount: 1, children: [8] },
    { id: 8, callFrame: frame('main', 'file:///repo/dist/src/main.js', 9), hitCount: 1, children: [10] },
    { id: 9, callFrame: frame('parse', 'file:///repo/dist/src/resp/parser.js', 19), hitCount: 1 },
    { id: 10, callFrame: frame('emit', 'file:///repo/node_modules/ioredis/built/x.js', 4), hitCount: 1 },
    { id: 11, callFrame: frame('(program)'), hitCount: 1 }
  ],
  startTime: 1000,
  endTime: 2500,
  // One (program) sample before the window and one parse sample after it; 12 inside.
  samples: [11, 2, 2, 3, 5, 5, 9, 2, 6, 8, 10, 4, 2, 5],
  timeDeltas: [100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100]
}
const WINDOW = { fromUs: 1200, toUs: 2300 }
const locate = locator('/repo', false)

const MAIN = 'main (dist/src/main.js:10)'
const FOLDED = [
  '(garbage collector) 1',
  '(idle) 4',
  `${MAIN} 1`,
  `${MAIN};parse (dist/src/resp/parser.js:20) 3`,
  `${MAIN};writev (node:net:100) 1`,
  `${MAIN};writev (node:net:100);${MAIN} 1`,
  `${MAIN};writev (node:net:100);${MAIN};emit (node_modules/ioredis/built/x.js:5) 1`
].join('\n') + '\n'

const countNodes = (node: FlameNode): number => node.children.reduce((n, c) => n + countNodes(c), 1)

t.test('folded stacks of the samples in the window, same-function siblings merged', async t => {
  const tree = buildCallTree(PROFILE, locate, WINDOW)
  t.equal(tree.total, 12)
  t.equal(foldedStacks(tree), FOLDED)
})

t.test('without a window, every sample counts; without samples, hitCount does', async t => {
  const all = buildCallTree(PROFILE, locate)
  t.equal(all.total, 14)
  t.match(foldedStacks(all), /^\(program\) 1$/m)
  t.match(foldedStacks(all), /^main \(dist\/src\/main\.js:10\);parse \(dist\/src\/resp\/parser\.js:20\) 4$/m)
  const { samples: _s, timeDeltas: _d, ...counted } = PROFILE
  t.equal(foldedStacks(buildCallTree(counted, locate)), foldedStacks(all))
})

t.test('self and total per function, recursion counted once, and the shares', async t => {
  const tree = buildCallTree(PROFILE, locate, WINDOW)
  const costs = new Map(functionCosts(tree).map(c => [c.frame.name, [c.self, c.total, percent(c.self, tree.total), percent(c.total, tree.total)]]))
  t.same(costs.get('main'), [2, 7, '16.7%', '58.3%'])
  t.same(costs.get('parse'), [3, 3, '25.0%', '25.0%'])
  t.same(costs.get('writev'), [1, 3, '8.3%', '25.0%'])
  t.same(costs.get('emit'), [1, 1, '8.3%', '8.3%'])
  t.same(costs.get('(idle)'), [4, 4, '33.3%', '33.3%'])
  t.same(shares(tree), { samples: 12, idle: 4, gc: 1, program: 0, byCategory: { slotgate: 5, dependency: 1, node: 1, native: 0, other: 0 } })
})

t.test('summary tables rank by self and by total with both percentages', async t => {
  const md = summaryMarkdown(buildCallTree(PROFILE, locate, WINDOW), { title: 'test', facts: [['date', 'today']], top: 3 })
  const self = md.slice(md.indexOf('## Top 3 functions by self'), md.indexOf('## Top 3 functions by total'))
  const total = md.slice(md.indexOf('## Top 3 functions by total'))
  const rows = (text: string): string[][] => text.split('\n').filter(l => /^\| +\d/.test(l)).map(l => l.split('|').slice(1, -1).map(c => c.trim()))
  t.same(rows(self), [
    ['1', '`(idle)`', '', 'special', '4', '33.3%', '33.3%'],
    ['2', '`parse`', 'dist/src/resp/parser.js:20', 'slotgate', '3', '25.0%', '25.0%'],
    ['3', '`main`', 'dist/src/main.js:10', 'slotgate', '2', '16.7%', '58.3%']
  ])
  t.same(rows(total), [
    ['1', '`main`', 'dist/src/main.js:10', 'slotgate', '7', '58.3%', '16.7%'],
    ['2', '`(idle)`', '', 'special', '4', '33.3%', '33.3%'],
    ['3', '`parse`', 'dist/src/resp/parser.js:20', 'slotgate', '3', '25.0%', '25.0%']
  ])
  t.match(md, /\| \(idle\): waiting for I\/O +\| +4 \| +33\.3% \|/)
  t.match(md, /\| \(garbage collector\) +\| +1 \| +8\.3% \| +12\.5% \|/)
})

t.test('the SVG has one rect per frame, widths in proportion, names in tooltips', async t => {
  const tree = buildCallTree(PROFILE, locate, WINDOW)
  const svg = flameGraphSvg(tree, { title: 'a <test> & more', width: 1220 })
  const rects = [...svg.matchAll(/<rect class="frame" x="([\d.]+)" y="(\d+)" width="([\d.]+)"/g)]
  t.equal(rects.length, countNodes(tree))
  t.equal(rects.length, 8)
  // 1200 px for 12 samples, 100 px each: all 12, main 7, idle 4, parse 3, writev 3, inner main 2, GC 1, emit 1.
  t.equal(Number(rects[0]?.[3]), 1200)
  const widths = rects.map(r => Number(r[3])).sort((a, b) => b - a)
  t.same(widths, [1200, 700, 400, 300, 300, 200, 100, 100])
  // The outer main: this stack's self time (1), not the function's (2, with the recursive call).
  t.match(svg, `<title>${MAIN}\n7 samples (58.3%), self 1 (8.3%)</title>`)
  t.match(svg, 'a &#60;test&#62; &#38; more')
  t.notMatch(svg, '<test>')
  // Root at the bottom: every child sits one frame height above its parent.
  const ys = new Set(rects.map(r => Number(r[2])))
  t.equal(ys.size, 5)
})
