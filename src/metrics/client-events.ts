/** Why a command was refused before it ran: the config's denyCommands, the user's ACL rules, or no AUTH yet. */
export type DenyReason = 'policy' | 'acl' | 'noauth'

/** Which output limit cut a client off (Redis' client-output-buffer-limit classes). */
export type OutputLimitClass = 'normal' | 'pubsub'

/** Told about each client event as it happens (server/event-wiring.ts wires the event log). */
export interface ClientEventListener {
  /** AUTH or HELLO ... AUTH with wrong credentials; `user` as given, never the password. */
  authFailed (user: string, client: string): void
  /** A command refused before it ran; its name only, never its arguments. */
  commandDenied (command: string, reason: DenyReason, client: string): void
  /** A client disconnected for reading its replies too slowly. */
  outputLimitDisconnect (limit: OutputLimitClass, client: string, backlogBytes: number): void
}

/** The most distinct (command, reason) pairs counted; command names come from the command table. */
const MAX_DENIED_SERIES = 3000

/**
 * Client-side events operators look for: failed authentications, refused commands, clients
 * cut off at their output limit. Counted here for the metrics and passed on to the listener
 * (the event log). Process-wide like `traffic` and `internalErrors`: they happen where the
 * session and the client's state are, which no logger is plumbed to. (Several slotgates in
 * one process, as in tests, share it; the listener is the last one started.)
 */
export class ClientEvents {
  authFailures = 0
  readonly outputLimitDisconnects: Record<OutputLimitClass, number> = { normal: 0, pubsub: 0 }
  /** Refusals by `command reason`. */
  readonly denied = new Map<string, { command: string, reason: DenyReason, count: number }>()
  listener: ClientEventListener | null = null

  /** AUTH or HELLO ... AUTH refused (`client`: the client's `host:port`). */
  authFailed (user: string, client: string): void {
    this.authFailures++
    this.listener?.authFailed(user, client)
  }

  /** A command refused before it ran, by its table name. */
  commandDenied (command: string, reason: DenyReason, client: string): void {
    // Past the cap (a command table gone wild), new names count as `other`.
    const name = this.denied.size < MAX_DENIED_SERIES || this.denied.has(`${command} ${reason}`) ? command : 'other'
    const key = `${name} ${reason}`
    const entry = this.denied.get(key)
    if (entry !== undefined) entry.count++
    else this.denied.set(key, { command: name, reason, count: 1 })
    this.listener?.commandDenied(command, reason, client)
  }

  /** A client cut off with `backlogBytes` of replies unsent. */
  outputLimitDisconnect (limit: OutputLimitClass, client: string, backlogBytes: number): void {
    this.outputLimitDisconnects[limit]++
    this.listener?.outputLimitDisconnect(limit, client, backlogBytes)
  }
}

/** The process' client events. */
export const clientEvents = new ClientEvents()
