/**
 * INFO's sections in the order a Redis 7 node writes them (server.c, genRedisInfoString).
 * `modules` is the module list (`module_list` among the defaults).
 */
export const INFO_SECTIONS = [
  'server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules',
  'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace'
] as const

/** One of {@link INFO_SECTIONS}. */
export type InfoSection = typeof INFO_SECTIONS[number]

/** What `INFO` with no argument, or with `default`, shows (Redis 7: all but the per-command ones). */
const DEFAULT_SECTIONS: ReadonlySet<InfoSection> = new Set<InfoSection>([
  'server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace'
])

/** The sections one INFO call asks for, and whether module-defined sections are wanted too. */
export interface InfoRequest {
  /** In output order, each once. */
  readonly sections: readonly InfoSection[]
  /** `everything`: modules' own sections follow (slotgate passes on what the masters report). */
  readonly everything: boolean
}

/**
 * Redis 7's reading of INFO's arguments (server.c, genInfoSectionDict): none means the
 * defaults; `default`, `all` (every section but modules' own) and `everything` may be mixed
 * with section names; names are matched in any case; unknown names add nothing; each section
 * is written once, in the node's order, whatever the order asked.
 */
export function requestedSections (args: readonly string[]): InfoRequest {
  if (args.length === 0) return { sections: INFO_SECTIONS.filter(s => DEFAULT_SECTIONS.has(s)), everything: false }
  const wanted = new Set<string>()
  let all = false
  let everything = false
  for (const raw of args) {
    const name = raw.toLowerCase()
    if (name === 'default') for (const s of DEFAULT_SECTIONS) wanted.add(s)
    else if (name === 'all') all = true
    else if (name === 'everything') { all = true; everything = true } else wanted.add(name === 'module_list' ? 'modules' : name)
  }
  return { sections: INFO_SECTIONS.filter(s => all || wanted.has(s)), everything }
}
