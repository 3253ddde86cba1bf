/**
 * The redis.conf lines every node of a local cluster shares (RedisProcess adds port, bind, dir
 * and logfile). `extraConfig` comes last, so its lines win.
 */
export function nodeConfig (nodeTimeoutMs: number, extraConfig: readonly string[] = []): string[] {
  return [
    'protected-mode no',
    'daemonize no',
    'cluster-enabled yes',
    // Relative to `dir`, which is the node's own directory: restart() finds the same node id.
    'cluster-config-file nodes.conf',
    `cluster-node-timeout ${nodeTimeoutMs}`,
    'cluster-require-full-coverage yes',
    // Keeps the topology predictable in tests: no replica wanders off to an orphaned master.
    'cluster-allow-replica-migration no',
    'appendonly no',
    'save ""',
    // Redis 7.0 defaults to diskless full syncs delayed 5 s in case more replicas join; a
    // replica would report master_link_status:up only after that wait.
    'repl-diskless-sync yes',
    'repl-diskless-sync-delay 0',
    ...extraConfig
  ]
}
