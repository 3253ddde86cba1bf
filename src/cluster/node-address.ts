/** A node is identified by the string `host:port` (IPv6 hosts unbracketed, split at the last colon). */
export type NodeAddress = string

/** Splits `host:port` at the last colon. Returns null when it is not a valid address. */
export function parseNodeAddress (address: string): { host: string; port: number } | null {
  const colon = address.lastIndexOf(':')
  if (colon <= 0) return null
  const port = Number(address.slice(colon + 1))
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return null
  let host = address.slice(0, colon)
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  return { host, port }
}
