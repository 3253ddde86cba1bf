import { LatencyBuckets } from './latency-buckets.js'
import type { NodeStats } from './node-stats.js'
import type { BackendObserver } from './observers.js'

/**
 * Reply latency per cluster node, from write to reply, for every attempt (a MOVED reply is
 * an answer from that node too), and error replies per node (into `nodes`). Nodes that left the cluster are forgotten at scrape time,
 * so the `node` label stays bounded by the cluster's size.
 */
export class BackendStats implements BackendObserver {
  private readonly byNode = new Map<string, LatencyBuckets>()

  constructor (private readonly nodes: NodeStats) {}

  /** @internal BackendObserver */
  backendReply (node: string, sentAt: number, receivedAt: number, reply: Buffer): void {
    if (reply[0] === 0x2d || reply[0] === 0x21) this.nodes.of(node).errorReplies++
    let buckets = this.byNode.get(node)
    if (buckets === undefined) {
      buckets = new LatencyBuckets()
      this.byNode.set(node, buckets)
    }
    buckets.observeMs(receivedAt - sentAt)
  }

  /** Drops nodes not in `known`. */
  retain (known: ReadonlySet<string>): void {
    for (const node of this.byNode.keys()) if (!known.has(node)) this.byNode.delete(node)
  }

  /** Every node's latencies. */
  entries (): Iterable<[string, LatencyBuckets]> {
    return this.byNode.entries()
  }
}
