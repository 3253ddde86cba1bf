/**
 * Which `SLOTGATE_*` environment variables slotgate reads, and what it says about the others.
 *
 * A mistyped variable (`SLOTGATE_READ_POLICEY=replica`) would otherwise leave its option at the
 * default without a word, so every `SLOTGATE_*` name must be an option's variable or
 * `SLOTGATE_CONFIG`. The exception is what Kubernetes injects by itself: for every Service of
 * the namespace, service-link variables named after it, so a Service called `slotgate` gives a
 * pod `SLOTGATE_SERVICE_HOST`, `SLOTGATE_PORT=tcp://10.0.0.7:6379`, `SLOTGATE_PORT_6379_TCP_ADDR`
 * and so on (and `slotgate-metrics` gives `SLOTGATE_METRICS_PORT=tcp://...`, an option's very
 * name). Those shapes are recognised and left out, whatever Service they come from; the chart
 * also turns them off (`enableServiceLinks: false`).
 */
import { closest } from './suggest.js'

const PREFIX = 'SLOTGATE_'

// <SVC>_SERVICE_HOST, <SVC>_SERVICE_PORT, <SVC>_SERVICE_PORT_<PORT_NAME>
const SERVICE_VAR = /^SLOTGATE(?:_[A-Z0-9_]+)?_SERVICE_(?:HOST|PORT(?:_[A-Z0-9_]+)?)$/
// <SVC>_PORT_<n>_<PROTO>, and its _PROTO, _PORT and _ADDR variants
const PORT_DETAIL_VAR = /^SLOTGATE(?:_[A-Z0-9_]+)?_PORT_\d+_(?:TCP|UDP|SCTP)(?:_(?:PROTO|PORT|ADDR))?$/
// <SVC>_PORT=tcp://10.0.0.7:6379 (Docker links' format, which Kubernetes copies)
const PORT_VAR = /^SLOTGATE(?:_[A-Z0-9_]+)?_PORT$/
const PORT_URL = /^(?:tcp|udp|sctp):\/\/\S+:\d+$/

/** True when `name=value` is a variable Kubernetes injects for a Service (a service link). */
export function isServiceLink (name: string, value: string | undefined): boolean {
  if (SERVICE_VAR.test(name) || PORT_DETAIL_VAR.test(name)) return true
  return PORT_VAR.test(name) && value !== undefined && PORT_URL.test(value.trim())
}

/** What {@link checkEnv} found. */
export interface EnvCheck {
  /** `env` without the service-link variables: what the options are read from. */
  env: NodeJS.ProcessEnv
  /** Names of the service-link variables left out, for a log line. */
  ignored: string[]
  /** One message per unknown `SLOTGATE_*` variable (its value is never shown: it may be a secret). */
  problems: string[]
}

/**
 * Sorts the `SLOTGATE_*` variables of `env`: an option's (`known`), service links (ignored),
 * anything else (a problem, with the nearest known name when one is close).
 */
export function checkEnv (env: NodeJS.ProcessEnv, known: readonly string[]): EnvCheck {
  const knownSet = new Set(known)
  const names = known.map(name => name.slice(PREFIX.length))
  const out: NodeJS.ProcessEnv = {}
  const ignored: string[] = []
  const problems: string[] = []
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(PREFIX) || (knownSet.has(name) && !isServiceLink(name, value))) {
      out[name] = value
    } else if (isServiceLink(name, value)) {
      ignored.push(name)
    } else {
      const near = closest(name.slice(PREFIX.length), names)
      problems.push(`unknown environment variable ${name}${near !== undefined ? ` (did you mean ${PREFIX}${near}?)` : ''}`)
    }
  }
  return { env: out, ignored: ignored.sort(), problems: problems.sort() }
}
