import type { ControlPlane } from './control-plane.js'
import type { NodeAddress } from './node-address.js'

/**
 * Probes for commands of slotgate's deny list, each shaped so a node refuses it for its
 * arguments after the ACL check passed (so it never runs): an answer other than NOPERM means
 * the backend user could run the command — through a script, for one, which a deny list in
 * front of the cluster cannot see.
 */
const PROBES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['config|set', ['CONFIG', 'SET', 'slotgate-permission-probe', 'x']],
  ['cluster|setslot', ['CLUSTER', 'SETSLOT', '99999', 'STABLE']],
  ['acl|setuser', ['ACL', 'SETUSER', 'slotgate-probe', 'notarule']],
  ['replicaof', ['REPLICAOF', 'no-such-host', 'not-a-port']],
  ['client|pause', ['CLIENT', 'PAUSE', 'not-a-number']]
]

/**
 * The denied commands (of `denied`, the effective deny list) the cluster user slotgate logs in
 * as could run: the least-privilege user of docs/security.md can run none. Asked once at start
 * on one master; null when the probes could not be made.
 */
export async function deniedCommandsBackendMayRun (control: ControlPlane, node: NodeAddress, denied: ReadonlySet<string>): Promise<string[] | null> {
  const allowed: string[] = []
  try {
    for (const [name, args] of PROBES) {
      if (!denied.has(name) && !denied.has(name.split('|')[0])) continue
      const answer = await control.call(node, args[0], ...args.slice(1)).then(() => 'ok', (err: Error) => err.message)
      if (!answer.startsWith('NOPERM')) allowed.push(name)
    }
  } catch {
    return null
  }
  return allowed
}
