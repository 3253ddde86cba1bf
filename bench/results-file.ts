import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { REPO_ROOT, type Environment } from './environment.js'
import { MAX_CPU_RATIO, MAX_CROWD_RSS_KIB, MAX_IDLE_RSS_KIB, MAX_P50_MS, MIN_PEER_RATIO } from './goals.js'

/** What RESULTS.md records besides the environment. */
export interface ResultsContent {
  readonly command: string
  readonly rounds: number
  readonly requests: number
  /** How slotgate was started: node flags and slotgate arguments beyond seeds and ports. */
  readonly slotgateCommand: string
  /** predixy's version, binary and configuration, or that it was not in the run. */
  readonly peer: string
  /** The `--baseline` build's commit and CLI, when one ran. */
  readonly baseline?: string
  /** Why these figures are not a measurement (fewer rounds or requests, noisy), if they are not. */
  readonly caveat?: string
  /** One summary table per method. */
  readonly methods: ReadonlyArray<{ readonly title: string, readonly summary: string }>
  readonly memory: string
  readonly notes: readonly string[]
  readonly details: string
}

/** Path of the file `--write-results` replaces. */
export const RESULTS_FILE = join(REPO_ROOT, 'bench', 'RESULTS.md')

/** The goals as RESULTS.md states them (from goals.ts, so the text and the verdicts agree). */
export function goalsText (): string {
  return [
    `- Every row: slotgate's ratio to direct at least predixy's in the same run (slotgate/predixy ≥ ${MIN_PEER_RATIO.toFixed(2)}), and CPU per request at most ${MAX_CPU_RATIO.toFixed(2)}× predixy's.`,
    `- GET -c 1: p50 latency through slotgate ≤ ${MAX_P50_MS} ms.`,
    `- RSS ≤ ${MAX_IDLE_RSS_KIB / 1024} MiB idle and ≤ ${MAX_CROWD_RSS_KIB / 1024} MiB with 1,000 clients connected under load, on the Node the image ships (${imageNode()}; this run: ${process.version}).`,
    '- Only a run with predixy in the same interleaved rounds (`PREDIXY_BIN` set) judges them.'
  ].join('\n')
}

/** The Node version the Dockerfile's runtime stage uses (`ARG NODE_VERSION`). */
function imageNode (): string {
  const version = /^ARG NODE_VERSION=(\S+)$/m.exec(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'latin1'))?.[1]
  return version === undefined ? 'see the Dockerfile' : `v${version}`
}

/** Writes the latest run's summary to bench/RESULTS.md (replacing the previous one). */
export async function writeResults (env: Environment, content: ResultsContent): Promise<string> {
  const text = `# slotgate benchmark: latest results
${content.caveat === undefined ? '' : `\n> **${content.caveat}**\n`}
Written by \`${content.command}\`; bench/README.md says what the columns mean.
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
| slotgate process | \`${content.slotgateCommand}\` (metrics on, as shipped) |
| C++ peer | ${content.peer} |${content.baseline === undefined ? '' : `\n| baseline | ${content.baseline} |`}

## Goals

${goalsText()}

${content.methods.map((m, i) => `## Method ${i + 1}: ${m.title}\n\nMedians over rounds; ratios are medians of the per-round ratios. s = slotgate, p = predixy, d = direct.\n\n${m.summary}`).join('\n\n')}

## Memory

${content.memory}

${content.notes.map(n => `- ${n}`).join('\n')}

## Per workload

${content.details}
`
  await writeFile(RESULTS_FILE, text)
  return RESULTS_FILE
}
