{{/*
Named templates. Every one of them works with the chart's own root context and with the
smaller one an application chart passes to "slotgate.sidecar":
(dict "Values" .Values.slotgate "Release" .Release).
*/}}

{{- define "slotgate.name" -}}
{{- .Values.nameOverride | default "slotgate" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "slotgate.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains "slotgate" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-slotgate" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "slotgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "slotgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "slotgate.labels" -}}
{{ include "slotgate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/component: redis-proxy
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Chart }}
helm.sh/chart: {{ printf "%s-%s" .Name .Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end -}}

{{- define "slotgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "slotgate.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/* "true" when slotgate runs as a native sidecar (an init container with restartPolicy: Always). */}}
{{- define "slotgate.isNativeSidecar" -}}
{{- and (eq .Values.mode "sidecar") .Values.sidecar.native -}}
{{- end -}}

{{/*
Annotations for the pod template: a checksum of the options, so that a config change rolls
the pods (env vars are read at start). The proxy's Deployment carries it; an application
chart puts it on its own pod template in sidecar mode.
*/}}
{{- define "slotgate.podAnnotations" -}}
checksum/slotgate-config: {{ include "slotgate.configData" . | sha256sum }}
{{- end -}}

{{/* Options the chart sets itself, and secrets, which never go into a ConfigMap. */}}
{{- define "slotgate.reservedOptions" -}}
bind: set by the chart from mode (proxy 0.0.0.0, sidecar 127.0.0.1)
metricsBind: set by the chart (0.0.0.0, for the kubelet's probes)
port: set from ports.redis
metricsPort: set from ports.http
metricsEnabled: always true (the probes use the HTTP port)
requirepass: a secret, read from auth.existingSecret (auth.requirepassKey)
clusterUsername: a secret, read from auth.existingSecret (auth.clusterUsernameKey)
clusterPassword: a secret, read from auth.existingSecret (auth.clusterPasswordKey)
{{- end -}}

{{/* The ConfigMap's data: one SLOTGATE_* variable per option (docs/configuration.md). */}}
{{- define "slotgate.configData" -}}
{{- $reserved := include "slotgate.reservedOptions" . | fromYaml -}}
{{- range $key, $value := .Values.config }}
{{- if hasKey $reserved $key }}
{{- fail (printf "config.%s: %s" $key (get $reserved $key)) }}
{{- end }}
{{- $text := $value }}
{{- if kindIs "slice" $value }}{{ $text = join "," $value }}
{{- else if kindIs "float64" $value }}{{ $text = $value | int64 | toString }}
{{- end }}
SLOTGATE_{{ $key | snakecase | upper }}: {{ $text | toString | quote }}
{{- end }}
SLOTGATE_BIND: {{ eq .Values.mode "sidecar" | ternary "127.0.0.1" "0.0.0.0" | quote }}
SLOTGATE_PORT: {{ .Values.ports.redis | int64 | toString | quote }}
SLOTGATE_METRICS_ENABLED: "true"
SLOTGATE_METRICS_BIND: "0.0.0.0"
SLOTGATE_METRICS_PORT: {{ .Values.ports.http | int64 | toString | quote }}
{{- end -}}

{{/* Secret env vars, from the existing Secret named in auth.existingSecret. */}}
{{- define "slotgate.secretEnv" -}}
{{- $secret := .Values.auth.existingSecret -}}
{{- if $secret -}}
{{- range $env, $key := dict "SLOTGATE_CLUSTER_PASSWORD" .Values.auth.clusterPasswordKey "SLOTGATE_CLUSTER_USERNAME" .Values.auth.clusterUsernameKey "SLOTGATE_REQUIREPASS" .Values.auth.requirepassKey }}
{{- if $key }}
- name: {{ $env }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $key }}
{{- end }}
{{- end }}
{{- end -}}
{{- end -}}

{{/* The slotgate container, the same in the proxy Deployment and as a sidecar. */}}
{{- define "slotgate.container" -}}
name: slotgate
image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
imagePullPolicy: {{ .Values.image.pullPolicy }}
ports:
  - name: slotgate
    containerPort: {{ .Values.ports.redis }}
    protocol: TCP
  - name: slotgate-http
    containerPort: {{ .Values.ports.http }}
    protocol: TCP
envFrom:
  - configMapRef:
      name: {{ include "slotgate.fullname" . }}
{{- with include "slotgate.secretEnv" . }}
env:
  {{- . | nindent 2 }}
{{- end }}
# Ports by number: port names must be unique in a pod, and a sidecar shares its pod.
startupProbe:
  httpGet:
    path: {{ .Values.probes.startup.path }}
    port: {{ .Values.ports.http }}
  periodSeconds: {{ .Values.probes.startup.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.startup.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.startup.failureThreshold }}
livenessProbe:
  httpGet:
    path: /healthz
    port: {{ .Values.ports.http }}
  periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.liveness.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
readinessProbe:
  httpGet:
    path: /readyz
    port: {{ .Values.ports.http }}
  periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.readiness.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
{{- /* A native sidecar is stopped after the application: no need to wait for it. */}}
{{- if and .Values.preStopSleepSeconds (ne (include "slotgate.isNativeSidecar" .) "true") }}
lifecycle:
  preStop:
    exec:
      command: ["sleep", "{{ .Values.preStopSleepSeconds }}"]
{{- end }}
{{- with .Values.extraVolumeMounts }}
volumeMounts:
  {{- toYaml . | nindent 2 }}
{{- end }}
resources:
  {{- toYaml .Values.resources | nindent 2 }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
{{- end -}}

{{/*
The sidecar for an application's pod template (README.md, "The sidecar recipe"). With
sidecar.native (the default), "slotgate.nativeSidecar" renders it under initContainers and
"slotgate.sidecar" renders nothing; with sidecar.native false, the other way round. An
application chart includes both, so the value alone switches between the two forms:
  initContainers:
    {{- include "slotgate.nativeSidecar" (dict "Values" .Values.slotgate "Release" .Release) | nindent 4 }}
  containers:
    - name: app
      ...
    {{- include "slotgate.sidecar" (dict "Values" .Values.slotgate "Release" .Release) | nindent 4 }}
The application connects to 127.0.0.1:6379.
*/}}
{{- define "slotgate.sidecar" -}}
{{- include "slotgate.requireSidecarMode" . -}}
{{- if not .Values.sidecar.native -}}
- {{ include "slotgate.container" . | indent 2 | trim }}
{{- end -}}
{{- end -}}

{{- define "slotgate.nativeSidecar" -}}
{{- include "slotgate.requireSidecarMode" . -}}
{{- if .Values.sidecar.native -}}
- {{ include "slotgate.container" . | indent 2 | trim }}
  restartPolicy: Always
{{- end -}}
{{- end -}}

{{- define "slotgate.requireSidecarMode" -}}
{{- if ne .Values.mode "sidecar" -}}
{{- fail "slotgate.sidecar: set slotgate.mode to sidecar (its ConfigMap then binds slotgate to 127.0.0.1)" -}}
{{- end -}}
{{- end -}}
