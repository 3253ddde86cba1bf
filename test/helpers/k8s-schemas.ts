// Checks rendered Kubernetes objects against the Kubernetes API's own schemas, as packaged in
// the npm registry by kubernetes-models (core, apps, batch, policy, autoscaling, networking)
// and @kubernetes-models/prometheus-operator (ServiceMonitor, PodMonitor, PrometheusRule):
// - their validators (JSON schema from the OpenAPI spec: types, required fields, formats);
// - unknown fields, which those schemas let through (the API server drops them, or refuses
//   them with strict field validation): the packages' type declarations list each type's
//   fields, and every field of the object is looked up there, all the way down.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A package module's .d.ts file (resolved as an import: the packages export no require paths). */
function declarationOf (specifier: string): string {
  return fileURLToPath(import.meta.resolve(specifier)).replace(/\.js$/, '.d.ts')
}

interface Model { validate (): void }
type ModelClass = new (data: unknown) => Model

/** The module of a kind's model, by apiVersion: core, built-in groups, the Prometheus Operator's. */
function modelModule (apiVersion: string, kind: string): string {
  if (apiVersion.startsWith('monitoring.coreos.com/')) return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`
  return `kubernetes-models/${apiVersion}/${kind}`
}

interface Member { type: string }
const declarations = new Map<string, { members: Map<string, Member>, imports: Map<string, string> } | null>()

/** The members of the first interface declared in `file` (a .d.ts), and where its imported types live. */
function declaration (file: string): { members: Map<string, Member>, imports: Map<string, string> } | null {
  if (declarations.has(file)) return declarations.get(file) ?? null
  const text = readFileSync(file, 'utf8')
  const imports = new Map<string, string>()
  for (const [, names, from] of text.matchAll(/^import \{ ([^}]+) \} from "([^"]+)";$/gm)) {
    for (const name of names.split(',').map(n => n.trim())) imports.set(name, resolveDeclaration(file, from))
  }
  const start = text.search(/^export interface \w+/m)
  if (start < 0) { declarations.set(file, null); return null }
  const members = new Map<string, Member>()
  let depth = 0
  for (const line of text.slice(start).split('\n')) {
    const code = line.trim().startsWith('*') || line.trim().startsWith('/*') ? '' : line
    if (depth === 1) {
      const m = /^\s*"([^"]+)"\??: (.+?);?$/.exec(code)
      if (m !== null) members.set(m[1], { type: m[2] })
    }
    depth += (code.match(/\{/g) ?? []).length - (code.match(/\}/g) ?? []).length
    if (depth === 0 && code.includes('}')) break
  }
  const result = { members, imports }
  declarations.set(file, result)
  return result
}

function resolveDeclaration (from: string, specifier: string): string {
  return specifier.startsWith('.') ? join(dirname(from), specifier).replace(/\.js$/, '.d.ts') : declarationOf(specifier)
}

/** Unknown fields of `value` (of the type declared in `file`), as `path: unknown field "x"`. */
function unknownFields (value: unknown, file: string, path: string, out: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return
  const decl = declaration(file)
  if (decl === null) return // a scalar-like type (IntOrString, Quantity)
  for (const [key, child] of Object.entries(value)) {
    const member = decl.members.get(key)
    if (member === undefined) { out.push(`${path}: unknown field "${key}"`); continue }
    const array = /^Array<(\w+)>$/.exec(member.type)
    const typeName = array?.[1] ?? member.type
    const typeFile = decl.imports.get(typeName)
    if (typeFile === undefined) continue // a string, number, map or union: nothing below to name
    if (array !== null && Array.isArray(child)) child.forEach((item, i) => { unknownFields(item, typeFile, `${path}.${key}[${i}]`, out) })
    else unknownFields(child, typeFile, `${path}.${key}`, out)
  }
}

/** Problems of one object against its kind's schema; empty when it is valid. */
export async function kubernetesProblems (object: { apiVersion: string, kind: string }): Promise<string[]> {
  const name = modelModule(object.apiVersion, object.kind)
  let Class: ModelClass
  try {
    Class = (await import(name) as Record<string, ModelClass>)[object.kind]
  } catch {
    return [`no schema for ${object.apiVersion} ${object.kind}`]
  }
  const problems: string[] = []
  try {
    new Class(object).validate()
  } catch (err) {
    problems.push((err as Error).message)
  }
  unknownFields(object, declarationOf(name), object.kind, problems)
  return problems
}
