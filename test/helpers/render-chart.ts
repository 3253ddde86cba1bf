// Renders Helm charts in tests without a helm binary (none can be installed here): a small Go
// program (helm-render/main.go) runs Helm's own template engine — Go's text/template and the
// sprig functions — built offline from Debian's packaged Go sources. Installs the Debian
// packages it needs with apt-get when they are missing (CI runs as root); `toolingProblem()`
// says why it cannot, only when apt itself is unavailable.
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const GOCODE = '/usr/share/gocode/src'
const SOURCE = fileURLToPath(new URL('./helm-render/main.go', import.meta.url))
const PACKAGES = ['golang-go', 'golang-github-masterminds-sprig-dev', 'golang-k8s-sigs-yaml-dev', 'golang-github-xeipuuv-gojsonschema-dev', 'yamllint']

/** A rendered Kubernetes object and the template it came from. */
export interface Rendered {
  template: string
  object: { apiVersion: string, kind: string, metadata: { name: string, labels?: Record<string, string>, annotations?: Record<string, string> }, [key: string]: unknown }
}

function has (command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0
}

function toolsPresent (): boolean {
  return has('go') && has('yamllint') && ['github.com/Masterminds/sprig', 'sigs.k8s.io/yaml', 'github.com/xeipuuv/gojsonschema'].every(p => existsSync(join(GOCODE, p)))
}

/**
 * Null when Go, sprig and yamllint are there (installing them with apt-get if needed), else
 * why they cannot be: the only reason a chart test may skip.
 */
export function toolingProblem (): string | null {
  if (toolsPresent()) return null
  if (!has('apt-get')) return `apt-get is unavailable, so ${PACKAGES.join(', ')} cannot be installed`
  const asRoot = process.getuid?.() === 0
  if (!asRoot && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status !== 0) return `not root and no passwordless sudo: cannot apt-get install ${PACKAGES.join(' ')}`
  const apt = (...args: string[]): number | null => spawnSync(asRoot ? 'apt-get' : 'sudo', asRoot ? args : ['-n', 'apt-get', ...args],
    { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status
  if (apt('install', '-y', ...PACKAGES) !== 0) {
    apt('update')
    if (apt('install', '-y', ...PACKAGES) !== 0) throw new Error(`apt-get install ${PACKAGES.join(' ')} failed`)
  }
  if (!toolsPresent()) throw new Error(`installed ${PACKAGES.join(' ')}, but go/sprig/yamllint are still missing`)
  return null
}

/**
 * A GOPATH whose src/ links Debian's Go sources under their module paths: Debian keeps
 * `github.com/Masterminds/sprig` where imports say `.../sprig/v3`. Built offline, in GOPATH
 * mode: no module proxy is needed.
 */
function gopath (): string {
  const root = join(tmpdir(), 'slotgate-helm-render-gopath')
  const src = join(root, 'src')
  const link = (target: string, at: string): void => {
    if (existsSync(at)) return
    mkdirSync(dirname(at), { recursive: true })
    symlinkSync(target, at)
  }
  const walk = (dir: string, depth: number): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() && !entry.isSymbolicLink()) continue
      const path = join(dir, entry.name)
      const goMod = join(path, 'go.mod')
      const module = existsSync(goMod) ? /^module\s+(\S+)/m.exec(readFileSync(goMod, 'utf8'))?.[1] : undefined
      if (module !== undefined) link(path, join(src, module))
      if (module !== undefined || depth === 3) link(path, join(src, relative(GOCODE, path)))
      else walk(path, depth + 1)
    }
  }
  walk(GOCODE, 1)
  return root
}

let binary: string | undefined

/** Builds helm-render once per source version (cached in the temp dir). */
function renderer (): string {
  if (binary !== undefined) return binary
  const source = readFileSync(SOURCE)
  const out = join(tmpdir(), `slotgate-helm-render-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`)
  if (!existsSync(out)) {
    const path = gopath()
    execFileSync('go', ['build', '-o', out, SOURCE], {
      cwd: dirname(SOURCE),
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, GO111MODULE: 'off', GOPATH: path, GOFLAGS: '', GOPROXY: 'off', GOCACHE: join(path, 'cache') }
    })
  }
  binary = out
  return out
}

/** What a render gave: the objects, or the error Helm would print. */
export type RenderResult = { ok: true, objects: Rendered[], notes: string } | { ok: false, error: string }

/** Renders `chart` with its values.yaml plus `values` (objects written as YAML-compatible JSON files, later wins). */
export function renderChart (chart: string, values: object[] = [], release = 'demo', namespace = 'apps'): RenderResult {
  const files = values.map((v, i) => {
    const file = join(tmpdir(), `slotgate-values-${process.pid}-${i}.json`)
    writeFileSync(file, JSON.stringify(v))
    return file
  })
  const run = spawnSync(renderer(), ['-chart', chart, '-name', release, '-namespace', namespace, ...files.flatMap(f => ['-f', f])], { encoding: 'utf8' })
  if (run.status !== 0) return { ok: false, error: run.stderr.trim() }
  const parsed = JSON.parse(run.stdout) as { objects: Rendered[], notes: string }
  return { ok: true, objects: parsed.objects, notes: parsed.notes }
}

/** The chart's values.yaml merged with `values`, as its templates see `.Values`. */
export function chartValues (chart: string, values: object[] = []): unknown {
  const files = values.map((v, i) => {
    const file = join(tmpdir(), `slotgate-values-${process.pid}-${i}.json`)
    writeFileSync(file, JSON.stringify(v))
    return file
  })
  const run = spawnSync(renderer(), ['-values', '-chart', chart, ...files.flatMap(f => ['-f', f])], { encoding: 'utf8' })
  if (run.status !== 0) throw new Error(run.stderr.trim())
  return JSON.parse(run.stdout)
}

/** yamllint's verdict on `files` (strict: warnings count); null when clean. */
export function yamllint (files: string[]): string | null {
  const run = spawnSync('yamllint', ['--strict', '--format', 'parsable', ...files], { encoding: 'utf8' })
  return run.status === 0 ? null : `${run.stdout}${run.stderr}`.trim()
}
