{{/*
Objects the backend and the frontend both have, written once. Each component's template file
(backend-hpa.yaml, frontend-pdb.yaml, ...) is one include of these, so there is still one object
per file. Call with (dict "ctx" $ "component" "backend"); the component's values are
.Values.<component>.
*/}}

{{/*
The component's Service: its `service` values, to the container's named port `http`.
*/}}
{{- define "todo-app.component.service" -}}
{{- $v := index .ctx.Values .component }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "todo-app.componentName" . }}
  namespace: {{ .ctx.Release.Namespace | quote }}
  labels:
    {{- include "todo-app.labels" . | nindent 4 }}
spec:
  type: {{ $v.service.type }}
  selector:
    {{- include "todo-app.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ $v.service.port }}
      targetPort: http
      protocol: TCP
{{- end }}

{{/*
The component's HorizontalPodAutoscaler (when <component>.autoscaling.enabled), scaling its
Deployment on CPU.
*/}}
{{- define "todo-app.component.hpa" -}}
{{- $v := index .ctx.Values .component }}
{{- if $v.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "todo-app.componentName" . }}
  namespace: {{ .ctx.Release.Namespace | quote }}
  labels:
    {{- include "todo-app.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "todo-app.componentName" . }}
  minReplicas: {{ $v.autoscaling.minReplicas }}
  maxReplicas: {{ $v.autoscaling.maxReplicas }}
  metrics:
    # Utilization is relative to the CPU request ({{ .component }}.resources.requests.cpu).
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $v.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- end }}

{{/*
The component's PodDisruptionBudget (when <component>.podDisruptionBudget.enabled). Also takes
"evictionWhy": the component's reason for its unhealthyPodEvictionPolicy, a list of comment lines
rendered above it (the reason differs per component, the object does not).
*/}}
{{- define "todo-app.component.pdb" -}}
{{- $v := index .ctx.Values .component }}
{{- if $v.podDisruptionBudget.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "todo-app.componentName" . }}
  namespace: {{ .ctx.Release.Namespace | quote }}
  labels:
    {{- include "todo-app.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ $v.podDisruptionBudget.maxUnavailable }}
  {{- range .evictionWhy }}
  # {{ . }}
  {{- end }}
  unhealthyPodEvictionPolicy: {{ $v.podDisruptionBudget.unhealthyPodEvictionPolicy }}
  selector:
    matchLabels:
      {{- include "todo-app.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}
