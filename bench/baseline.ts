import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { sourceCommit } from './environment.js'

/** Where a built checkout keeps slotgate's CLI. */
const CLI_IN_CHECKOUT = join('dist', 'src', 'bin', 'slotgate.js')

/** How to get a baseline, for the message when `--baseline DIR` has none. */
export const BASELINE_HOWTO = 'git worktree add /tmp/base <commit> && cd /tmp/base && npm ci && npm run build'

/** The slotgate build `--baseline DIR` runs. */
export interface Baseline {
  readonly dir: string
  /** DIR/dist/src/bin/slotgate.js */
  readonly cli: string
  /** DIR's short commit, `-dirty` when its src/ differs from it. */
  readonly commit: string
}

/**
 * The compiled CLI of checkout `dir`; throws, saying how to build one, when it is missing (an
 * unbuilt checkout, or not a slotgate checkout at all).
 */
export function baselineCli (dir: string, exists: (path: string) => boolean = existsSync): string {
  const cli = join(dir, CLI_IN_CHECKOUT)
  if (!exists(cli)) throw new Error(`--baseline ${dir}: no ${cli}; the baseline must be a built checkout of slotgate, e.g.: ${BASELINE_HOWTO}, then --baseline /tmp/base`)
  return cli
}

/** Checks `dir` and names its commit. */
export function findBaseline (dir: string): Baseline {
  return { dir, cli: baselineCli(dir), commit: sourceCommit(['src'], dir) }
}
