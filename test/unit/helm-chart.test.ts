// The Helm chart, rendered with Helm's own template engine (Go text/template + sprig, see
// test/helpers/render-chart.ts): with its default values (a shared proxy), with every option
// on, in sidecar mode, and as a dependency of an application chart that adds the sidecar to
// its pods. The objects are checked as Kubernetes would need them and against slotgate's
// config schema; Chart.yaml and values.yaml pass yamllint; the Grafana dashboard only
// queries metrics slotgate exports.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { DispatchStats } from '../../src/cluster/request-dispatcher.js'
import { Topology } from '../../src/cluster/topology.js'
import { CONFIG_KEYS, CONFIG_SCHEMA } from '../../src/config/schema.js'
import { SlotgateMetrics } from '../../src/metrics/metrics.js'
import { renderChart, toolingProblem, yamllint, type Rendered, type RenderResult } from '../helpers/render-chart.js'
import { ROOT } from '../helpers/slotgate-cli.js'

const CHART = join(ROOT, 'helm', 'slotgate')

const ENV_NAMES = new Set(CONFIG_KEYS.map(k => CONFIG_SCHEMA[k].env))
const SECRET_ENV = new Set(CONFIG_KEYS.filter(k => CONFIG_SCHEMA[k].sensitive === true).map(k => CONFIG_SCHEMA[k].env))
const appVersion = /^appVersion: "([^"]+)"/m.exec(readFileSync(join(CHART, 'Chart.yaml'), 'utf8'))?.[1]
const preStopSleepSeconds = Number(/^preStopSleepSeconds: (\d+)$/m.exec(readFileSync(join(CHART, 'values.yaml'), 'utf8'))?.[1])

function ok (t: Tap, result: RenderResult): Rendered[] {
  if (!result.ok) { t.fail(`render failed: ${result.error}`); return [] }
  return result.objects
}

type Tap = Parameters<Parameters<typeof t.test>[0]>[0]
type Obj = Record<string, any>

function byKind (objects: Rendered[], kind: string): Obj[] {
  return objects.filter(o => o.object.kind === kind).map(o => o.object as Obj)
}

/** Checks every object has what the API server requires, with names it accepts. */
function checkObjects (t: Tap, objects: Rendered[]): void {
  for (const { template, object } of objects) {
    t.ok(typeof object.apiVersion === 'string' && typeof object.kind === 'string', `${template}: apiVersion and kind`)
    t.match(object.metadata.name, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, `${template}: a DNS-1123 name`)
    for (const [k, v] of Object.entries(object.metadata.labels ?? {})) t.ok(typeof v === 'string' && v.length <= 63, `${template}: label ${k} is a short string`)
  }
}

/** Checks the slotgate container as the kubelet and slotgate will see it. */
function checkContainer (t: Tap, c: Obj, configMap: Obj): void {
  t.equal(c.image, `ghcr.io/slotgate/slotgate:${appVersion}`, 'image tag = the chart\'s appVersion')
  const ports = new Map((c.ports as Obj[]).map(p => [p.containerPort as number, p.name as string]))
  t.same([...ports.keys()], [6379, 9190], 'both ports declared')
  t.same(c.livenessProbe.httpGet, { path: '/healthz', port: 9190 }, 'liveness on the HTTP port')
  t.same(c.readinessProbe.httpGet, { path: '/readyz', port: 9190 }, 'readiness on the HTTP port')
  t.same(c.envFrom, [{ configMapRef: { name: configMap.metadata.name } }], 'options from the ConfigMap')
  for (const e of (c.env ?? []) as Obj[]) {
    t.ok(SECRET_ENV.has(e.name), `${e.name} is a secret option`)
    t.ok(e.valueFrom?.secretKeyRef?.name !== undefined && e.value === undefined, `${e.name} comes from a Secret`)
  }
  t.equal(c.securityContext.runAsNonRoot, true)
  t.equal(c.securityContext.readOnlyRootFilesystem, true)
  t.equal(c.securityContext.allowPrivilegeEscalation, false)
  t.same(c.securityContext.capabilities, { drop: ['ALL'] })
  t.ok(c.resources.requests.cpu !== undefined && c.resources.limits.memory !== undefined, 'resources')
  for (const key of Object.keys(configMap.data as object)) t.ok(ENV_NAMES.has(key), `ConfigMap key ${key} is an option's env var`)
  for (const key of Object.keys(configMap.data as object)) t.notOk(SECRET_ENV.has(key), `${key}: no secret in the ConfigMap`)
}

function defineTests (): void {
  t.test('default values: a shared proxy (Deployment, Service, ConfigMap, PDB)', async t => {
    const objects = ok(t, renderChart(CHART))
    checkObjects(t, objects)
    t.same(objects.map(o => o.object.kind).sort(), ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service'])
    const [cm] = byKind(objects, 'ConfigMap')
    const [deploy] = byKind(objects, 'Deployment')
    const [svc] = byKind(objects, 'Service')
    const [pdb] = byKind(objects, 'PodDisruptionBudget')
    t.equal(cm.data.SLOTGATE_BIND, '0.0.0.0', 'clients from other pods can connect')
    t.equal(cm.data.SLOTGATE_METRICS_BIND, '0.0.0.0')
    t.equal(cm.data.SLOTGATE_SEEDS.split(',').length, 3, 'seeds as a comma-separated list')
    t.equal(cm.data.SLOTGATE_DRAIN_GRACE_MS, '10000', 'numbers as plain integers')
    const pod = deploy.spec.template
    t.equal(deploy.spec.replicas, 2)
    t.same(deploy.spec.selector.matchLabels, svc.spec.selector, 'the Service selects the Deployment\'s pods')
    t.same(pdb.spec.selector.matchLabels, deploy.spec.selector.matchLabels, 'the PDB too')
    for (const [k, v] of Object.entries(deploy.spec.selector.matchLabels as object)) t.equal(pod.metadata.labels[k], v, `pod label ${k}`)
    t.match(pod.metadata.annotations['checksum/config'], /^[0-9a-f]{64}$/, 'config checksum rolls pods on change')
    t.equal(pod.spec.securityContext.runAsNonRoot, true)
    t.equal(pod.spec.securityContext.runAsUser, 10001, 'the image\'s user')
    t.ok(pod.spec.terminationGracePeriodSeconds * 1000 > preStopSleepSeconds * 1000 + Number(cm.data.SLOTGATE_DRAIN_GRACE_MS), 'the kubelet waits out preStop + drain')
    t.equal(pod.spec.containers.length, 1)
    checkContainer(t, pod.spec.containers[0], cm)
    const targets = new Set((pod.spec.containers[0].ports as Obj[]).map(p => p.name))
    for (const p of svc.spec.ports as Obj[]) t.ok(targets.has(p.targetPort), `Service port ${p.name} targets a container port`)
    t.same((svc.spec.ports as Obj[]).map(p => [p.name, p.port]), [['redis', 6379], ['http', 9190]])
  })

  t.test('every option on: HPA, ServiceMonitor, dashboard, Secret reference', async t => {
    const objects = ok(t, renderChart(CHART, [{
      autoscaling: { enabled: true },
      metrics: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } },
      grafanaDashboard: { enabled: true },
      auth: { existingSecret: 'redis-auth', clusterUsernameKey: 'user', requirepassKey: 'client-password' },
      config: { readPolicy: 'prefer-replica', maxRequestBytes: 536870912, workers: 'auto', tlsCertFile: '/etc/slotgate/tls/tls.crt', tlsKeyFile: '/etc/slotgate/tls/tls.key' },
      extraVolumes: [{ name: 'tls', secret: { secretName: 'slotgate-tls' } }],
      extraVolumeMounts: [{ name: 'tls', mountPath: '/etc/slotgate/tls', readOnly: true }]
    }]))
    checkObjects(t, objects)
    t.same(objects.map(o => o.object.kind).sort(), ['ConfigMap', 'ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service', 'ServiceMonitor'])
    const [deploy] = byKind(objects, 'Deployment')
    const [hpa] = byKind(objects, 'HorizontalPodAutoscaler')
    const [sm] = byKind(objects, 'ServiceMonitor')
    const cms = byKind(objects, 'ConfigMap')
    const cm = cms.find(c => c.data.SLOTGATE_PORT !== undefined) as Obj
    t.equal(deploy.spec.replicas, undefined, 'the HPA owns the replica count')
    t.same(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deploy.metadata.name })
    t.same(sm.spec.endpoints, [{ port: 'http', path: '/metrics', interval: '15s' }])
    t.equal(sm.metadata.labels.release, 'prometheus')
    t.equal(cm.data.SLOTGATE_MAX_REQUEST_BYTES, '536870912', 'no scientific notation for large integers')
    t.equal(cm.data.SLOTGATE_WORKERS, 'auto')
    const env = deploy.spec.template.spec.containers[0].env as Obj[]
    t.same(env.map(e => [e.name, e.valueFrom.secretKeyRef.key]).sort(), [['SLOTGATE_CLUSTER_PASSWORD', 'cluster-password'], ['SLOTGATE_CLUSTER_USERNAME', 'user'], ['SLOTGATE_REQUIREPASS', 'client-password']])
    checkContainer(t, deploy.spec.template.spec.containers[0], cm)
    t.equal(cm.data.SLOTGATE_TLS_CERT_FILE, '/etc/slotgate/tls/tls.crt')
    t.same(deploy.spec.template.spec.volumes, [{ name: 'tls', secret: { secretName: 'slotgate-tls' } }], 'TLS files from a Secret volume')
    t.same(deploy.spec.template.spec.containers[0].volumeMounts, [{ name: 'tls', mountPath: '/etc/slotgate/tls', readOnly: true }])
    const dashboard = cms.find(c => c.data['slotgate.json'] !== undefined) as Obj
    t.equal(dashboard.metadata.labels.grafana_dashboard, '1')
    t.same(JSON.parse(dashboard.data['slotgate.json']), JSON.parse(readFileSync(join(CHART, 'dashboards', 'slotgate.json'), 'utf8')), 'the dashboard file, unchanged')
  })

  t.test('sidecar mode: the chart renders only what the sidecars share', async t => {
    const objects = ok(t, renderChart(CHART, [{ mode: 'sidecar', metrics: { serviceMonitor: { enabled: true }, podSelector: { app: 'shop' } } }]))
    checkObjects(t, objects)
    t.same(objects.map(o => o.object.kind).sort(), ['ConfigMap', 'PodMonitor'])
    const [cm] = byKind(objects, 'ConfigMap')
    const [pm] = byKind(objects, 'PodMonitor')
    t.equal(cm.data.SLOTGATE_BIND, '127.0.0.1', 'RESP stays private to the pod')
    t.equal(cm.data.SLOTGATE_METRICS_BIND, '0.0.0.0', 'the kubelet probes through the pod IP')
    t.same(pm.spec.selector.matchLabels, { app: 'shop' })
    t.same(pm.spec.podMetricsEndpoints[0].port, 'slotgate-http')
  })

  t.test('an application chart adds the sidecar to its pods; the app connects to 127.0.0.1:6379', async t => {
    const dir = mkdtempSync(join(tmpdir(), 'slotgate-app-chart-'))
    t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
    cpSync(join(ROOT, 'test', 'helpers', 'render-chart-fixtures', 'app-with-sidecar'), dir, { recursive: true })
    cpSync(CHART, join(dir, 'charts', 'slotgate'), { recursive: true })
    const result = renderChart(dir, [], 'shop')
    const objects = ok(t, result)
    checkObjects(t, objects)
    t.same(objects.map(o => `${o.template} ${o.object.kind}`).sort(), ['shop/charts/slotgate/templates/configmap.yaml ConfigMap', 'shop/templates/deployment.yaml Deployment'])
    const [cm] = byKind(objects, 'ConfigMap')
    const [deploy] = byKind(objects, 'Deployment')
    const containers = deploy.spec.template.spec.containers as Obj[]
    t.same(containers.map(c => c.name), ['shop', 'slotgate'])
    t.same(containers[0].env, [{ name: 'REDIS_URL', value: 'redis://127.0.0.1:6379' }])
    t.equal(cm.data.SLOTGATE_BIND, '127.0.0.1')
    checkContainer(t, containers[1], cm)
    t.same(containers[1].env.map((e: Obj) => e.name), ['SLOTGATE_CLUSTER_PASSWORD'])
    t.match(result.ok ? result.notes : '', /^$/, 'a subchart\'s NOTES are not shown (Helm shows the parent\'s only)')
  })

  t.test('mistakes fail the render with a message that says what to do', async t => {
    const failing = (v: object): string => { const r = renderChart(CHART, [v]); return r.ok ? 'rendered' : r.error }
    t.match(failing({ config: { clusterPassword: 'hunter2' } }), /config\.clusterPassword: a secret, read from auth\.existingSecret/)
    t.match(failing({ config: { bind: '10.0.0.1' } }), /config\.bind: set by the chart/)
    t.match(failing({ mode: 'daemonset' }), /mode must be proxy or sidecar/)
    t.match(failing({ terminationGracePeriodSeconds: 10 }), /terminationGracePeriodSeconds must exceed/)
    t.match(failing({ mode: 'sidecar', metrics: { serviceMonitor: { enabled: true } } }), /metrics\.podSelector/)
    const dir = mkdtempSync(join(tmpdir(), 'slotgate-app-chart-'))
    t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
    cpSync(join(ROOT, 'test', 'helpers', 'render-chart-fixtures', 'app-with-sidecar'), dir, { recursive: true })
    cpSync(CHART, join(dir, 'charts', 'slotgate'), { recursive: true })
    const r = renderChart(dir, [{ slotgate: { mode: 'proxy' } }], 'shop')
    t.match(r.ok ? 'rendered' : r.error, /slotgate\.sidecar: set slotgate\.mode to sidecar/)
  })

  t.test('NOTES tell how to connect', async t => {
    const proxy = renderChart(CHART)
    t.match(proxy.ok ? proxy.notes : '', /demo-slotgate\.apps\.svc:6379/)
    const sidecar = renderChart(CHART, [{ mode: 'sidecar' }])
    t.match(sidecar.ok ? sidecar.notes : '', /include "slotgate\.sidecar"/)
  })

  t.test('Chart.yaml and values.yaml pass yamllint; versions agree', async t => {
    t.equal(yamllint([join(CHART, 'Chart.yaml'), join(CHART, 'values.yaml')]), null)
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    t.equal(appVersion, pkg.version, 'appVersion = package.json version')
    t.match(readFileSync(join(CHART, 'values.yaml'), 'utf8'), new RegExp(`^  tag: "${pkg.version}"$`, 'm'), 'image.tag = appVersion')
  })

  t.test('the Grafana dashboard queries only metrics slotgate exports', async t => {
    const dashboard = JSON.parse(readFileSync(join(CHART, 'dashboards', 'slotgate.json'), 'utf8')) as Obj
    const metrics = new SlotgateMetrics()
    metrics.register({
      server: { clientCount: 0, accepted: 0, rejected: 0 },
      dispatcher: { stats: new DispatchStats(), waitingCount: 0 },
      topology: new Topology(),
      links: () => [],
      notReadyReason: () => null,
      draining: () => false
    }, 'test')
    const exported = new Set((await metrics.registry.getMetricsAsJSON()).map(m => m.name))
    const panels = (dashboard.panels as Obj[]).filter(p => p.type !== 'row')
    t.ok(panels.length >= 15, `${panels.length} panels`)
    t.equal(new Set(panels.map(p => p.id)).size, panels.length, 'panel ids are unique')
    const used = new Set<string>()
    for (const p of panels) {
      t.equal(p.datasource.uid, '${datasource}', `${p.title}: uses the datasource variable`) // eslint-disable-line no-template-curly-in-string
      for (const target of p.targets as Obj[]) for (const [name] of (target.expr as string).matchAll(/\b(slotgate|process|nodejs)_[a-z0-9_]+/g)) used.add(name)
    }
    for (const name of used) t.ok(exported.has(name.replace(/_(bucket|sum|count)$/, '')), `${name} is exported`)
    for (const name of ['slotgate_commands_total', 'slotgate_command_duration_seconds_bucket', 'slotgate_redirects_total', 'slotgate_topology_refreshes_total', 'slotgate_backend_links', 'slotgate_client_connections']) {
      t.ok(used.has(name), `the dashboard shows ${name}`)
    }
  })
}

// Skips only when apt itself is unavailable; otherwise installs Go, sprig and yamllint.
const problem = toolingProblem()
if (problem !== null) t.plan(0, `skipped: ${problem}`)
else defineTests()
