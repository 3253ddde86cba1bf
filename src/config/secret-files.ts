/**
 * Secrets read from files: `requirepassPath`, `clusterUsernamePath` and `clusterPasswordPath`
 * name a file holding the value (a mounted Kubernetes Secret key, a Docker secret), so that
 * the secret is in no environment and no process list. Named `...Path` so that they are not
 * mistaken for the `...File` options, which name certificate and users files.
 */
import { readFileSync } from 'node:fs'
import type { ConfigKey, SlotgateConfig } from './schema.js'

/** Each secret option and the option naming the file it can be read from. */
export const SECRET_FILE_OPTIONS = [
  ['requirepass', 'requirepassPath'],
  ['clusterUsername', 'clusterUsernamePath'],
  ['clusterPassword', 'clusterPasswordPath']
] as const satisfies ReadonlyArray<readonly [ConfigKey, ConfigKey]>

/**
 * The secret in `path`: its text without one trailing newline (what `echo` and most editors
 * add). Throws an Error naming the file, never its content, when it cannot be read or is empty.
 */
export function readSecretFile (path: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : String(err)
    throw new Error(`cannot read ${path} (${code})`)
  }
  const value = text.replace(/\r?\n$/, '')
  if (value === '') throw new Error(`${path} is empty`)
  return value
}

/**
 * Fills each secret from its file where one is named, in place; returns a problem per file
 * that cannot be used, and per secret given both ways (which one wins would be a guess).
 */
export function resolveSecretFiles (config: SlotgateConfig, sourceOf: (key: ConfigKey) => string): string[] {
  const problems: string[] = []
  for (const [secret, pathKey] of SECRET_FILE_OPTIONS) {
    const path = config[pathKey]
    // A path of the wrong type was already reported by validation; never read it as an fd.
    if (typeof path !== 'string' || path === '') continue
    if (config[secret] !== '') {
      problems.push(`${secret} (from ${sourceOf(secret)}) and ${pathKey} (from ${sourceOf(pathKey)}) are both set: give one of them`)
      continue
    }
    try {
      config[secret] = readSecretFile(path)
    } catch (err) {
      problems.push(`${pathKey} (from ${sourceOf(pathKey)}): ${(err as Error).message}`)
    }
  }
  return problems
}
