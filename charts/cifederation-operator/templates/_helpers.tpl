{{- define "cifed.name" -}}{{ .Release.Name }}{{- end -}}
{{- define "cifed.labels" -}}
app.kubernetes.io/name: cifederation-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}
