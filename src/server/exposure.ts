/**
 * Whether the client listener is open beyond the machine (or pod) with nobody asked who they
 * are: the state to warn about at start and to export as a metric.
 */
import { isIPv4 } from 'node:net'

/** True for addresses only this host can reach: 127.0.0.0/8, ::1 (also IPv4-mapped), localhost. */
export function isLoopback (host: string): boolean {
  const h = host.toLowerCase()
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h
  return isIPv4(v4) && v4.startsWith('127.')
}

/** What decides whether clients must prove who they are. */
export interface ClientAuthState {
  /** The listener's address (`bind`). */
  bind: string
  /** requirepass or a users file is in force (live: a reload may change it). */
  passwordRequired (): boolean
  /** Clients must show a certificate (tlsClientAuth). */
  certificateRequired: boolean
}

/** True when clients beyond loopback can connect and run commands without any credential. */
export function unauthenticatedExposure (state: ClientAuthState): boolean {
  return !isLoopback(state.bind) && !state.certificateRequired && !state.passwordRequired()
}
