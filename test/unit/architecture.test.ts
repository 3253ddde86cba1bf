// The import facts ARCHITECTURE.md states, read from the code itself with the TypeScript
// compiler's parser: which layer may import which, that the session and the metrics stay
// off the cluster layer, that no two files import each other in a circle, and that no file
// of src/ grows past 300 lines.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import ts from 'typescript'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const SRC = join(ROOT, 'src')

interface Import { from: string, to: string, typeOnly: boolean }

function sourceFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = join(dir, e.name)
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : []
  })
}

/** Every relative import of a file, resolved to a path under src/, and whether it is type-only. */
function importsOf (file: string): Import[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false)
  const out: Import[] = []
  for (const s of sf.statements) {
    if ((!ts.isImportDeclaration(s) && !ts.isExportDeclaration(s)) || s.moduleSpecifier === undefined) continue
    const spec = (s.moduleSpecifier as ts.StringLiteral).text
    if (!spec.startsWith('.')) continue
    let typeOnly = false
    if (ts.isImportDeclaration(s)) {
      const clause = s.importClause
      typeOnly = clause?.isTypeOnly === true ||
        (clause !== undefined && clause.name === undefined && clause.namedBindings !== undefined &&
          ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 &&
          clause.namedBindings.elements.every(e => e.isTypeOnly))
    } else {
      typeOnly = s.isTypeOnly
    }
    out.push({ from: rel(file), to: rel(resolve(dirname(file), spec.replace(/\.js$/, '.ts'))), typeOnly })
  }
  return out
}

const rel = (p: string): string => relative(ROOT, p)
const layer = (p: string): string => p.split('/')[1].replace(/\.ts$/, '')
const files = sourceFiles(SRC)
const imports = files.flatMap(importsOf)

t.test('src/session imports only types from src/cluster', async t => {
  const bad = imports.filter(i => layer(i.from) === 'session' && layer(i.to) === 'cluster' && !i.typeOnly)
  t.same(bad.map(i => `${i.from} -> ${i.to}`), [])
})

t.test('src/metrics imports nothing from src/cluster (it declares what it reads)', async t => {
  const bad = imports.filter(i => layer(i.from) === 'metrics' && layer(i.to) === 'cluster')
  t.same(bad.map(i => `${i.from} -> ${i.to}`), [])
})

t.test('each layer imports only the layers below it', async t => {
  // Below-to-above order of ARCHITECTURE.md; util, metrics and version are leaves anyone may use.
  const order = ['util', 'version', 'metrics', 'resp', 'cluster', 'commands', 'access', 'exec', 'session', 'server', 'config', 'log', 'main', 'bin']
  const allowed = (from: string, to: string): boolean =>
    from === to || ['util', 'version', 'metrics'].includes(to) || (to === 'config' && ['log', 'main', 'bin', 'server'].includes(from)) ||
    order.indexOf(to) < order.indexOf(from)
  const bad = imports.filter(i => !allowed(layer(i.from), layer(i.to)))
  t.same(bad.map(i => `${i.from} -> ${i.to}`), [])
})

t.test('no import cycle between files (type-only imports included)', async t => {
  const graph = new Map<string, string[]>()
  for (const i of imports) graph.set(i.from, [...(graph.get(i.from) ?? []), i.to])
  const cycles: string[] = []
  const state = new Map<string, 'open' | 'done'>()
  const visit = (f: string, path: string[]): void => {
    if (state.get(f) === 'done') return
    if (state.get(f) === 'open') { cycles.push([...path.slice(path.indexOf(f)), f].join(' -> ')); return }
    state.set(f, 'open')
    for (const to of graph.get(f) ?? []) visit(to, [...path, f])
    state.set(f, 'done')
  }
  for (const f of graph.keys()) visit(f, [])
  t.same(cycles, [])
})

t.test('no file in src/ over 300 lines', async t => {
  const long = files.map(f => [rel(f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 300)
  t.same(long.map(([f, n]) => `${f}: ${n} lines`), [])
})
