import type http from 'node:http'
import { nodeHttp } from '../util/lazy-builtins.js'
import { listenOn } from './listen.js'

/** Where the HTTP endpoints listen. */
export interface HttpServerOptions {
  port: number
  bind: string
}

/** What the endpoints answer with. */
export interface HttpEndpoints {
  /** The Prometheus exposition and its content type. */
  metrics (): Promise<{ contentType: string, body: string }>
  /** Null when ready, else the reason, sent with a 503. */
  notReadyReason (): Promise<string | null> | string | null
}

/**
 * The operator's HTTP port: `/metrics` (Prometheus), `/healthz` (liveness: the process
 * serves HTTP, so its event loop turns) and `/readyz` (readiness: 200, or 503 with the
 * reason in the body). Kept off the RESP port so probes and scrapes never compete with
 * clients' connections, and so it can bind more widely than a sidecar's loopback-only RESP.
 */
export class HttpServer {
  private readonly server: http.Server

  constructor (private readonly options: HttpServerOptions, private readonly endpoints: HttpEndpoints) {
    this.server = nodeHttp().createServer((req, res) => { this.handle(req, res) })
  }

  /** Starts listening; resolves with the bound port. */
  async listen (): Promise<number> {
    return await listenOn(this.server, this.options.port, this.options.bind)
  }

  /** Stops listening and drops keep-alive connections (a scraper's would hold close() open). */
  async close (): Promise<void> {
    const closed = new Promise<void>(resolve => { this.server.close(() => { resolve() }) })
    this.server.closeAllConnections()
    await closed
  }

  private handle (req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'only GET and HEAD\n', { Allow: 'GET, HEAD' })
      return
    }
    const path = (req.url ?? '/').split('?')[0]
    switch (path) {
      case '/healthz':
        send(res, 200, 'ok\n')
        return
      case '/readyz':
        Promise.resolve(this.endpoints.notReadyReason()).then(
          reason => { send(res, reason === null ? 200 : 503, reason === null ? 'ready\n' : `not ready: ${reason}\n`) },
          (err: Error) => { send(res, 503, `not ready: ${err.message}\n`) })
        return
      case '/metrics':
        this.endpoints.metrics().then(
          ({ contentType, body }) => { send(res, 200, body, { 'Content-Type': contentType }) },
          (err: Error) => { send(res, 500, `metrics unavailable: ${err.message}\n`) })
        return
      default:
        send(res, 404, 'not found: try /metrics, /healthz or /readyz\n')
    }
  }
}

function send (res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers })
  // HEAD gets the headers only (Node drops the body of a HEAD response itself).
  res.end(body)
}
