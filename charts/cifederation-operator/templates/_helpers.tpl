{{- define "cifed.name" -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- define "cifed.selectorLabels" -}}
app.kubernetes.io/name: cifederation-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "cifed.labels" -}}
{{ include "cifed.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}
{{/* one env entry, left out when the value is empty so the operator's default applies */}}
{{- define "cifed.env" -}}
{{- if ne (toString .value) "" }}
- name: {{ .name }}
  value: {{ toString .value | quote }}
{{- end }}
{{- end -}}
