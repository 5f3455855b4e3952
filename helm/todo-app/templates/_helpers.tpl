{{/*
Chart name, overridable with .Values.nameOverride. Kubernetes names are limited to 63 characters.
*/}}
{{- define "todo-app.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name prefix for every object: the release name, plus the chart name unless the release name
already contains it (release "todo-app" gives "todo-app-backend", not "todo-app-todo-app-backend").
Truncated to 54 so that "-frontend" still fits in 63.
*/}}
{{- define "todo-app.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 54 | trimSuffix "-" }}
{{- else }}
{{- $name := include "todo-app.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 54 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 54 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Name of a component's objects. Call with (dict "ctx" $ "component" "backend").
*/}}
{{- define "todo-app.componentName" -}}
{{- printf "%s-%s" (include "todo-app.fullname" .ctx) .component }}
{{- end }}

{{/*
"chart-version" for the helm.sh/chart label.
*/}}
{{- define "todo-app.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels: name, instance and component only. Never version or chart: a Deployment's
selector is immutable, so a label that changes on upgrade would make the upgrade fail.
Call with (dict "ctx" $ "component" "backend").
*/}}
{{- define "todo-app.selectorLabels" -}}
app.kubernetes.io/name: {{ include "todo-app.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
The full recommended label set, for every object's metadata and pod templates.
Call with (dict "ctx" $ "component" "backend").
*/}}
{{- define "todo-app.labels" -}}
helm.sh/chart: {{ include "todo-app.chart" .ctx }}
{{ include "todo-app.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: {{ include "todo-app.name" .ctx }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- end }}

{{/*
ServiceAccount the pods run as.
*/}}
{{- define "todo-app.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "todo-app.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Image reference from a component's image values: repository:tag, repository@digest or both.
Call with a component's image values, e.g. .Values.backend.image.
*/}}
{{- define "todo-app.image" -}}
{{- $ref := .repository }}
{{- if .tag }}
{{- $ref = printf "%s:%s" $ref .tag }}
{{- end }}
{{- if .digest }}
{{- $ref = printf "%s@%s" $ref .digest }}
{{- end }}
{{- $ref }}
{{- end }}

{{/*
An HTTP probe on the container's named port. Call with a probe's values.
*/}}
{{- define "todo-app.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: http
initialDelaySeconds: {{ .initialDelaySeconds }}
periodSeconds: {{ .periodSeconds }}
timeoutSeconds: {{ .timeoutSeconds }}
failureThreshold: {{ .failureThreshold }}
{{- end }}

{{/*
"true" when the backend keeps SQLite in /data on a claim: persistence on and no shared database
(with database.external or postgresql.enabled the backend stores nothing in /data).
*/}}
{{- define "todo-app.backendDataOnClaim" -}}
{{- if and .Values.backend.persistence.enabled (not .Values.database.external) (not .Values.postgresql.enabled) }}true{{ end }}
{{- end }}

{{/*
A pod spec's topologySpreadConstraints: the component's own list, else (when more than one pod
runs) a soft spread over nodes, so one node going away never takes every replica. ScheduleAnyway:
a one-node cluster still schedules them all. matchLabelKeys spreads each rollout's pods on their own.
Call with (dict "ctx" $ "component" "backend").
*/}}
{{- define "todo-app.topologySpread" -}}
{{- $v := index .ctx.Values .component }}
{{- if $v.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml $v.topologySpreadConstraints | nindent 2 }}
{{- else if or $v.autoscaling.enabled (gt (int $v.replicaCount) 1) }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "todo-app.selectorLabels" . | nindent 8 }}
    matchLabelKeys:
      - pod-template-hash
{{- end }}
{{- end }}

{{/*
URL the frontend proxies /api/* to: the backend Service, resolved by cluster DNS.
*/}}
{{- define "todo-app.backendUrl" -}}
{{- printf "http://%s:%d" (include "todo-app.componentName" (dict "ctx" . "component" "backend")) (int .Values.backend.service.port) }}
{{- end }}

{{/*
Rules that span several values, which values.schema.json cannot express. Every broken rule is
reported at once, naming the keys involved and the fix.
*/}}
{{- define "todo-app.validateValues" -}}
{{- $errors := list }}
{{- if and .Values.database.external .Values.postgresql.enabled }}
{{- $errors = append $errors "database.external and postgresql.enabled are both true: DATABASE_URL can name only one database. Use postgresql.enabled=true for the in-cluster dev database, or database.external=true for your own." }}
{{- end }}
{{- if not (or .Values.database.external .Values.postgresql.enabled) }}
{{- if gt (int .Values.backend.replicaCount) 1 }}
{{- $errors = append $errors (printf "backend.replicaCount is %d, but database.external is false: with the SQLite default each replica would have its own database. Set database.external=true (DATABASE_URL in the Secret), postgresql.enabled=true, or backend.replicaCount=1." (int .Values.backend.replicaCount)) }}
{{- end }}
{{- if .Values.backend.autoscaling.enabled }}
{{- $errors = append $errors "backend.autoscaling.enabled is true, but database.external is false: with the SQLite default each replica would have its own database. Set database.external=true (DATABASE_URL in the Secret), postgresql.enabled=true, or backend.autoscaling.enabled=false." }}
{{- end }}
{{- end }}
{{- range $component := list "backend" "frontend" }}
{{- $v := index $.Values $component }}
{{- if and (not $v.image.tag) (not $v.image.digest) }}
{{- $errors = append $errors (printf "%s.image.tag is empty: set a fixed image tag (e.g. %q) or %s.image.digest." $component $.Chart.AppVersion $component) }}
{{- end }}
{{- if eq (toString $v.image.tag) "latest" }}
{{- $errors = append $errors (printf "%s.image.tag is \"latest\": it names a different image over time, so rollbacks and node caches lie. Pin a version (e.g. %q) or a digest." $component $.Chart.AppVersion) }}
{{- end }}
{{- if ge (int $v.preStopSleepSeconds) (int $v.terminationGracePeriodSeconds) }}
{{- $errors = append $errors (printf "%s.preStopSleepSeconds (%d) must be less than %s.terminationGracePeriodSeconds (%d), or the pod is killed before it starts shutting down." $component (int $v.preStopSleepSeconds) $component (int $v.terminationGracePeriodSeconds)) }}
{{- end }}
{{- if and $v.autoscaling.enabled (lt (int $v.autoscaling.maxReplicas) (int $v.autoscaling.minReplicas)) }}
{{- $errors = append $errors (printf "%s.autoscaling.maxReplicas (%d) is below %s.autoscaling.minReplicas (%d)." $component (int $v.autoscaling.maxReplicas) $component (int $v.autoscaling.minReplicas)) }}
{{- end }}
{{- end }}
{{- if and .Values.networkPolicy.enabled .Values.database.external (not .Values.networkPolicy.databaseEgress.cidrs) }}
{{- $errors = append $errors "networkPolicy.databaseEgress.cidrs is empty, but database.external and networkPolicy.enabled are true: the backend could not reach its database. List the database's address range(s)." }}
{{- end }}
{{- if and .Values.ingress.tls.enabled (not .Values.ingress.tls.secretName) }}
{{- $errors = append $errors "ingress.tls.secretName is empty, but ingress.tls.enabled is true: name the kubernetes.io/tls Secret holding the certificate." }}
{{- end }}
{{- if and .Values.ingress.tls.enabled (not .Values.ingress.host) }}
{{- $errors = append $errors "ingress.host is empty, but ingress.tls.enabled is true: a certificate needs a host name." }}
{{- end }}
{{- if $errors }}
{{- fail (printf "\n\nInvalid values:\n- %s" (join "\n- " $errors)) }}
{{- end }}
{{- end }}

{{/*
NetworkPolicy egress rule to the cluster DNS (both protocols: large answers fall back to TCP).
*/}}
{{- define "todo-app.dnsEgress" -}}
- to:
    - namespaceSelector:
        matchLabels:
          {{- toYaml .Values.networkPolicy.dns.namespaceSelector | nindent 10 }}
      podSelector:
        matchLabels:
          {{- toYaml .Values.networkPolicy.dns.podSelector | nindent 10 }}
  ports:
    - port: {{ .Values.networkPolicy.dns.port }}
      protocol: UDP
    - port: {{ .Values.networkPolicy.dns.port }}
      protocol: TCP
{{- end }}
