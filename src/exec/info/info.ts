import { verbatimReply } from '../../resp/encode.js'
import type { InfoSource } from './info-source.js'
import { commandStatsFields, errorStatsFields, latencyStatsFields } from './command-sections.js'
import { formatSection, mergeSection, overlay, parseInfo, type InfoFields } from './merge-node-info.js'
import {
  CLUSTER_FIELDS, clientsFields, cpuFields, memoryFields, REPLICATION_FIELDS, serverFields, statsFields
} from './own-sections.js'
import { INFO_SECTIONS, requestedSections, type InfoSection } from './requested-sections.js'
import { sumKeyspaces } from './sum-keyspaces.js'

/** Sections whose facts live on the masters (merged), as opposed to slotgate's own. */
const FROM_MASTERS: ReadonlySet<InfoSection> = new Set<InfoSection>(['server', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'keyspace'])

const TITLES: Record<InfoSection, string> = {
  server: 'Server',
  clients: 'Clients',
  memory: 'Memory',
  persistence: 'Persistence',
  stats: 'Stats',
  replication: 'Replication',
  cpu: 'CPU',
  modules: 'Modules',
  commandstats: 'Commandstats',
  errorstats: 'Errorstats',
  latencystats: 'Latencystats',
  cluster: 'Cluster',
  keyspace: 'Keyspace'
}

/**
 * INFO as one node holding the whole cluster would answer it, with Redis 7's section
 * arguments (`INFO`, `INFO default|all|everything`, several sections, any case): what the
 * data does (memory, persistence, replication, CPU, keyspace, the keyspace's stats) merged
 * over the masters, what the clients do (clients, commands processed and their rate,
 * commandstats, errorstats, latencystats) counted by slotgate for its own clients, and
 * `cluster_enabled:1` for the one-node cluster CLUSTER describes. The masters are asked once,
 * for exactly the sections needed.
 */
export async function formatInfo (args: readonly string[], source: InfoSource, protocol: 2 | 3 = 2): Promise<Buffer> {
  const request = requestedSections(args)
  const wanted = request.sections.filter(s => FROM_MASTERS.has(s))
  const texts = wanted.length > 0 || request.everything ? await source.masterInfo(request.everything ? ['everything'] : wanted) : []
  const nodes = texts.map(parseInfo)
  const merged = (section: string): InfoFields => mergeSection(section, nodes.map(n => n.get(section) ?? []))
  const parts: string[] = []
  for (const section of request.sections) {
    if (section === 'keyspace') {
      parts.push(`# Keyspace\r\n${sumKeyspaces(texts)}`)
      continue
    }
    parts.push(formatSection(TITLES[section], sectionFields(section, merged, source)))
  }
  if (request.everything) {
    // Sections modules add to INFO everything: merged like any other.
    const known = new Set<string>(INFO_SECTIONS)
    const extra = new Set(nodes.flatMap(n => [...n.keys()]).filter(name => !known.has(name)))
    for (const name of extra) parts.push(formatSection(name, merged(name)))
  }
  return verbatimReply(protocol, parts.join('\r\n'))
}

function sectionFields (section: InfoSection, merged: (section: string) => InfoFields, source: InfoSource): InfoFields {
  switch (section) {
    case 'server': return overlay(merged('server'), serverFields(source))
    case 'clients': return clientsFields([...source.clients()], source.maxClients)
    case 'memory': return overlay(merged('memory'), memoryFields())
    case 'persistence': return merged('persistence')
    case 'stats': return overlay(merged('stats'), statsFields(source))
    case 'replication': return overlay(merged('replication'), REPLICATION_FIELDS)
    case 'cpu': return overlay(merged('cpu'), cpuFields())
    case 'modules': return merged('modules')
    case 'commandstats': return commandStatsFields(source.nodeStats)
    case 'errorstats': return errorStatsFields(source.nodeStats)
    case 'latencystats': return latencyStatsFields(source.nodeStats)
    case 'cluster': return CLUSTER_FIELDS
    case 'keyspace': return []
  }
}
