import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_FILES, normalizeFile } from './suite.js'

/** How `npm run compat` was asked to run. */
export interface CompatOptions {
  readonly files: readonly string[]
  /** Against a plain redis-server (no cluster, no slotgate) instead of slotgate. */
  readonly direct: boolean
  /** Per-file limit; a file still running then is killed and counted as aborted. */
  readonly limitSeconds: number
  /** Parent folder of the run's results folder. */
  readonly outBase: string
  /** Test names (or `/regexp`) passed on as `--skiptest`: to see what an exception hides. */
  readonly skipTests: readonly string[]
  /** Pass `--durable`: a test that throws counts as [err] and the file goes on. */
  readonly durable: boolean
  readonly help: boolean
}

/** Bad command line; the runner prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  readonly code = 'SLOTGATE_ERR_COMPAT_USAGE'
}

/** `npm run compat -- --help`. */
export const USAGE = `Usage: REDIS_SRC=/path/to/redis npm run compat -- [options]

Runs Redis' own test files (from the source tree at REDIS_SRC, at the tag of the local
redis-server) one at a time against slotgate in front of a local 3-master cluster, and prints
ok/err/exception/aborted per file.

  --files a,b       only these files (e.g. unit/multi,unit/type/list); default the 18 of docs/compat.md
  --direct          against a plain redis-server (no cluster, no slotgate): the reference
  --file-timeout S  seconds a file may run before it is killed and counted as aborted (default 300)
  --skip-test T     skip the test named T (a regexp when it starts with /: /^Keyspace), repeatable: to look past a test
                    that aborts its file; runs with it are not comparable to the baseline
  --durable         a test that throws counts as err and its file goes on (the suite's --durable):
                    shows what an exception hides; not comparable to the baseline either
  --out DIR         where the results folder goes (default $COMPAT_OUT, else /work/scratch/compat-results
                    when /work/scratch exists, else <tmpdir>/slotgate-compat)
  --help            this text
`

/** The default parent of results folders: outside the repository, never committed. */
export function defaultOutBase (env: NodeJS.ProcessEnv, scratchExists = existsSync('/work/scratch')): string {
  if (env.COMPAT_OUT !== undefined && env.COMPAT_OUT !== '') return env.COMPAT_OUT
  return scratchExists ? '/work/scratch/compat-results' : join(tmpdir(), 'slotgate-compat')
}

/** Parses the runner's arguments (after `--`). Throws `UsageError` on anything it does not know. */
export function parseOptions (argv: readonly string[], env: NodeJS.ProcessEnv, scratchExists?: boolean): CompatOptions {
  let files: readonly string[] = DEFAULT_FILES
  let direct = false
  let durable = false
  let limitSeconds = 300
  let outBase: string | undefined
  let help = false
  const skipTests: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`)
      return v
    }
    if (arg === '--files') {
      files = value().split(',').map(normalizeFile).filter(f => f !== '')
      if (files.length === 0) throw new UsageError('--files needs at least one file')
    } else if (arg === '--direct') direct = true
    else if (arg === '--durable') durable = true
    else if (arg === '--file-timeout') {
      const raw = value()
      limitSeconds = Number(raw)
      if (!Number.isInteger(limitSeconds) || limitSeconds < 1) throw new UsageError(`--file-timeout needs a whole number of seconds >= 1, got ${raw}`)
    } else if (arg === '--out') outBase = value()
    else if (arg === '--skip-test') skipTests.push(value())
    else if (arg === '--help' || arg === '-h') help = true
    else throw new UsageError(`unknown argument ${arg}`)
  }
  return { files, direct, limitSeconds, outBase: outBase ?? defaultOutBase(env, scratchExists), skipTests, durable, help }
}
