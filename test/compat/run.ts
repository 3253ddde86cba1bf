// `npm run compat`: Redis' own test files against slotgate (or, with --direct, a plain
// redis-server), one file at a time; see docs/compat.md.
import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findExecutable } from '../harness/ensure-redis-server.js'
import { ensureRedisServer } from '../harness/local-cluster.js'
import { parseOptions, USAGE, UsageError, type CompatOptions } from './options.js'
import { parseTclOutput } from './parse-tcl-output.js'
import { RedisSourceError, redisSourceVersion, serverVersion } from './redis-src.js'
import { runTclFile } from './run-tcl-file.js'
import { DENIED_TAGS, tclArgs } from './suite.js'
import { abortReason, formatFailures, formatTable, totals, type FileResult } from './summary.js'
import { DirectTarget, SlotgateTarget, type Target } from './targets.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

function say (msg: string): void {
  process.stderr.write(`[compat] ${msg}\n`)
}

function fail (msg: string, code: number): never {
  process.stderr.write(`compat: ${msg}\n`)
  process.exit(code)
}

/** The checkout's commit, with `-dirty` when the work tree has changes; `unknown` outside git. */
function commitOf (dir: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: dir, encoding: 'utf8' }).trim() !== ''
    return dirty ? `${head}-dirty` : head
  } catch (err) {
    say(`could not read the commit: ${(err as Error).message}`)
    return 'unknown'
  }
}

function logName (file: string): string {
  return `${file.replace(/\//g, '_')}.log`
}

async function runFiles (options: CompatOptions, redisSrc: string, target: Target, outDir: string): Promise<FileResult[]> {
  const results: FileResult[] = []
  for (const file of options.files) {
    say(`${file} …`)
    const run = await runTclFile(tclArgs('127.0.0.1', target.port, file, DENIED_TAGS, options.skipTests, options.durable), redisSrc, options.limitSeconds * 1000, join(outDir, logName(file)))
    const outcome = parseTclOutput(run.output)
    const repairs = await target.reset()
    const result: FileResult = { file, outcome, end: run, abortReason: abortReason(outcome, run, options.limitSeconds), repairs }
    results.push(result)
    say(`${file}: ${outcome.ok} ok, ${outcome.err} err, ${outcome.exception} exception${result.abortReason !== null ? `, aborted (${result.abortReason.split('\n')[0]})` : ''} in ${(run.durationMs / 1000).toFixed(0)} s${repairs.length > 0 ? `; repaired: ${repairs.join('; ')}` : ''}`)
  }
  return results
}

async function main (): Promise<void> {
  let options: CompatOptions
  try {
    options = parseOptions(process.argv.slice(2), process.env)
  } catch (err) {
    if (err instanceof UsageError) fail(`${err.message}\n\n${USAGE}`, 2)
    throw err
  }
  if (options.help) { process.stdout.write(USAGE); return }
  const redisSrc = process.env.REDIS_SRC
  let sourceVersion: string
  try {
    sourceVersion = redisSourceVersion(redisSrc)
  } catch (err) {
    if (err instanceof RedisSourceError) fail(err.message, 2)
    throw err
  }
  if (findExecutable('tclsh') === undefined) fail('tclsh is not on PATH (Debian: apt-get install tcl)', 2)
  const localVersion = serverVersion(ensureRedisServer())
  if (localVersion !== sourceVersion) {
    say(`WARNING: REDIS_SRC is Redis ${sourceVersion} but redis-server is ${localVersion ?? 'of unknown version'}: tests written for another version will fail for reasons that are not slotgate's`)
  }
  const mode = options.direct ? 'direct' : 'slotgate'
  const began = new Date()
  const outDir = join(options.outBase, `${began.toISOString().replace(/[:.]/g, '-')}-${mode}`)
  await mkdir(outDir, { recursive: true })
  const commit = commitOf(ROOT)
  say(`${mode} run of ${options.files.length} files from Redis ${sourceVersion} (redis-server ${localVersion ?? '?'}), slotgate ${commit}; results in ${outDir}`)
  const target = options.direct ? await DirectTarget.start(outDir, say) : await SlotgateTarget.start(outDir, say)
  let results: FileResult[]
  try {
    results = await runFiles(options, redisSrc as string, target, outDir)
  } finally {
    await target.stop()
  }
  const table = formatTable(results)
  const failures = formatFailures(results)
  const skipping = (options.durable ? ', --durable' : '') +
    (options.skipTests.length > 0 ? `, skipping ${options.skipTests.map(t => `"${t}"`).join(', ')}` : '')
  const header = `${mode} — ${began.toISOString().slice(0, 10)}, slotgate ${commit}, Redis ${sourceVersion} tests, redis-server ${localVersion ?? '?'}${skipping}`
  await writeFile(join(outDir, 'summary.md'), `${header}\n\n${table}\n\n${failures}\n`)
  await writeFile(join(outDir, 'summary.json'), JSON.stringify({
    mode,
    date: began.toISOString(),
    commit,
    redisSource: sourceVersion,
    redisServer: localVersion ?? null,
    deniedTags: DENIED_TAGS,
    fileTimeoutSeconds: options.limitSeconds,
    skipTests: options.skipTests,
    durable: options.durable,
    totals: totals(results),
    results
  }, null, 2) + '\n')
  process.stdout.write(`\n${header}\n\n${table}\n\n${failures}${failures === '' ? '' : '\n'}\nlogs and summary.json in ${outDir}\n`)
}

// Ctrl-C: leave through process.exit so the exit hooks kill the nodes, slotgate and tclsh.
process.once('SIGINT', () => process.exit(130))
process.once('SIGTERM', () => process.exit(143))

main().catch((err: Error) => {
  process.stderr.write(`compat: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
