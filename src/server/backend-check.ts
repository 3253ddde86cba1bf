import type { Logger } from 'pino'
import { deniedCommandsBackendMayRun } from '../cluster/backend-permissions.js'
import type { ControlPlane } from '../cluster/control-plane.js'
import type { CommandPolicy } from '../commands/command-policy.js'
import { backendAccess } from '../metrics/backend-access.js'

/**
 * Warns (and counts) when the cluster user slotgate logs in as could run commands its deny list
 * refuses to clients: a script could, so the deny list would not hold (docs/security.md).
 */
export async function checkBackendUser (control: ControlPlane, node: string, policy: CommandPolicy, logger: Logger): Promise<void> {
  const allowed = await deniedCommandsBackendMayRun(control, node, policy.rules)
  backendAccess.deniedCommandsAllowed = allowed === null ? -1 : allowed.length
  if (allowed !== null && allowed.length > 0) {
    logger.warn({ event: 'backend_user_too_powerful', commands: allowed },
      'the cluster user slotgate logs in as may run commands the deny list refuses to clients (a script could run them): give it the least-privilege ACL of docs/security.md')
  }
}
