import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** slotgate's version from package.json, found by walking up (src/ in tests, dist/src/ when built). */
function readVersion (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string, version?: string }
      if (pkg.name === 'slotgate' && typeof pkg.version === 'string') return pkg.version
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    dir = dirname(dir)
  }
  return '0.0.0'
}

/** slotgate's version. */
export const SLOTGATE_VERSION: string = readVersion()
