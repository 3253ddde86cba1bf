/**
 * What slotgate learnt at start about the cluster user it logs in as: how many commands of
 * its deny list that user may run (-1 until probed). Process-wide, like `traffic`.
 */
export const backendAccess = { deniedCommandsAllowed: -1 }
