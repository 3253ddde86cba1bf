import { BackendRequest, ReadFrom } from '../cluster/backend-request.js'
import { isReadOnly } from '../commands/command-spec.js'
import type { RoutePlan } from '../commands/router.js'
import { isSlowCommand } from '../commands/slow-commands.js'
import { splitBySlot } from '../commands/split-command.js'
import { arrayReply, bulkReply, errorReply } from '../resp/encode.js'
import { ReplyStrings } from '../resp/reply-strings.js'
import { BlockingRequest } from './blocking.js'
import { ConfigGetRequest } from './config-get.js'
import { CrossSlotPop } from './cross-slot-pop.js'
import { runClientCommand } from './client-commands.js'
import type { ClientState } from './client-state.js'
import { runConnectionCommand } from './connection-commands.js'
import { FanOutRequest } from './fan-out.js'
import { internalFailure } from './internal-failure.js'
import { runLocalCommand } from './local-commands.js'
import { LocalReply } from './queue-entry.js'
import { ScanRequest } from './scan.js'
import { ScriptRequest } from './script.js'
import { anyMaster } from './targets.js'
import { queueInTransaction } from './transaction-rules.js'

/**
 * Runs one client command's plan: the only place that turns a plan into work (Envoy's
 * command splitter: one handler per plan shape). Each handler reaches the cluster through
 * `client.ctx` and delivers into `client.sink`, the client's reply queue, exactly one entry
 * per command (none after CLIENT REPLY OFF). `wire` is the request's bytes as received, when
 * whole, so a single-node command is forwarded without re-encoding.
 */
export function execute (plan: RoutePlan, args: Buffer[], wire: Buffer | null, client: ClientState): void {
  const { ctx, sink } = client
  if (client.transaction.active && queueInTransaction(plan, args, client)) return
  if (client.protocol === 2 && client.subscriptions.count > 0 && !allowedWhileSubscribed(plan, args, client)) return
  if (plan.kind === 'broadcast' && plan.spec.name === 'script|load') ctx.scripts.remember(args[2])
  // After a flush EVALSHA answers NOSCRIPT, as on a node: nothing left to heal with.
  else if (plan.kind === 'broadcast' && plan.spec.name === 'script|flush') ctx.scripts.clear()
  switch (plan.kind) {
    case 'script':
      runScript(plan.spec.name, plan.slot, plan.readOnly, args, client)
      return
    case 'single': {
      const req = new BackendRequest(args, plan.slot, plan.readOnly, sink)
      req.protocol = client.protocol
      req.wire = wire
      if (isSlowCommand(plan.spec)) req.runsLong(ctx.slowCommandTimeoutMs)
      if (plan.readOnly) req.readFrom = readFrom(client)
      else client.writtenSlots.add(plan.slot)
      sink.push(req)
      ctx.dispatcher.send(req)
      return
    }
    case 'any-node': {
      const target = anyMaster(client)
      if (plan.spec.name === 'config|get' && target !== null) {
        const get = new ConfigGetRequest(client, args, target)
        sink.push(get)
        get.start()
        return
      }
      const req = new BackendRequest(plan.forward ?? args, -1, plan.readOnly, sink, target)
      req.protocol = client.protocol
      if (isSlowCommand(plan.spec)) req.runsLong(ctx.slowCommandTimeoutMs)
      if (!plan.readOnly && target !== null) client.writtenNodes.add(target)
      sink.push(req)
      if (target === null) { req.reply = errorReply(ReplyStrings.notReady); sink.onRequestDone(req) } else ctx.dispatcher.send(req)
      return
    }
    case 'local': {
      const out = runLocalCommand(plan.name, args, client, ctx.info)
      if (out instanceof Promise) {
        const entry = new LocalReply(null)
        sink.push(entry)
        out.then(reply => { entry.reply = reply; sink.onRequestDone(entry) },
          (err: unknown) => { entry.reply = internalFailure('local', plan.name, err); sink.onRequestDone(entry) })
      } else {
        sink.push(new LocalReply(out))
      }
      return
    }
    case 'split': {
      const parts = splitBySlot(args, plan.keys, plan.slots, plan.spec.name === 'mset')
      if (!plan.readOnly) for (const s of plan.slots) client.writtenSlots.add(s)
      const fan = new FanOutRequest(sink, plan.merge, parts,
        plan.readOnly, client.protocol, plan.keys.length, plan.readOnly ? readFrom(client) : ReadFrom.master)
      sink.push(fan)
      fan.start(ctx.dispatcher)
      return
    }
    case 'broadcast': {
      const nodes = plan.allNodes ? ctx.topology.nodes() : ctx.topology.masters()
      if (nodes.length === 0) { sink.push(new LocalReply(errorReply(ReplyStrings.notReady))); return }
      if (!plan.readOnly) for (const n of nodes) client.writtenNodes.add(n)
      const fan = new FanOutRequest(sink, plan.merge, nodes.map(node => ({ args, slot: -1, node })), plan.readOnly, client.protocol)
      if (isSlowCommand(plan.spec)) fan.runsLong(ctx.slowCommandTimeoutMs)
      sink.push(fan)
      fan.start(ctx.dispatcher)
      return
    }
    case 'scan': {
      const scan = new ScanRequest(client, args)
      sink.push(scan)
      scan.start()
      return
    }
    case 'cross-pop': {
      const pop = new CrossSlotPop(client, args, plan.keys, plan.slots)
      if (!isReadOnly(plan.spec)) for (const s of plan.slots) client.writtenSlots.add(s)
      sink.push(pop)
      pop.start()
      return
    }
    case 'blocking': {
      const b = new BlockingRequest(client, args, plan.slot, isReadOnly(plan.spec))
      if (!isReadOnly(plan.spec)) client.writtenSlots.add(plan.slot)
      client.blocked.add(b)
      sink.push(b)
      b.start()
      return
    }
    case 'session':
      if (plan.name.startsWith('client|') && plan.name !== 'client|reply') {
        sink.push(new LocalReply(runClientCommand(plan.name, args, client.view, () => ctx.clients())))
      } else {
        runConnectionCommand(plan.name, args, plan.slot, client)
      }
      return
    case 'reject':
      sink.push(new LocalReply(errorReply(plan.error)))
  }
}

/**
 * True when a command must not start before the client's earlier commands are answered: it
 * travels on another connection than the client's shared one (a blocking command, a WATCH and
 * the EXEC it guards) or is about their effects (WAIT), so starting it early could let it
 * overtake them on the node (`SET k; WATCH k` would watch before the client's own write).
 */
export function needsFence (plan: RoutePlan, client: ClientState): boolean {
  if (client.transaction.active) return plan.kind === 'session' && plan.name === 'exec' && client.transaction.watching
  if (plan.kind === 'blocking' || plan.kind === 'cross-pop') return true
  return plan.kind === 'session' && (plan.name === 'watch' || plan.name === 'wait' || (plan.name === 'exec' && client.transaction.watching))
}

/**
 * EVAL/EVALSHA/FCALL: by their keys' slot, or keyless on the client's master (ScriptRequest:
 * NOSCRIPT healed, a keyless call tried on the master serving its keys, the busy watch); each
 * runs as long as it runs (a slow command's reply time). EVAL's body is remembered for healing.
 */
function runScript (name: string, slot: number, readOnly: boolean, args: Buffer[], client: ClientState): void {
  const { ctx, sink } = client
  const target = slot >= 0 ? null : anyMaster(client)
  if (slot < 0 && target === null) { sink.push(new LocalReply(errorReply(ReplyStrings.notReady))); return }
  if (name === 'eval' || name === 'eval_ro') ctx.scripts.remember(args[1])
  const script = new ScriptRequest(client, args, slot, readOnly, target)
  if (slot >= 0 && readOnly) script.readFrom = readFrom(client)
  sink.push(script)
  script.start()
}

/** Where this client's reads go: the configured policy, or replicas after READONLY. */
function readFrom (client: ClientState): ReadFrom {
  return client.readOnlyMode && client.ctx.readPolicy === ReadFrom.master ? ReadFrom.preferReplica : client.ctx.readPolicy
}

/** RESP2 subscribed mode allows only (P|S)(UN)SUBSCRIBE, PING, QUIT and RESET, as Redis. */
function allowedWhileSubscribed (plan: RoutePlan, args: Buffer[], client: ClientState): boolean {
  // Unknown commands, arity and CROSSSLOT are checked first, as on a node.
  if (plan.kind === 'reject') return true
  if (plan.kind === 'session' && (plan.name.includes('subscribe') || plan.name === 'reset')) return true
  if (plan.kind === 'local' && plan.name === 'quit') return true
  if (plan.kind === 'local' && plan.name === 'ping') {
    // PING in RESP2 subscribed mode answers `pong` as a Pub/Sub frame, as Redis does.
    client.sink.push(new LocalReply(arrayReply([bulkReply('pong'), bulkReply(args.length > 1 ? args[1] : '')])))
    return false
  }
  client.sink.push(new LocalReply(errorReply(ReplyStrings.subscribedContext(plan.spec.name))))
  return false
}
