import { readElements } from '../resp/decode-reply.js'

/**
 * CONFIG GET parameters that carry secrets of the cluster's: their values (and names) are
 * never shown to slotgate's clients, who could otherwise read the nodes' passwords and go
 * around slotgate. Redis 7.0's secret-bearing parameters.
 */
export const SECRET_CONFIG_PARAMETERS: ReadonlySet<string> = new Set([
  'requirepass', 'masterauth', 'masteruser', 'tls-key-file-pass', 'tls-client-key-file-pass'
])

/**
 * A node's CONFIG GET reply without the secret parameters: the RESP2 flat array of
 * name/value pairs or the RESP3 map, with the pairs whose name is secret left out (patterns
 * such as `*` included); any other reply (an error) as it is.
 */
export function filterConfigGet (reply: Buffer): Buffer {
  const map = reply[0] === 0x25
  if (!map && reply[0] !== 0x2a) return reply
  const flat = readElements(reply)
  if (flat === null || flat.length % 2 !== 0) return reply
  const kept: Buffer[] = []
  for (let i = 0; i < flat.length; i += 2) {
    if (!SECRET_CONFIG_PARAMETERS.has(nameOf(flat[i]))) kept.push(flat[i], flat[i + 1])
  }
  if (kept.length === flat.length) return reply
  return Buffer.concat([Buffer.from(map ? `%${kept.length / 2}\r\n` : `*${kept.length}\r\n`), ...kept])
}

function nameOf (element: Buffer): string {
  const headerEnd = element.indexOf(0x0d)
  return element.toString('latin1', element[0] === 0x24 ? headerEnd + 2 : 1, element.length - 2).toLowerCase()
}
