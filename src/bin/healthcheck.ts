#!/usr/bin/env node
import net from 'node:net'
import { loadConfig } from '../config/load-config.js'

/**
 * The container's HEALTHCHECK: exit 0 when slotgate serves. Reads the same SLOTGATE_* env as
 * slotgate itself, so it follows a moved port; asks GET /healthz, or, with the HTTP
 * endpoints disabled, opens a TCP connection to the RESP port. Node only: no curl in the image.
 */
async function check (): Promise<void> {
  const { config } = loadConfig([], process.env, { requireSeeds: false })
  const wildcard = (host: string): string => host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  if (config.metricsEnabled) {
    const host = wildcard(config.metricsBind)
    const res = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${config.metricsPort}/healthz`, { signal: AbortSignal.timeout(2000) })
    if (!res.ok) throw new Error(`/healthz answered ${res.status}`)
    return
  }
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(config.port, wildcard(config.bind), () => { socket.destroy(); resolve() })
    socket.setTimeout(2000, () => { socket.destroy(new Error('connect timeout')) })
    socket.on('error', reject)
  })
}

check().then(() => { process.exit(0) }, (err: Error) => {
  process.stderr.write(`slotgate unhealthy: ${err.message}\n`)
  process.exit(1)
})
