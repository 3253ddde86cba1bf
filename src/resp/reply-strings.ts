/**
 * Every error string slotgate itself sends to clients, in one place (the Envoy redis proxy's
 * lesson): wording is reviewed here, and tests import the same constants.
 * Redis' own errors (passed through from nodes) are not here.
 */
export const ReplyStrings = {
  protocolError: (detail: string) => `ERR Protocol error: ${detail}`,
  unknownCommand: (name: string, args: readonly Buffer[]) =>
    `ERR unknown command '${printable(cString(name).slice(0, 128))}', with args beginning with: ${argsPreview(args)}`,
  unknownSubcommand: (sub: string, cmd: string) =>
    `ERR unknown subcommand '${printable(sub)}'. Try ${cmd.toUpperCase()} HELP.`,
  subcommandSyntax: (sub: string, cmd: string) =>
    `ERR unknown subcommand or wrong number of arguments for '${printable(sub)}'. Try ${cmd.toUpperCase()} HELP.`,
  wrongArity: (name: string) => `ERR wrong number of arguments for '${printable(name)}' command`,
  crossSlot: 'CROSSSLOT Keys in request don\'t hash to the same slot',
  selectNotAllowed: 'ERR SELECT is not allowed in cluster mode',
  noProto: 'NOPROTO unsupported protocol version',
  protocolVersionNotInteger: 'ERR Protocol version is not an integer or out of range',
  helloSyntax: (option: string) => `ERR Syntax error in HELLO option '${printable(option)}'`,
  unknownClientType: (type: string) => `ERR Unknown client type '${printable(type)}'`,
  notSupported: (name: string) => `ERR command '${printable(name)}' is not supported by slotgate yet`,
  syntaxError: 'ERR syntax error',
  invalidCursor: 'ERR invalid cursor',
  cursorTooLarge: 'ERR slotgate: a node\'s SCAN cursor is too large to carry in a cluster-wide cursor; SCAN again from 0',
  negativeTimeout: 'ERR timeout is negative',
  waitFailed: (detail: string) => `ERR slotgate: WAIT could not read the masters' replication offsets (${printable(detail)})`,
  notInteger: 'ERR value is not an integer or out of range',
  // A command's own syntax errors, worded as redis-server 7.0.15 words them (see check-shape.ts).
  numKeysNegative: 'ERR Number of keys can\'t be negative',
  numKeysTooMany: 'ERR Number of keys can\'t be greater than number of args',
  numKeysNotPositive: 'ERR numkeys should be greater than 0',
  needOneInputKey: (name: string) => `ERR at least 1 input key is needed for '${printable(name)}' command`,
  countNotPositive: 'ERR count should be greater than 0',
  limitNegative: 'ERR LIMIT can\'t be negative',
  noScript: 'NOSCRIPT No matching script. Please use EVAL.',
  timeoutNotInteger: 'ERR timeout is not an integer or out of range',
  timeoutNegative: 'ERR timeout is negative',
  xreadUnbalanced: 'ERR Unbalanced XREAD list of streams: for each stream key an ID or \'$\' must be specified.',
  xreadGroupOnly: 'ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.',
  xreadNoAckOnly: 'ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.',
  xreadGroupMissing: 'ERR Missing GROUP option for XREADGROUP',
  migrateKeysNeedEmptyKey: 'ERR When using MIGRATE KEYS option, the key argument must be set to the empty string',
  invalidClientName: 'ERR Client names cannot contain spaces, newlines or special characters.',
  noNodeForSlot: (slot: number) => `CLUSTERDOWN Hash slot not served (slotgate: no reachable node for slot ${slot})`,
  tooManyRedirects: (slot: number, max: number) => `ERR slotgate: too many redirects (${max}) for slot ${slot}`,
  deadlineExceeded: (slot: number) => `CLUSTERDOWN The cluster is down (slotgate: no node for slot ${slot} within the failover deadline)`,
  outcomeUnknown: (node: string, reason: string) => `ERR slotgate: connection to ${node} lost after the command was sent (${reason}); its outcome is unknown`,
  notReady: 'CLUSTERDOWN slotgate has no cluster topology yet',
  notSent: (node: string, reason: string) => `ERR slotgate: connection to ${node} lost before the command was sent (${reason}); it was not executed`,
  multiNested: 'ERR MULTI calls can not be nested',
  execWithoutMulti: 'ERR EXEC without MULTI',
  discardWithoutMulti: 'ERR DISCARD without MULTI',
  watchInsideMulti: 'ERR WATCH inside MULTI is not allowed',
  notAllowedInMulti: 'ERR Command not allowed inside a transaction',
  stateChangeInMulti: (name: string) => `ERR slotgate: '${printable(name.replace('|', ' ').toUpperCase())}' is not allowed inside MULTI: it would change the state of a cluster connection other clients share; send it outside the transaction`,
  keyspaceCommandInMulti: (name: string) => `ERR slotgate: '${printable(name.replace('|', ' ').toUpperCase())}' is not allowed inside MULTI: a transaction runs on one master, and this command is about every master's keys`,
  execAbort: 'EXECABORT Transaction discarded because of previous errors.',
  execAbortBecause: (error: string) => `EXECABORT Transaction discarded because of: ${printable(error)}`,
  tooManyDedicated: (cap: 'total' | 'per-client', max: number) => cap === 'total'
    ? `ERR slotgate: too many dedicated connections to the cluster (maxDedicatedLinks=${max}: WATCH, Pub/Sub and blocking commands of all clients); try again later`
    : `ERR slotgate: this client holds too many dedicated connections to the cluster (maxDedicatedLinksPerClient=${max}); try again later`,
  subscribedContext: (name: string) => `ERR Can't execute '${printable(name)}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
  trackingUnsupported: 'ERR slotgate does not support CLIENT TRACKING (client-side caching): invalidations from many nodes cannot be tied to one proxied connection reliably',
  noSuchClient: 'ERR No such client',
  invalidClientAttr: (attr: string) => `ERR ${printable(attr)} cannot contain spaces, newlines or special characters.`,
  unrecognizedOption: (option: string) => `ERR Unrecognized option '${printable(option)}'`,
  noTouchUnsupported: 'ERR slotgate does not support CLIENT NO-TOUCH: a key\'s last access time is kept by the node, and the shared connections slotgate reads it on serve every client',
  partFailed: (error: string, node: string, parts: number) => `${printable(error)} (slotgate: in the part for ${node}, ${parts} parts)`,
  unexpectedPartReply: (node: string, head: string) => `ERR slotgate: unexpected reply from ${node}: ${printable(head)}`,
  unknownNode: (id: string) => `ERR Unknown node ${printable(id)}`,
  unblocked: 'UNBLOCKED client unblocked via CLIENT UNBLOCK',
  killFailed: (kind: string, detail: string) => `ERR slotgate: ${kind} KILL reached no master (${printable(detail)})`,
  unblockReason: 'ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR',
  noAuth: 'NOAUTH Authentication required.',
  helloNoAuth: 'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
  wrongPass: 'WRONGPASS invalid username-password pair or user is disabled.',
  authNotConfigured: 'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  noPermCommand: (name: string) => `NOPERM this user has no permissions to run the '${printable(name)}' command`,
  noPermKey: 'NOPERM this user has no permissions to access one of the keys used as arguments',
  noPermScripts: (user: string) => `NOPERM slotgate: user '${printable(user)}' may not run scripts: a script runs with the proxy's cluster credentials, beyond this user's command and key rules (an operator can allow it with "allowScripts": true in the user's entry)`,
  noReplica: (slot: number) => `ERR slotgate: no healthy replica serves slot ${slot} (readPolicy replica)`,
  denied: (name: string, rule: string) => `ERR slotgate: '${printable(name.toUpperCase())}' is denied by the proxy's command policy (rule '${printable(rule)}' in denyCommands)`,
  maxClients: 'ERR max number of clients reached',
  internalError: (name: string) => `ERR slotgate: internal error while handling '${printable(name)}' (SLOTGATE_ERR_INTERNAL); the command failed alone, see the proxy's log`
} as const

/**
 * Redis' preview of a rejected command's arguments (server.c, processCommand): `'arg' ` each,
 * while the text is under 128 characters, the last one cut to fit; C strings end at NUL.
 */
function argsPreview (args: readonly Buffer[]): string {
  let out = ''
  for (let i = 0; i < args.length && out.length < 128; i++) {
    out += `'${cString(args[i].toString('latin1')).slice(0, 128 - out.length)}' `
  }
  return printable(out)
}

function cString (s: string): string {
  const nul = s.indexOf('\0')
  return nul === -1 ? s : s.slice(0, nul)
}

/** Keeps client-supplied text from breaking our one-line error frame. */
function printable (s: string): string {
  return s.replace(/[\r\n]/g, ' ')
}
