/** One node's failure counts. */
export interface NodeCounts {
  /** Error replies (`-`, RESP3 `!`): data errors and the cluster signals slotgate handles (MOVED, ASK, TRYAGAIN, ...). */
  errorReplies: number
  /** Links closed because the node did not answer in time. */
  timeouts: number
  /** New shared links that failed before their handshake finished. */
  connectFailures: number
  /** Shared links that had come up and broke. */
  linksLost: number
}

/**
 * Failure counts per cluster node, fed by the link pool's observer (wired in
 * server/event-wiring.ts) and by the dispatcher's replies (BackendStats). Nodes that left the
 * cluster are forgotten at scrape time, so the `node` label stays bounded.
 */
export class NodeStats {
  private readonly byNode = new Map<string, NodeCounts>()

  /** The counts of `node`, created at first use. */
  of (node: string): NodeCounts {
    let c = this.byNode.get(node)
    if (c === undefined) {
      c = { errorReplies: 0, timeouts: 0, connectFailures: 0, linksLost: 0 }
      this.byNode.set(node, c)
    }
    return c
  }

  /** A shared link to `node` that was up broke. */
  linkLost (node: string): void { this.of(node).linksLost++ }
  /** A new shared link to `node` failed before its handshake finished. */
  connectFailed (node: string): void { this.of(node).connectFailures++ }
  /** A link to `node` was closed for silence. */
  linkTimedOut (node: string): void { this.of(node).timeouts++ }

  /** Drops nodes not in `known`. */
  retain (known: ReadonlySet<string>): void {
    for (const node of this.byNode.keys()) if (!known.has(node)) this.byNode.delete(node)
  }

  /** Every node's counts. */
  entries (): Iterable<[string, NodeCounts]> {
    return this.byNode.entries()
  }
}
