import { existsSync, readFileSync } from 'node:fs'
import { SourceMap, type SourceMapPayload } from 'node:module'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CallFrame, Locate } from './flame-profile.js'

/** `path` relative to `root` when inside it (`src/x.ts`), else unchanged. */
function shorten (path: string, root: string): string {
  const rel = relative(root, path)
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/')
}

/**
 * A `Locate` giving `file:line` (1-based) relative to `repoRoot`. With `sourceMaps`, code
 * compiled into `<repoRoot>/dist` is shown at its TypeScript line (`src/x.ts:12`) through the
 * `.js.map` tsc writes next to it; anything without a map keeps its own path.
 */
export function locator (repoRoot: string, sourceMaps = true): Locate {
  const maps = new Map<string, SourceMap | undefined>()
  const dist = join(repoRoot, 'dist') + sep
  const mapOf = (file: string): SourceMap | undefined => {
    if (!maps.has(file)) {
      const mapFile = `${file}.map`
      maps.set(file, sourceMaps && file.startsWith(dist) && existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapPayload) : undefined)
    }
    return maps.get(file)
  }
  return (frame: CallFrame): string => {
    const { url, lineNumber } = frame
    if (url === '') return ''
    if (!url.startsWith('file:')) return `${url}:${lineNumber + 1}`
    const file = fileURLToPath(url)
    const entry = mapOf(file)?.findEntry(lineNumber, frame.columnNumber ?? 0)
    if (entry !== undefined && 'originalSource' in entry) {
      // Sources in a tsc map are relative to the map's own directory (plus sourceRoot, if any).
      const source = resolve(dirname(file), mapOf(file)?.payload.sourceRoot ?? '', entry.originalSource)
      return `${shorten(source, repoRoot)}:${entry.originalLine + 1}`
    }
    return `${shorten(file, repoRoot)}:${lineNumber + 1}`
  }
}
