import { clientEvents } from './client-events.js'
import type { MetricKit, Row } from './metric-kit.js'
import type { NodeCounts, NodeStats } from './node-stats.js'

/**
 * Registers the failure metrics operators alert on: per node (error replies, timeouts,
 * connect failures, lost links; nodes not in `knownNodes` are forgotten at scrape time) and
 * per client event (failed authentications, refused commands, output-limit disconnects).
 */
export function registerFaultMetrics (kit: MetricKit, nodes: NodeStats, knownNodes: () => readonly string[]): void {
  const perNode = (field: keyof NodeCounts) => function * (): Iterable<Row> {
    nodes.retain(new Set(knownNodes()))
    for (const [node, counts] of nodes.entries()) yield [{ node }, counts[field]]
  }
  kit.labelledCounter('slotgate_backend_error_replies_total', 'Error replies from cluster nodes, by node: data errors (WRONGTYPE, ...) and the cluster signals slotgate handles itself (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, LOADING).', ['node'], perNode('errorReplies'))
  kit.labelledCounter('slotgate_backend_timeouts_total', 'Connections to a node closed because it did not answer within the command\'s time (commandTimeoutMs, slowCommandTimeoutMs), by node.', ['node'], perNode('timeouts'))
  kit.labelledCounter('slotgate_backend_connect_failures_total', 'New shared connections to a node that failed before their handshake finished (refused, connectTimeoutMs, AUTH refused), by node.', ['node'], perNode('connectFailures'))
  kit.labelledCounter('slotgate_backend_links_lost_total', 'Shared connections to a node that were up and broke (the node closed it, died, or timed out), by node.', ['node'], perNode('linksLost'))

  kit.counter('slotgate_auth_failures_total', 'AUTH and HELLO ... AUTH with a wrong username or password.', () => clientEvents.authFailures)
  kit.labelledCounter('slotgate_commands_denied_total', 'Commands refused before they ran, by command and reason (policy: denyCommands; acl: the user\'s rules in usersFile; noauth: before AUTH).', ['command', 'reason'],
    () => [...clientEvents.denied.values()].map(d => [{ command: d.command, reason: d.reason }, d.count] as const))
  kit.labelledCounter('slotgate_client_output_limit_disconnects_total', 'Clients disconnected for reading their replies too slowly, by limit class (normal: clientOutputLimitBytes / clientOutputSoftLimit*; pubsub: pubsubOutputLimitBytes / pubsubOutputSoftLimit*).', ['class'],
    () => [[{ class: 'normal' }, clientEvents.outputLimitDisconnects.normal], [{ class: 'pubsub' }, clientEvents.outputLimitDisconnects.pubsub]])
}
