// The Helm chart, rendered with Helm's own template engine (Go text/template + sprig, see
// test/helpers/render-chart.ts) after its values pass values.schema.json as Helm checks them:
// with its default values (a shared proxy), with every option on, in sidecar mode, and as a
// dependency of an application chart that adds the sidecar to its pods (native and classic,
// in a Deployment and a Job). Every rendered object is checked against the Kubernetes API's
// schemas (test/helpers/k8s-schemas.ts) and against slotgate's config schema; the values
// schema refuses typos at every level and covers every value; Chart.yaml and values.yaml pass
// yamllint; the Grafana dashboard and the alerts only use metrics slotgate exports.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { DispatchStats } from '../../src/cluster/dispatch-stats.js'
import { Topology } from '../../src/cluster/topology.js'
import { CHART_SET_OPTIONS, chartConfigSchema } from '../../src/config/format-chart-schema.js'
import { CONFIG_KEYS, CONFIG_SCHEMA, SENSITIVE_KEYS } from '../../src/config/schema.js'
import { SlotgateMetrics } from '../../src/metrics/metrics.js'
import { kubernetesProblems } from '../helpers/k8s-schemas.js'
import { chartValues, renderChart, toolingProblem, yamllint, type Rendered, type RenderResult } from '../helpers/render-chart.js'
import { ROOT } from '../helpers/slotgate-cli.js'

const CHART = join(ROOT, 'helm', 'slotgate')

const ENV_NAMES = new Set(CONFIG_KEYS.map(k => CONFIG_SCHEMA[k].env))
const SECRET_ENV = new Set(CONFIG_KEYS.filter(k => CONFIG_SCHEMA[k].sensitive === true).map(k => CONFIG_SCHEMA[k].env))
const appVersion = /^appVersion: "([^"]+)"/m.exec(readFileSync(join(CHART, 'Chart.yaml'), 'utf8'))?.[1]
const chartVersion = /^version: (\S+)$/m.exec(readFileSync(join(CHART, 'Chart.yaml'), 'utf8'))?.[1]
const preStopSleepSeconds = Number(/^preStopSleepSeconds: (\d+)$/m.exec(readFileSync(join(CHART, 'values.yaml'), 'utf8'))?.[1])
const FIXTURE = join(ROOT, 'test', 'helpers', 'render-chart-fixtures', 'app-with-sidecar')
/** Every object any test rendered, checked against the Kubernetes schemas at the end. */
const everyRendered: Rendered[] = []

function ok (t: Tap, result: RenderResult): Rendered[] {
  if (!result.ok) { t.fail(`render failed: ${result.error}`); return [] }
  everyRendered.push(...result.objects)
  return result.objects
}

/** The render's error, or 'rendered'. */
function failing (chart: string, values: object, release = 'demo'): string {
  const r = renderChart(chart, [values], release)
  return r.ok ? 'rendered' : r.error
}

/** The application chart of the fixture with this chart under charts/, in a temp dir. */
function appChart (t: Tap): string {
  const dir = mkdtempSync(join(tmpdir(), 'slotgate-app-chart-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  cpSync(FIXTURE, dir, { recursive: true })
  cpSync(CHART, join(dir, 'charts', 'slotgate'), { recursive: true })
  return dir
}

/** The exported metric names (what the dashboard and the alerts may use). */
async function exportedMetrics (): Promise<Set<string>> {
  const metrics = new SlotgateMetrics()
  metrics.register({
    server: { clientCount: 0, accepted: 0, rejected: 0 },
    dispatcher: { stats: new DispatchStats(), waitingCount: 0 },
    topology: new Topology(),
    links: () => [],
    notReadyReason: () => null,
    draining: () => false,
    backendInFlight: () => 0,
    clientPending: () => 0,
    clientPendingBytes: () => 0,
    scripts: { bytes: 0, maxBytes: 0 },
    dedicated: { count: 0, bounds: { max: 1 }, refused: { total: 0, perClient: 0 } },
    blocking: { active: 0, idleCount: 0 }
  }, 'test')
  metrics.fileReloadDone('tls', 'failed')
  return new Set((await metrics.registry.getMetricsAsJSON()).map(m => m.name))
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
    if (template.startsWith('slotgate/')) t.equal(object.metadata.labels?.['helm.sh/chart'], `slotgate-${chartVersion}`, `${template}: helm.sh/chart label`)
  }
}

/** Checks the slotgate container as the kubelet and slotgate will see it. */
function checkContainer (t: Tap, c: Obj, configMap: Obj): void {
  t.equal(c.image, `ghcr.io/slotgate/slotgate:${appVersion}`, 'image tag = the chart\'s appVersion')
  const ports = new Map((c.ports as Obj[]).map(p => [p.containerPort as number, p.name as string]))
  t.same([...ports.keys()], [6379, 9190], 'both ports declared')
  t.same(c.startupProbe.httpGet, { path: '/healthz', port: 9190 }, 'a startup probe on the HTTP port')
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
  t.test('default values: a shared proxy (Deployment, Service, ConfigMap, PDB, ServiceAccount)', async t => {
    const objects = ok(t, renderChart(CHART))
    checkObjects(t, objects)
    t.same(objects.map(o => o.object.kind).sort(), ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service', 'ServiceAccount'])
    const [cm] = byKind(objects, 'ConfigMap')
    const [deploy] = byKind(objects, 'Deployment')
    const [svc] = byKind(objects, 'Service')
    const [pdb] = byKind(objects, 'PodDisruptionBudget')
    const [sa] = byKind(objects, 'ServiceAccount')
    t.equal(cm.data.SLOTGATE_BIND, '0.0.0.0', 'clients from other pods can connect')
    t.equal(cm.data.SLOTGATE_METRICS_BIND, '0.0.0.0')
    t.equal(cm.data.SLOTGATE_SEEDS.split(',').length, 3, 'seeds as a comma-separated list')
    t.equal(cm.data.SLOTGATE_DRAIN_GRACE_MS, '10000', 'numbers as plain integers')
    const pod = deploy.spec.template
    t.equal(deploy.spec.replicas, 2)
    t.same(deploy.spec.selector.matchLabels, svc.spec.selector, 'the Service selects the Deployment\'s pods')
    t.same(pdb.spec.selector.matchLabels, deploy.spec.selector.matchLabels, 'the PDB too')
    for (const [k, v] of Object.entries(deploy.spec.selector.matchLabels as object)) t.equal(pod.metadata.labels[k], v, `pod label ${k}`)
    t.match(pod.metadata.annotations['checksum/slotgate-config'], /^[0-9a-f]{64}$/, 'config checksum rolls pods on change')
    t.equal(pod.spec.enableServiceLinks, false, 'no SLOTGATE_* service-link variables in the env')
    t.equal(pod.spec.serviceAccountName, sa.metadata.name, 'its own ServiceAccount')
    t.equal(pod.spec.automountServiceAccountToken, false, 'no API token mounted')
    t.equal(sa.automountServiceAccountToken, false)
    t.same(pod.spec.topologySpreadConstraints.map((c: Obj) => [c.topologyKey, c.whenUnsatisfiable, c.labelSelector.matchLabels]),
      ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map(k => [k, 'ScheduleAnyway', deploy.spec.selector.matchLabels]), 'spread over zones and nodes, softly')
    t.equal(pod.spec.securityContext.runAsNonRoot, true)
    t.equal(pod.spec.securityContext.runAsUser, 10001, 'the image\'s user')
    t.ok(pod.spec.terminationGracePeriodSeconds * 1000 > preStopSleepSeconds * 1000 + Number(cm.data.SLOTGATE_DRAIN_GRACE_MS), 'the kubelet waits out preStop + drain')
    t.equal(pod.spec.containers.length, 1)
    checkContainer(t, pod.spec.containers[0], cm)
    t.same(pod.spec.containers[0].lifecycle.preStop.exec.command, ['sleep', String(preStopSleepSeconds)], 'preStop sleep while the Service lets go')
    const targets = new Set((pod.spec.containers[0].ports as Obj[]).map(p => p.name))
    for (const p of svc.spec.ports as Obj[]) t.ok(targets.has(p.targetPort), `Service port ${p.name} targets a container port`)
    t.same((svc.spec.ports as Obj[]).map(p => [p.name, p.port]), [['redis', 6379], ['http', 9190]])
  })

  t.test('the config checksum follows the options, in both modes', async t => {
    const sum = (values: object): string => {
      const [deploy] = byKind(ok(t, renderChart(CHART, [values])), 'Deployment')
      return deploy.spec.template.metadata.annotations['checksum/slotgate-config']
    }
    t.equal(sum({}), sum({}), 'stable')
    t.not(sum({ config: { readPolicy: 'replica' } }), sum({}), 'an option changed: the pods roll')
    const app = appChart(t)
    const podSum = (values: object): string => {
      const deploy = byKind(ok(t, renderChart(app, [values], 'shop')), 'Deployment')[0]
      return deploy.spec.template.metadata.annotations['checksum/slotgate-config']
    }
    t.match(podSum({}), /^[0-9a-f]{64}$/, 'the application\'s pods carry it (slotgate.podAnnotations)')
    t.not(podSum({ slotgate: { config: { readPolicy: 'replica' } } }), podSum({}), 'and roll when slotgate\'s options change')
  })

  t.test('every option on: HPA, ServiceMonitor, PrometheusRule, NetworkPolicy, dashboard, Secret reference', async t => {
    const objects = ok(t, renderChart(CHART, [{
      autoscaling: { enabled: true },
      metrics: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } }, prometheusRule: { enabled: true, labels: { release: 'prometheus' } } },
      networkPolicy: { enabled: true, clients: [{ podSelector: { matchLabels: { app: 'shop' } } }], metricsFrom: [{ namespaceSelector: { matchLabels: { name: 'monitoring' } } }], egress: [{ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ port: 6379, protocol: 'TCP' }] }] },
      grafanaDashboard: { enabled: true },
      serviceAccount: { annotations: { 'example.com/role': 'none' } },
      auth: { existingSecret: 'redis-auth', clusterUsernameKey: 'user', requirepassKey: 'client-password' },
      config: { readPolicy: 'prefer-replica', maxRequestBytes: 536870912, workers: 'auto', tlsCertFile: '/etc/slotgate/tls/tls.crt', tlsKeyFile: '/etc/slotgate/tls/tls.key', fileReloadIntervalMs: 30000 },
      extraVolumes: [{ name: 'tls', secret: { secretName: 'slotgate-tls' } }],
      extraVolumeMounts: [{ name: 'tls', mountPath: '/etc/slotgate/tls', readOnly: true }]
    }]))
    checkObjects(t, objects)
    t.same(objects.map(o => o.object.kind).sort(), ['ConfigMap', 'ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'PrometheusRule', 'Service', 'ServiceAccount', 'ServiceMonitor'])
    const [deploy] = byKind(objects, 'Deployment')
    const [hpa] = byKind(objects, 'HorizontalPodAutoscaler')
    const [sm] = byKind(objects, 'ServiceMonitor')
    const [np] = byKind(objects, 'NetworkPolicy')
    const cms = byKind(objects, 'ConfigMap')
    const cm = cms.find(c => c.data.SLOTGATE_PORT !== undefined) as Obj
    t.equal(deploy.spec.replicas, undefined, 'the HPA owns the replica count')
    t.same(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deploy.metadata.name })
    t.same(sm.spec.endpoints, [{ port: 'http', path: '/metrics', interval: '15s' }])
    t.equal(sm.metadata.labels.release, 'prometheus')
    t.equal(cm.data.SLOTGATE_MAX_REQUEST_BYTES, '536870912', 'no scientific notation for large integers')
    t.equal(cm.data.SLOTGATE_WORKERS, 'auto')
    t.equal(cm.data.SLOTGATE_FILE_RELOAD_INTERVAL_MS, '30000')
    const env = deploy.spec.template.spec.containers[0].env as Obj[]
    t.same(env.map(e => [e.name, e.valueFrom.secretKeyRef.key]).sort(), [['SLOTGATE_CLUSTER_PASSWORD', 'cluster-password'], ['SLOTGATE_CLUSTER_USERNAME', 'user'], ['SLOTGATE_REQUIREPASS', 'client-password']])
    checkContainer(t, deploy.spec.template.spec.containers[0], cm)
    t.equal(cm.data.SLOTGATE_TLS_CERT_FILE, '/etc/slotgate/tls/tls.crt')
    t.same(deploy.spec.template.spec.volumes, [{ name: 'tls', secret: { secretName: 'slotgate-tls' } }], 'TLS files from a Secret volume')
    t.same(deploy.spec.template.spec.containers[0].volumeMounts, [{ name: 'tls', mountPath: '/etc/slotgate/tls', readOnly: true }])
    t.same(np.spec.podSelector.matchLabels, deploy.spec.selector.matchLabels, 'the NetworkPolicy holds slotgate\'s pods')
    t.same(np.spec.policyTypes, ['Ingress', 'Egress'])
    t.same(np.spec.ingress, [
      { ports: [{ port: 6379, protocol: 'TCP' }], from: [{ podSelector: { matchLabels: { app: 'shop' } } }] },
      { ports: [{ port: 9190, protocol: 'TCP' }], from: [{ namespaceSelector: { matchLabels: { name: 'monitoring' } } }] }
    ], 'clients to the Redis port, Prometheus to the HTTP port')
    t.same(np.spec.egress[0].ports.map((p: Obj) => `${p.port}/${p.protocol}`), ['53/UDP', '53/TCP'], 'DNS allowed along with the given egress')
    t.same(np.spec.egress[1].to, [{ ipBlock: { cidr: '10.20.0.0/16' } }])
    const dashboard = cms.find(c => c.data['slotgate.json'] !== undefined) as Obj
    t.equal(dashboard.metadata.labels.grafana_dashboard, '1')
    t.same(JSON.parse(dashboard.data['slotgate.json']), JSON.parse(readFileSync(join(CHART, 'dashboards', 'slotgate.json'), 'utf8')), 'the dashboard file, unchanged')
  })

  t.test('NetworkPolicy defaults: the namespace\'s pods to Redis, anyone to HTTP, egress open', async t => {
    const [np] = byKind(ok(t, renderChart(CHART, [{ networkPolicy: { enabled: true } }])), 'NetworkPolicy')
    t.same(np.spec.policyTypes, ['Ingress'])
    t.same(np.spec.ingress, [{ ports: [{ port: 6379, protocol: 'TCP' }], from: [{ podSelector: {} }] }, { ports: [{ port: 9190, protocol: 'TCP' }] }])
    t.equal(np.spec.egress, undefined)
    t.same(byKind(ok(t, renderChart(CHART, [{ mode: 'sidecar', networkPolicy: { enabled: true } }])), 'NetworkPolicy'), [], 'not in sidecar mode: the pods are the application\'s')
  })

  t.test('alerts: every metric they use is exported; alerts can be left out or added', async t => {
    const [rule] = byKind(ok(t, renderChart(CHART, [{ metrics: { prometheusRule: { enabled: true } } }])), 'PrometheusRule')
    const rules = rule.spec.groups[0].rules as Obj[]
    t.same(rules.map(r => r.alert), ['SlotgateNotReady', 'SlotgateFailover', 'SlotgateOutcomeUnknownWrites', 'SlotgateUnauthenticatedListener', 'SlotgateFileReloadFailed', 'SlotgateCommandsDenied', 'SlotgateOutputLimitDisconnects'])
    const exported = await exportedMetrics()
    for (const r of rules) {
      const used = [...(r.expr as string).matchAll(/\bslotgate_[a-z0-9_]+/g)].map(m => m[0])
      t.ok(used.length > 0, `${r.alert} uses a slotgate metric`)
      for (const name of used) t.ok(exported.has(name), `${r.alert}: ${name} is exported`)
      t.match(r.expr, /namespace="apps"/, `${r.alert}: scoped to the release's namespace`)
      t.match(r.labels.severity, /^(info|warning|critical)$/)
      t.ok(typeof r.annotations.summary === 'string' && typeof r.annotations.description === 'string', `${r.alert}: summary and description`)
    }
    t.match(rules[0], { for: '5m', expr: 'max by (namespace, pod) (slotgate_ready{namespace="apps"}) == 0' })
    t.match(rules[0].annotations.summary, /\{\{ \$labels\.pod \}\}/, 'Prometheus templates pass through untouched')
    const [trimmed] = byKind(ok(t, renderChart(CHART, [{ mode: 'sidecar', metrics: { prometheusRule: { enabled: true, disabled: ['SlotgateFailover'], extraRules: [{ alert: 'MyAppSlow', expr: 'up == 0' }] } } }])), 'PrometheusRule')
    t.same((trimmed.spec.groups[0].rules as Obj[]).map(r => r.alert), ['SlotgateNotReady', 'SlotgateOutcomeUnknownWrites', 'SlotgateUnauthenticatedListener', 'SlotgateFileReloadFailed', 'SlotgateCommandsDenied', 'SlotgateOutputLimitDisconnects', 'MyAppSlow'], 'in sidecar mode too; disabled left out, extra rules appended')
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

  t.test('an application chart adds a native sidecar: started before the app, stopped after it; a Job completes', async t => {
    const result = renderChart(appChart(t), [], 'shop')
    const objects = ok(t, result)
    checkObjects(t, objects)
    t.same(objects.map(o => `${o.template} ${o.object.kind}`).sort(), ['shop/charts/slotgate/templates/configmap.yaml ConfigMap', 'shop/templates/deployment.yaml Deployment', 'shop/templates/job.yaml Job'])
    const [cm] = byKind(objects, 'ConfigMap')
    for (const workload of [...byKind(objects, 'Deployment'), ...byKind(objects, 'Job')]) {
      const spec = workload.spec.template.spec
      const [app] = spec.containers as Obj[]
      t.equal(spec.containers.length, 1, `${workload.kind}: only the app among the containers`)
      t.same((spec.initContainers as Obj[]).map(c => [c.name, c.restartPolicy]), [['slotgate', 'Always']], `${workload.kind}: slotgate is a native sidecar`)
      const sidecar = spec.initContainers[0]
      checkContainer(t, sidecar, cm)
      t.equal(sidecar.lifecycle, undefined, 'no preStop sleep: the kubelet stops it after the app')
      t.same(sidecar.startupProbe.httpGet, { path: '/healthz', port: 9190 }, 'the app starts once slotgate listens')
      t.equal(spec.enableServiceLinks, false, 'the recipe turns service links off')
      t.equal(sidecar.env.map((e: Obj) => e.name).join(), 'SLOTGATE_CLUSTER_PASSWORD')
      if (workload.kind === 'Deployment') t.same(app.env, [{ name: 'REDIS_URL', value: 'redis://127.0.0.1:6379' }])
      else t.equal(spec.restartPolicy, 'Never', 'the Job\'s pod ends when the migration does')
    }
    t.equal(cm.data.SLOTGATE_BIND, '127.0.0.1')
    t.match(result.ok ? result.notes : '', /^$/, 'a subchart\'s NOTES are not shown (Helm shows the parent\'s only)')
    const ready = byKind(ok(t, renderChart(appChart(t), [{ slotgate: { probes: { startup: { path: '/readyz' } } } }], 'shop')), 'Deployment')[0]
    t.equal(ready.spec.template.spec.initContainers[0].startupProbe.httpGet.path, '/readyz', 'or once the cluster is ready, on request')
  })

  t.test('sidecar.native false: the classic container next to the app, with its preStop sleep', async t => {
    const objects = ok(t, renderChart(appChart(t), [{ slotgate: { sidecar: { native: false } } }], 'shop'))
    checkObjects(t, objects)
    const [cm] = byKind(objects, 'ConfigMap')
    const [deploy] = byKind(objects, 'Deployment')
    const spec = deploy.spec.template.spec
    t.same((spec.containers as Obj[]).map(c => c.name), ['shop', 'slotgate'])
    t.notOk(spec.initContainers, 'no init container')
    checkContainer(t, spec.containers[1], cm)
    t.equal(spec.containers[1].restartPolicy, undefined)
    t.same(spec.containers[1].lifecycle.preStop.exec.command, ['sleep', String(preStopSleepSeconds)], 'it outlives the app by its preStop sleep')
  })

  t.test('values.schema.json refuses typos and bad values, as helm install would', async t => {
    const refused = (values: object, field: RegExp, chart = CHART): void => {
      const error = failing(chart, values, chart === CHART ? 'demo' : 'shop')
      t.match(error, /values don't meet the specifications of the schema/, `refused: ${JSON.stringify(values)}`)
      t.match(error, field, `names the field: ${JSON.stringify(values)}`)
    }
    refused({ replicaConut: 3 }, /\(root\): Additional property replicaConut is not allowed/)
    refused({ sidecar: { nativ: true } }, /sidecar: Additional property nativ is not allowed/)
    refused({ config: { readPolicey: 'replica' } }, /config: Additional property readPolicey is not allowed/)
    refused({ config: { readPolicy: 'sometimes' } }, /config\.readPolicy: config\.readPolicy must be one of/)
    refused({ config: { maxClients: 0 } }, /config\.maxClients: Must be greater than or equal to 1/)
    refused({ config: { workers: 'many' } }, /config\.workers/)
    refused({ config: { seeds: ['redis-0'] } }, /config\.seeds/)
    refused({ config: { bind: '10.0.0.1' } }, /config: Additional property bind is not allowed/)
    refused({ config: { clusterPassword: 'hunter2' } }, /config: Additional property clusterPassword is not allowed/)
    refused({ probes: { startup: { path: '/metrics' } } }, /probes\.startup\.path/)
    refused({ image: { pullPolicy: 'Sometimes' } }, /image\.pullPolicy/)
    refused({ mode: 'daemonset' }, /mode: mode must be one of the following: "proxy", "sidecar"/)
    refused({ metrics: { prometheusRule: { disabled: ['SlotgateNotReadyy'] } } }, /metrics\.prometheusRule\.disabled\.0/)
    refused({ slotgate: { sidecar: { nativ: false } } }, /slotgate:\n- sidecar: Additional property nativ is not allowed/, appChart(t))
    t.equal(failing(CHART, { enabled: true, global: { imageRegistry: 'x' } }), 'rendered', 'a parent\'s condition and globals pass')
    t.equal(failing(CHART, { config: { requirepassPath: '/etc/slotgate/auth/requirepass', workers: 2, seeds: 'a:1,b:2', denyCommands: '' } }), 'rendered', 'file forms of secrets, list options as strings')
  })

  t.test('values.schema.json describes every value of values.yaml, and nothing else', async t => {
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Obj
    t.equal(byKind(ok(t, renderChart(CHART)), 'ConfigMap').length, 1, 'values.yaml passes its own schema')
    const defaults = chartValues(CHART) as Obj
    const walk = (value: unknown, node: Obj, path: string): void => {
      if (node.properties === undefined || typeof value !== 'object' || value === null || Array.isArray(value)) return
      t.equal(node.additionalProperties, false, `${path || '(root)'}: unknown keys refused`)
      for (const [key, child] of Object.entries(value)) {
        const sub = node.properties[key] as Obj | undefined
        t.ok(sub !== undefined && typeof sub.description === 'string' && sub.description.length > 5, `${path}${key}: declared, with a description`)
        if (sub !== undefined) walk(child, sub, `${path}${key}.`)
      }
      for (const key of Object.keys(node.properties as object)) {
        if (path === '' && (key === 'global' || key === 'enabled')) continue
        if (path === 'config.') continue // any option; values.yaml shows a few
        t.ok(Object.hasOwn(value, key), `${path}${key}: in values.yaml`)
      }
    }
    walk(defaults, schema, '')
    t.strictSame(schema.properties.config, chartConfigSchema(), 'the config part is current (npm run docs:config)')
    const reserved = /define "slotgate\.reservedOptions" -\}\}\n([\s\S]*?)\{\{- end/.exec(readFileSync(join(CHART, 'templates', '_helpers.tpl'), 'utf8'))?.[1] ?? ''
    t.same(reserved.trim().split('\n').map(l => l.split(':')[0]).sort(), [...CHART_SET_OPTIONS, ...SENSITIVE_KEYS].sort(), 'the template refuses what the schema leaves out')
  })

  t.test('mistakes the schema cannot see fail the render with a message that says what to do', async t => {
    t.match(failing(CHART, { terminationGracePeriodSeconds: 10 }), /terminationGracePeriodSeconds must exceed/)
    t.match(failing(CHART, { mode: 'sidecar', metrics: { serviceMonitor: { enabled: true } } }), /metrics\.podSelector/)
    t.match(failing(appChart(t), { slotgate: { mode: 'proxy' } }, 'shop'), /slotgate\.sidecar: set slotgate\.mode to sidecar/)
  })

  t.test('NOTES tell how to connect', async t => {
    const proxy = renderChart(CHART)
    t.match(proxy.ok ? proxy.notes : '', /demo-slotgate\.apps\.svc:6379/)
    const sidecar = renderChart(CHART, [{ mode: 'sidecar' }])
    for (const name of ['slotgate.podAnnotations', 'slotgate.nativeSidecar', 'slotgate.sidecar']) t.match(sidecar.ok ? sidecar.notes : '', `include "${name}"`)
  })

  t.test('the chart README\'s sidecar recipe is the one the fixture application renders', async t => {
    const readme = readFileSync(join(CHART, 'README.md'), 'utf8')
    const fixture = readFileSync(join(FIXTURE, 'templates', 'deployment.yaml'), 'utf8')
    for (const line of fixture.split('\n').filter(l => /include "slotgate\.|enableServiceLinks|initContainers:/.test(l))) {
      t.ok(readme.includes(line.trim()), `README shows: ${line.trim()}`)
    }
    for (const key of ['mode', 'sidecar', 'networkPolicy', 'serviceAccount', 'topologySpread', 'metrics.prometheusRule', 'probes.startup']) t.ok(readme.includes(`\`${key}`), `README explains ${key}`)
  })

  t.test('Chart.yaml and values.yaml pass yamllint; versions agree', async t => {
    t.equal(yamllint([join(CHART, 'Chart.yaml'), join(CHART, 'values.yaml')]), null)
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    t.equal(appVersion, pkg.version, 'appVersion = package.json version')
    t.match(readFileSync(join(CHART, 'values.yaml'), 'utf8'), new RegExp(`^  tag: "${pkg.version}"$`, 'm'), 'image.tag = appVersion')
    t.match(readFileSync(join(CHART, 'Chart.yaml'), 'utf8'), /^kubeVersion: ">=1\.29\.0-0"$/m, 'native sidecars need Kubernetes 1.29')
  })

  t.test('the Grafana dashboard queries only metrics slotgate exports', async t => {
    const dashboard = JSON.parse(readFileSync(join(CHART, 'dashboards', 'slotgate.json'), 'utf8')) as Obj
    const exported = await exportedMetrics()
    const panels = (dashboard.panels as Obj[]).filter(p => p.type !== 'row')
    t.ok(panels.length >= 15, `${panels.length} panels`)
    t.equal(new Set(panels.map(p => p.id)).size, panels.length, 'panel ids are unique')
    const used = new Set<string>()
    for (const p of panels) {
      t.equal(p.datasource.uid, '${datasource}', `${p.title}: uses the datasource variable`) // eslint-disable-line no-template-curly-in-string
      for (const target of p.targets as Obj[]) for (const [name] of (target.expr as string).matchAll(/\b(slotgate|process|nodejs)_[a-z0-9_]+/g)) used.add(name)
    }
    for (const name of used) t.ok(exported.has(name.replace(/_(bucket|sum|count)$/, '')), `${name} is exported`)
    const shown = ['slotgate_commands_total', 'slotgate_command_duration_seconds_bucket', 'slotgate_redirects_total', 'slotgate_topology_refreshes_total', 'slotgate_backend_links', 'slotgate_client_connections',
      'slotgate_backend_requests_in_flight', 'slotgate_client_requests_pending', 'slotgate_dedicated_connections', 'slotgate_dedicated_connections_limit', 'slotgate_dedicated_connections_refused_total', 'slotgate_blocking_connections',
      'slotgate_backend_timeouts_total', 'slotgate_backend_connect_failures_total', 'slotgate_backend_links_lost_total', 'slotgate_backend_error_replies_total',
      'slotgate_commands_denied_total', 'slotgate_auth_failures_total', 'slotgate_client_output_limit_disconnects_total']
    for (const name of shown) {
      t.ok(used.has(name), `the dashboard shows ${name}`)
    }
  })

  // Last: every object the tests above rendered, against the Kubernetes API's schemas.
  t.test('every rendered object passes the Kubernetes schemas (kubernetes-models), unknown fields included', async t => {
    t.ok(everyRendered.length >= 30, `${everyRendered.length} objects`)
    const kinds = new Set<string>()
    for (const { template, object } of everyRendered) {
      kinds.add(object.kind)
      t.strictSame(await kubernetesProblems(object), [], `${template}: ${object.kind} ${object.metadata.name}`)
    }
    t.same([...kinds].sort(), ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Job', 'NetworkPolicy', 'PodDisruptionBudget', 'PodMonitor', 'PrometheusRule', 'Service', 'ServiceAccount', 'ServiceMonitor'])
    t.match(await kubernetesProblems({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i', startupProbe: { httpGet: { port: 1, pth: '/' } } }] } } as Rendered['object']),
      ['Pod.spec.containers[0].startupProbe.httpGet: unknown field "pth"'], 'the check does find a misplaced field')
  })
}

// Skips only when apt itself is unavailable; otherwise installs Go, sprig and yamllint.
const problem = toolingProblem()
if (problem !== null) t.plan(0, `skipped: ${problem}`)
else defineTests()
