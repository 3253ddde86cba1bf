import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { REPO_ROOT, type Environment } from './environment.js'

/** What RESULTS.md records besides the environment. */
export interface ResultsContent {
  readonly command: string
  readonly rounds: number
  readonly requests: number
  readonly clientThreads: number
  /** How slotgate was started: node flags and slotgate arguments beyond seeds and ports. */
  readonly slotgateCommand: string
  readonly summary: string
  readonly notes: readonly string[]
  readonly details: string
}

/** Path of the file `--write-results` replaces. */
export const RESULTS_FILE = join(REPO_ROOT, 'bench', 'RESULTS.md')

/** Writes the latest run's summary to bench/RESULTS.md (replacing the previous one). */
export async function writeResults (env: Environment, content: ResultsContent): Promise<string> {
  const text = `# slotgate benchmark: latest results

Written by \`${content.command}\`; README.md says what the columns mean.
Only the latest run is kept: compare with git history.

| | |
| :-- | :-- |
| date | ${env.date} |
| uname -a | \`${env.uname}\` |
| nproc | ${env.nproc} (${env.cpu}) |
| node | ${env.node} |
| redis-server | ${env.redisServer} |
| redis-benchmark | ${env.redisBenchmark} |
| slotgate | ${env.slotgateCommit} |
| rounds × requests | ${content.rounds} × ${content.requests.toLocaleString('en-US')} (-P 16: 5×, GET -c 1: a quarter, MSET/MGET: a quarter) |
| client threads | redis-benchmark --threads ${content.clientThreads}, the same through slotgate and direct |
| slotgate process | \`${content.slotgateCommand}\` (metrics on, as shipped) |

## Summary (medians over rounds)

${content.summary}

${content.notes.map(n => `- ${n}`).join('\n')}

## Per workload

${content.details}
`
  await writeFile(RESULTS_FILE, text)
  return RESULTS_FILE
}
