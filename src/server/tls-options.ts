import { readFileSync } from 'node:fs'
import type { ConnectionOptions, TlsOptions } from 'node:tls'
import type { SlotgateConfig } from '../config/schema.js'
import { clientTlsFiles } from './reload-targets.js'

/** Client-facing TLS options from the config files, or undefined for plain TCP. */
export function clientTls (config: SlotgateConfig): TlsOptions | undefined {
  const files = clientTlsFiles(config)
  if (files === null) return undefined
  return {
    ...files,
    requestCert: config.tlsClientAuth,
    rejectUnauthorized: config.tlsClientAuth
  }
}

/** TLS options towards the cluster's nodes, or undefined for plain TCP. */
export function clusterTls (config: SlotgateConfig): ConnectionOptions | undefined {
  if (!config.clusterTls) return undefined
  return {
    ca: config.clusterTlsCaFile !== '' ? readFileSync(config.clusterTlsCaFile) : undefined,
    cert: config.clusterTlsCertFile !== '' ? readFileSync(config.clusterTlsCertFile) : undefined,
    key: config.clusterTlsKeyFile !== '' ? readFileSync(config.clusterTlsKeyFile) : undefined,
    servername: config.clusterTlsServername !== '' ? config.clusterTlsServername : undefined
  }
}
