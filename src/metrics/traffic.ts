/**
 * Bytes through slotgate: plain fields bumped on the I/O paths (one addition per socket read
 * or write batch), read by the metrics module at scrape time.
 */
export class TrafficCounters {
  /** Read from client sockets. */
  clientReceivedBytes = 0
  /** Written to client sockets. */
  clientSentBytes = 0
  /** Read from cluster nodes (replies). */
  backendReceivedBytes = 0
  /** Written to cluster nodes (requests). */
  backendSentBytes = 0
}

/**
 * The process' counters. Per process like `tickBatcher`: sockets belong to one event loop,
 * and a process-wide object keeps the hooks to one line each, with no plumbing through
 * link options. (Several slotgates in one process, as in tests, share it.)
 */
export const traffic = new TrafficCounters()
