{{/* Names, labels and the pieces every Careline Deployment shares. */}}

{{- define "careline.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "careline.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "rasa"). */}}
{{- define "careline.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "careline.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "careline.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "careline.fullname" .)) -}}
{{- end -}}

{{- define "careline.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "careline.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/* In-cluster URL of a component's Service: (dict "root" $ "component" "rasa" "port" 5005). */}}
{{- define "careline.serviceUrl" -}}
{{- printf "http://%s-%s:%v" (include "careline.fullname" .root) .component .port -}}
{{- end -}}

{{/* The public URL Twilio signs: publicUrl, else https://<ingress.host>. */}}
{{- define "careline.publicUrl" -}}
{{- .Values.publicUrl | default (printf "https://%s" .Values.ingress.host) -}}
{{- end -}}

{{/*
Every value an install cannot do without, refused in one message that names them all
(as the production profile does at start-up). The templates that use them include it.
*/}}
{{- define "careline.validate" -}}
{{- $missing := list -}}
{{- if and .Values.ingress.enabled (not .Values.ingress.host) -}}
{{- $missing = append $missing "ingress.host (or ingress.enabled=false and publicUrl)" -}}
{{- else if not (or .Values.publicUrl .Values.ingress.enabled) -}}
{{- $missing = append $missing "publicUrl" -}}
{{- end -}}
{{- if not .Values.twilio.accountSid -}}
{{- $missing = append $missing "twilio.accountSid" -}}
{{- end -}}
{{- if not .Values.twilio.messagingServiceSid -}}
{{- range $sender := list "smsFrom" "whatsappFrom" -}}
{{- if not (get $.Values.twilio $sender) -}}
{{- $missing = append $missing (printf "twilio.%s (or twilio.messagingServiceSid)" $sender) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if not .Values.secrets.existingSecret -}}
{{- range $url := list "databaseUrl" "trackerStoreUrl" "lockStoreUrl" "eventBrokerUrl" -}}
{{- if not (get $.Values.external $url) -}}
{{- $missing = append $missing (printf "external.%s (or secrets.existingSecret)" $url) -}}
{{- end -}}
{{- end -}}
{{- if not .Values.secrets.twilioAuthToken -}}
{{- $missing = append $missing "secrets.twilioAuthToken (or secrets.existingSecret)" -}}
{{- end -}}
{{- end -}}
{{- with $missing -}}
{{- fail (printf "the chart needs values for: %s" (join ", " .)) -}}
{{- end -}}
{{- end -}}

{{/* Pod spec parts every process shares: the environment and the writable scratch space. */}}
{{- define "careline.envFrom" -}}
- configMapRef:
    name: {{ include "careline.fullname" . }}-config
- secretRef:
    name: {{ include "careline.secretName" . }}
{{- end -}}

{{- define "careline.scratchVolume" -}}
- name: scratch
  emptyDir:
    sizeLimit: {{ .Values.scratch.sizeLimit }}
{{- end -}}

{{- define "careline.scratchMount" -}}
- name: scratch
  mountPath: /tmp
{{- end -}}

{{/* The migration Job runs before the ServiceAccount exists: it keeps the namespace's. */}}
{{- define "careline.podSettings" -}}
automountServiceAccountToken: false
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

{{/*
One Careline process as a Deployment and its Service. Arguments (a dict):
  root       the chart's context ($)
  component  name (rasa, actions, gateway, …)
  values     the component's values (replicas, port, resources)
  args       the command after `python -m`
  health     the health endpoint's path
  replicas   false to leave the count to an autoscaler
  startupSeconds  how long the process may take to become healthy
*/}}
{{- define "careline.deployment" -}}
{{- $root := .root -}}
{{- $name := printf "%s-%s" (include "careline.fullname" $root) .component -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "careline.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if ne .replicas false }}
  replicas: {{ .values.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "careline.selectorLabels" (dict "root" $root "component" .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "careline.selectorLabels" (dict "root" $root "component" .component) | nindent 8 }}
      annotations:
        # a changed setting or secret rolls the pods
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ .values.port | quote }}
        prometheus.io/path: /metrics
        {{- with $root.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "careline.serviceAccountName" $root }}
      {{- include "careline.podSettings" $root | nindent 6 }}
      terminationGracePeriodSeconds: 30
      # replicas on different nodes where the cluster can: one node lost is not the service lost
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "careline.selectorLabels" (dict "root" $root "component" .component) | nindent 14 }}
      containers:
        - name: {{ .component }}
          image: {{ include "careline.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command: ["python", "-m"]
          args:
            {{- toYaml .args | nindent 12 }}
          ports:
            - name: http
              containerPort: {{ .values.port }}
              protocol: TCP
          envFrom:
            {{- include "careline.envFrom" $root | nindent 12 }}
          startupProbe:
            httpGet: {path: {{ .health }}, port: http}
            periodSeconds: 5
            failureThreshold: {{ div .startupSeconds 5 }}
          readinessProbe:
            httpGet: {path: {{ .health }}, port: http}
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          livenessProbe:
            httpGet: {path: {{ .health }}, port: http}
            periodSeconds: 20
            timeoutSeconds: 5
            failureThreshold: 3
          resources:
            {{- toYaml .values.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            {{- include "careline.scratchMount" $root | nindent 12 }}
      volumes:
        {{- include "careline.scratchVolume" $root | nindent 8 }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels:
    {{- include "careline.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  type: ClusterIP
  selector:
    {{- include "careline.selectorLabels" (dict "root" $root "component" .component) | nindent 4 }}
  ports:
    - name: http
      port: {{ .values.port }}
      targetPort: http
      protocol: TCP
{{- end -}}
