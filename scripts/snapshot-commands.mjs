#!/usr/bin/env node
// Regenerates src/commands/command-snapshot.json, the command table slotgate falls back to
// when the cluster can't be asked, from a running redis-server:
//   node scripts/snapshot-commands.mjs PORT [HOST]
// It writes the normalized form of src/commands/command-spec.ts (CommandSnapshot): the
// same shape normalizeCommandReply() produces, which test/unit/command-table.test.ts
// checks against a live server. One command per line, sorted, so diffs stay readable.
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Redis from 'ioredis'

const FORMAT = 'slotgate-command-snapshot/1'
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'commands', 'command-snapshot.json')

const port = Number(process.argv[2])
const host = process.argv[3] ?? '127.0.0.1'
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: node scripts/snapshot-commands.mjs PORT [HOST]\n')
  process.exit(2)
}

const redis = new Redis(port, host, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null })
try {
  await redis.connect()
  const reply = await redis.call('COMMAND')
  const info = String(await redis.call('INFO', 'server'))
  const version = /^redis_version:(\S+)/m.exec(info)?.[1] ?? 'unknown'
  if (reply.some(e => e.length < 10)) throw new Error(`redis ${version} sends no key specs: take the snapshot from Redis 7 or newer`)
  const commands = reply.map(normalize).sort(byName)
  writeFileSync(out, render(version, commands))
  process.stderr.write(`wrote ${commands.length} commands from redis ${version} to ${out}\n`)
} finally {
  redis.disconnect()
}

function byName (a, b) {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

// Mirrors normalizeEntry() in src/commands/normalize-command-reply.ts for the shape
// ioredis returns (strings, numbers, maps as flat arrays).
function normalize (e) {
  const tips = e[7] ?? []
  const specs = (e[8] ?? []).map(keySpec)
  const subcommands = (e[9] ?? []).map(normalize).sort(byName)
  return {
    name: String(e[0]).toLowerCase(),
    arity: e[1],
    flags: e[2].map(f => String(f).toLowerCase()),
    keys: [e[3], e[4], e[5]],
    acl: (e[6] ?? []).map(c => String(c).replace(/^@/, '')),
    ...(tips.length > 0 ? { tips } : {}),
    ...(specs.length > 0 ? { specs } : {}),
    ...(subcommands.length > 0 ? { subcommands } : {})
  }
}

function fields (flat) {
  const m = new Map()
  for (let i = 0; i < flat.length; i += 2) m.set(String(flat[i]), flat[i + 1])
  return m
}

function keySpec (raw) {
  const f = fields(raw)
  const bs = fields(f.get('begin_search'))
  const bsSpec = fields(bs.get('spec') ?? [])
  const fk = fields(f.get('find_keys'))
  const fkSpec = fields(fk.get('spec') ?? [])
  return {
    flags: f.get('flags') ?? [],
    bs: bs.get('type') === 'index'
      ? ['index', bsSpec.get('index')]
      : bs.get('type') === 'keyword'
        ? ['keyword', String(bsSpec.get('keyword')).toUpperCase(), bsSpec.get('startfrom')]
        : ['unknown'],
    fk: fk.get('type') === 'range'
      ? ['range', fkSpec.get('lastkey'), fkSpec.get('keystep'), fkSpec.get('limit')]
      : fk.get('type') === 'keynum'
        ? ['keynum', fkSpec.get('keynumidx'), fkSpec.get('firstkey'), fkSpec.get('keystep')]
        : ['unknown']
  }
}

function render (version, commands) {
  const lines = commands.map(c => {
    if (c.subcommands === undefined) return '  ' + JSON.stringify(c)
    const { subcommands, ...head } = c
    const subs = subcommands.map(s => '    ' + JSON.stringify(s)).join(',\n')
    return '  ' + JSON.stringify(head).slice(0, -1) + ',"subcommands":[\n' + subs + '\n  ]}'
  })
  return `{"format":${JSON.stringify(FORMAT)},"redisVersion":${JSON.stringify(version)},"commands":[\n${lines.join(',\n')}\n]}\n`
}
