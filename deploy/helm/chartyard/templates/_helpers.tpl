{{- define "chartyard.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "chartyard.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "chartyard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 }}
app.kubernetes.io/name: {{ include "chartyard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "chartyard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chartyard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* PostgreSQL mode: a database URL is given directly or through a Secret. */}}
{{- define "chartyard.postgres" -}}
{{- if or .Values.postgresql.url .Values.postgresql.existingSecret -}}true{{- end -}}
{{- end -}}

{{- define "chartyard.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "chartyard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "chartyard.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "chartyard.authSecret" -}}
{{- .Values.auth.existingSecret | default (printf "%s-auth" (include "chartyard.fullname" .)) -}}
{{- end -}}

{{- define "chartyard.databaseSecret" -}}
{{- .Values.postgresql.existingSecret | default (printf "%s-database" (include "chartyard.fullname" .)) -}}
{{- end -}}

{{- define "chartyard.scheme" -}}
{{- if .Values.tls.existingSecret -}}HTTPS{{- else -}}HTTP{{- end -}}
{{- end -}}

{{/* Environment shared by API and worker pods; secrets only through secretKeyRef. */}}
{{- define "chartyard.env" -}}
- name: CHARTYARD_DATA_DIR
  value: /var/lib/chartyard
- name: CHARTYARD_LOG_FORMAT
  value: {{ .Values.logFormat | quote }}
- name: CHARTYARD_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: CHARTYARD_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "chartyard.authSecret" . }}
      key: secret-key
- name: CHARTYARD_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "chartyard.authSecret" . }}
      key: admin-password
{{- if include "chartyard.postgres" . }}
- name: CHARTYARD_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "chartyard.databaseSecret" . }}
      key: {{ .Values.postgresql.existingSecretKey }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "chartyard.podSpecCommon" -}}
serviceAccountName: {{ include "chartyard.serviceAccountName" . }}
automountServiceAccountToken: false
terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
