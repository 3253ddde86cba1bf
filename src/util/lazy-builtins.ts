import { createRequire } from 'node:module'
import type http from 'node:http'
import type tls from 'node:tls'

// Node's own modules that most deployments never use, or that an ESM import makes costly,
// loaded through require on first use. Measured on Node 24 (empty process 42 MB RSS):
// - node:tls (and OpenSSL's contexts with it) +8 MB: only a deployment with TLS needs it;
// - node:http +16 MB by ESM import, +3 MB by require: the ESM namespace of node:http reads its
//   lazy getters (WebSocket ...), which load undici, code slotgate never runs.
const load = createRequire(import.meta.url)
let tlsModule: typeof tls | null = null
let httpModule: typeof http | null = null

/** node:tls, loaded when a TLS connection or listener is first made. */
export function nodeTls (): typeof tls {
  return (tlsModule ??= load('node:tls') as typeof tls)
}

/** node:http, without the ESM namespace's lazy getters. */
export function nodeHttp (): typeof http {
  return (httpModule ??= load('node:http') as typeof http)
}
