/**
 * Offline checks over rendered Kubernetes objects: schema validation (kubernetes-models, plus a check for
 * unknown fields, which the upstream OpenAPI schemas allow), security and operability policy, reference
 * integrity, and the pod-to-pod flows the NetworkPolicies allow. Every check returns a list of findings,
 * "<Kind>/<name>: <problem>", empty when the objects pass.
 */
import type { K8sObject } from './render';

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------------
// Small accessors (the rendered YAML is untyped)

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown): Json {
  return isObject(value) ? value : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asStringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(asObject(value))) out[key] = String(entry);
  return out;
}

export function id(obj: K8sObject): string {
  return `${obj.kind}/${obj.metadata?.name ?? '<unnamed>'}`;
}

function ns(obj: K8sObject): string {
  return obj.metadata?.namespace ?? '';
}

// ---------------------------------------------------------------------------------------------------
// Schema validation

interface ModelClass {
  prototype: { validate(this: unknown): void };
}

/** kubernetes-models module path for an apiVersion/kind, e.g. apps/v1 Deployment -> kubernetes-models/apps/v1/Deployment. */
function loadModel(apiVersion: string, kind: string): ModelClass | undefined {
  if (!/^[A-Za-z0-9.]+(\/[A-Za-z0-9]+)?$/.test(apiVersion) || !/^[A-Za-z0-9]+$/.test(kind)) return undefined;
  try {
    const mod = require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, ModelClass | undefined>;
    return mod[kind];
  } catch {
    return undefined;
  }
}

interface AccessRecord {
  read: Set<string>;
  enumerated: boolean;
}

/**
 * Wraps a value so that every property the validator reads is recorded. The generated validators read every
 * property their schema declares (present or not) and enumerate the keys of maps (labels, data, ...), so a
 * key of a checked object that was never read is a field the schema does not know: a typo or a field from
 * another Kubernetes version. This gives kubectl's strict field validation offline.
 */
function trackAccess(root: unknown): { proxy: unknown; records: WeakMap<object, AccessRecord> } {
  const records = new WeakMap<object, AccessRecord>();
  const proxies = new WeakMap<object, unknown>();
  const wrap = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const existing = proxies.get(value);
    if (existing !== undefined) return existing;
    const record: AccessRecord = { read: new Set(), enumerated: false };
    records.set(value, record);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === 'string') record.read.add(key);
        return wrap(Reflect.get(target, key, receiver));
      },
      has(target, key) {
        if (typeof key === 'string') record.read.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        record.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  return { proxy: wrap(root), records };
}

function unknownFields(value: unknown, records: WeakMap<object, AccessRecord>, path: string, out: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => unknownFields(item, records, `${path}[${index}]`, out));
    return;
  }
  if (!isObject(value)) return;
  const record = records.get(value);
  // Checked against a schema with declared properties (some were read) and not treated as a map.
  if (record && !record.enumerated && record.read.size > 0) {
    for (const key of Object.keys(value)) {
      if (!record.read.has(key)) out.push(`${path}.${key}`);
    }
  }
  for (const [key, child] of Object.entries(value)) unknownFields(child, records, `${path}.${key}`, out);
}

/** Validates one object against the Kubernetes schema of its apiVersion/kind; unknown kinds are findings. */
export function validateSchema(obj: K8sObject): string[] {
  if (!isObject(obj) || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
    return [`${String((obj as Json)?.kind)}: not a Kubernetes object (apiVersion and kind are required)`];
  }
  const model = loadModel(obj.apiVersion, obj.kind);
  if (!model) return [`${id(obj)}: no schema for ${obj.apiVersion} ${obj.kind}`];
  const findings: string[] = [];
  if (!obj.metadata?.name) findings.push(`${id(obj)}: metadata.name is required`);
  const { proxy, records } = trackAccess(obj);
  try {
    model.prototype.validate.call(proxy);
  } catch (error) {
    findings.push(`${id(obj)}: ${(error as Error).message}`);
  }
  const unknown: string[] = [];
  unknownFields(obj, records, '', unknown);
  for (const field of unknown) findings.push(`${id(obj)}: unknown field ${field}`);
  return findings;
}

export function validateSchemas(objects: K8sObject[]): string[] {
  return objects.flatMap(validateSchema);
}

// ---------------------------------------------------------------------------------------------------
// Workloads and their pods

const LONG_RUNNING_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);
const WORKLOAD_KINDS = new Set([...LONG_RUNNING_KINDS, 'Job', 'CronJob', 'Pod']);

export interface PodTemplate {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: Json;
}

export function podTemplate(obj: K8sObject): PodTemplate | undefined {
  let template: Json | undefined;
  if (obj.kind === 'Pod') template = obj as unknown as Json;
  else if (obj.kind === 'CronJob') template = asObject(asObject(asObject(asObject(obj.spec).jobTemplate).spec).template);
  else if (WORKLOAD_KINDS.has(obj.kind)) template = asObject(asObject(obj.spec).template);
  if (!template) return undefined;
  const metadata = asObject(template.metadata);
  return { labels: asStringMap(metadata.labels), annotations: asStringMap(metadata.annotations), spec: asObject(template.spec) };
}

export function workloads(objects: K8sObject[]): K8sObject[] {
  return objects.filter((obj) => WORKLOAD_KINDS.has(obj.kind));
}

export function containersOf(spec: Json): Json[] {
  return [...asArray(spec.initContainers), ...asArray(spec.containers)].filter(isObject);
}

/** "repo/name:tag" or "...@sha256:..." is pinned; no tag or "latest" is not. Returns the problem or undefined. */
export function imagePinProblem(image: unknown): string | undefined {
  if (typeof image !== 'string' || image.length === 0) return 'has no image';
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  const lastSlash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  if (colon <= lastSlash) return `image "${image}" has no tag`;
  const tag = image.slice(colon + 1);
  if (tag === 'latest') return `image "${image}" uses the "latest" tag`;
  return undefined;
}

function checkContainer(where: string, container: Json, pod: Json, longRunning: boolean): string[] {
  const findings: string[] = [];
  const name = `${where} container ${String(container.name)}`;
  const podSecurity = asObject(pod.securityContext);
  const security = asObject(container.securityContext);
  const runAsNonRoot = security.runAsNonRoot ?? podSecurity.runAsNonRoot;
  const runAsUser = security.runAsUser ?? podSecurity.runAsUser;
  if (runAsNonRoot !== true) findings.push(`${name}: runAsNonRoot is not true`);
  if (runAsUser === 0) findings.push(`${name}: runs as uid 0`);
  if (security.readOnlyRootFilesystem !== true) findings.push(`${name}: readOnlyRootFilesystem is not true`);
  if (security.allowPrivilegeEscalation !== false) findings.push(`${name}: allowPrivilegeEscalation is not false`);
  if (security.privileged === true) findings.push(`${name}: is privileged`);
  const drop = asArray(asObject(security.capabilities).drop).map(String);
  if (!drop.includes('ALL')) findings.push(`${name}: does not drop ALL capabilities`);
  if (asArray(asObject(security.capabilities).add).length > 0) findings.push(`${name}: adds capabilities`);
  const seccomp = asObject(security.seccompProfile).type ?? asObject(podSecurity.seccompProfile).type;
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') findings.push(`${name}: seccompProfile is not RuntimeDefault`);

  const pin = imagePinProblem(container.image);
  if (pin) findings.push(`${name}: ${pin}`);

  const resources = asObject(container.resources);
  for (const section of ['requests', 'limits'] as const) {
    const values = asObject(resources[section]);
    for (const resource of ['cpu', 'memory']) {
      if (values[resource] === undefined) findings.push(`${name}: no ${resource} ${section}`);
    }
  }

  if (longRunning) {
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      if (!isObject(container[probe])) findings.push(`${name}: no ${probe}`);
    }
  }

  // A read-only root filesystem needs a writable /tmp, from an emptyDir.
  const tmpMount = asArray(container.volumeMounts)
    .map(asObject)
    .find((mount) => mount.mountPath === '/tmp');
  const volumes = asArray(pod.volumes).map(asObject);
  const tmpVolume = tmpMount ? volumes.find((volume) => volume.name === tmpMount.name) : undefined;
  if (!tmpVolume || !isObject(tmpVolume.emptyDir)) findings.push(`${name}: no emptyDir mounted at /tmp`);
  return findings;
}

/** Security and operability rules for every workload. */
export function checkWorkloadPolicy(objects: K8sObject[]): string[] {
  const findings: string[] = [];
  for (const obj of workloads(objects)) {
    const template = podTemplate(obj);
    if (!template) continue;
    const where = id(obj);
    const pod = template.spec;
    const longRunning = LONG_RUNNING_KINDS.has(obj.kind);
    if (pod.automountServiceAccountToken !== false) findings.push(`${where}: automountServiceAccountToken is not false`);
    for (const hostField of ['hostNetwork', 'hostPID', 'hostIPC']) {
      if (pod[hostField] === true) findings.push(`${where}: ${hostField} is true`);
    }
    const containers = containersOf(pod);
    if (containers.length === 0) findings.push(`${where}: no containers`);
    for (const container of containers) findings.push(...checkContainer(where, container, pod, longRunning));
    if (longRunning) {
      const annotations = template.annotations;
      const ports = asArray(asObject(asArray(pod.containers)[0]).ports).map((port) => String(asObject(port).containerPort));
      if (annotations['prometheus.io/scrape'] !== 'true') findings.push(`${where}: no prometheus.io/scrape annotation`);
      if (!ports.includes(annotations['prometheus.io/port'] ?? '')) {
        findings.push(`${where}: prometheus.io/port does not name a container port`);
      }
      if (annotations['prometheus.io/path'] !== '/metrics') findings.push(`${where}: prometheus.io/path is not /metrics`);
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------------
// Label selectors and NetworkPolicies

export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  const sel = asObject(selector);
  for (const [key, value] of Object.entries(asStringMap(sel.matchLabels))) {
    if (labels[key] !== value) return false;
  }
  for (const expression of asArray(sel.matchExpressions).map(asObject)) {
    const key = String(expression.key);
    const values = asArray(expression.values).map(String);
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (expression.operator) {
      case 'In':
        if (!has || !values.includes(labels[key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function isEmptySelector(selector: unknown): boolean {
  const sel = asObject(selector);
  return Object.keys(asObject(sel.matchLabels)).length === 0 && asArray(sel.matchExpressions).length === 0;
}

function policyTypes(policy: K8sObject): string[] {
  const spec = asObject(policy.spec);
  const declared = asArray(spec.policyTypes).map(String);
  if (declared.length > 0) return declared;
  return spec.egress !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
}

export function isDefaultDeny(policy: K8sObject): boolean {
  const spec = asObject(policy.spec);
  const types = policyTypes(policy);
  return (
    policy.kind === 'NetworkPolicy' &&
    isEmptySelector(spec.podSelector) &&
    types.includes('Ingress') &&
    types.includes('Egress') &&
    asArray(spec.ingress).length === 0 &&
    asArray(spec.egress).length === 0
  );
}

/** A default-deny policy in every namespace with workloads, and a specific policy selecting every workload. */
export function checkNetworkPolicyCoverage(objects: K8sObject[]): string[] {
  const findings: string[] = [];
  const policies = objects.filter((obj) => obj.kind === 'NetworkPolicy');
  for (const obj of workloads(objects)) {
    const template = podTemplate(obj);
    if (!template) continue;
    const inNamespace = policies.filter((policy) => ns(policy) === ns(obj));
    if (!inNamespace.some(isDefaultDeny)) findings.push(`${id(obj)}: no default-deny NetworkPolicy in its namespace`);
    const specific = inNamespace.filter(
      (policy) => !isEmptySelector(asObject(policy.spec).podSelector) && selectorMatches(asObject(policy.spec).podSelector, template.labels),
    );
    if (specific.length === 0) findings.push(`${id(obj)}: no NetworkPolicy selects its pods`);
  }
  return findings;
}

interface Endpoint {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ports: { name?: string; port: number; protocol: string }[];
}

function endpoints(objects: K8sObject[]): Endpoint[] {
  return workloads(objects).flatMap((obj) => {
    const template = podTemplate(obj);
    if (!template) return [];
    const ports = asArray(template.spec.containers).flatMap((container) =>
      asArray(asObject(container).ports).map((port) => {
        const p = asObject(port);
        return { name: p.name as string | undefined, port: Number(p.containerPort), protocol: String(p.protocol ?? 'TCP') };
      }),
    );
    return [{ name: obj.metadata.name, namespace: ns(obj), labels: template.labels, ports }];
  });
}

function namespaceLabels(objects: K8sObject[], namespace: string): Record<string, string> {
  const object = objects.find((obj) => obj.kind === 'Namespace' && obj.metadata.name === namespace);
  return { ...asStringMap(object?.metadata.labels), 'kubernetes.io/metadata.name': namespace };
}

function peerMatches(peer: Json, self: Endpoint, other: Endpoint, objects: K8sObject[]): boolean {
  if (isObject(peer.ipBlock)) return true; // conservative: an ipBlock may cover pod addresses
  if (peer.namespaceSelector !== undefined) {
    if (!selectorMatches(peer.namespaceSelector, namespaceLabels(objects, other.namespace))) return false;
  } else if (other.namespace !== self.namespace) {
    return false;
  }
  return peer.podSelector === undefined || selectorMatches(peer.podSelector, other.labels);
}

function portMatches(rulePorts: unknown, target: { name?: string; port: number; protocol: string }): boolean {
  const ports = asArray(rulePorts).map(asObject);
  if (ports.length === 0) return true;
  return ports.some((entry) => {
    if (String(entry.protocol ?? 'TCP') !== target.protocol) return false;
    if (entry.port === undefined) return true;
    if (typeof entry.port === 'string' && !/^\d+$/.test(entry.port)) return entry.port === target.name;
    const from = Number(entry.port);
    const to = entry.endPort === undefined ? from : Number(entry.endPort);
    return target.port >= from && target.port <= to;
  });
}

function directionAllows(
  direction: 'Ingress' | 'Egress',
  policies: K8sObject[],
  self: Endpoint,
  other: Endpoint,
  port: { name?: string; port: number; protocol: string },
  objects: K8sObject[],
): boolean {
  const applicable = policies.filter(
    (policy) => ns(policy) === self.namespace && policyTypes(policy).includes(direction) && selectorMatches(asObject(policy.spec).podSelector, self.labels),
  );
  if (applicable.length === 0) return true; // not isolated in this direction
  const field = direction === 'Ingress' ? 'ingress' : 'egress';
  const peersField = direction === 'Ingress' ? 'from' : 'to';
  return applicable.some((policy) =>
    asArray(asObject(policy.spec)[field]).some((ruleValue) => {
      const rule = asObject(ruleValue);
      const peers = asArray(rule[peersField]).map(asObject);
      const peerOk = peers.length === 0 || peers.some((peer) => peerMatches(peer, self, other, objects));
      return peerOk && portMatches(rule.ports, port);
    }),
  );
}

/** Every "source -> destination:port" between the rendered workloads that the NetworkPolicies allow. */
export function allowedFlows(objects: K8sObject[]): string[] {
  const policies = objects.filter((obj) => obj.kind === 'NetworkPolicy');
  const all = endpoints(objects);
  const flows: string[] = [];
  for (const source of all) {
    for (const destination of all) {
      if (source === destination) continue;
      for (const port of destination.ports) {
        const egress = directionAllows('Egress', policies, source, destination, port, objects);
        const ingress = directionAllows('Ingress', policies, destination, source, port, objects);
        if (egress && ingress) flows.push(`${source.name} -> ${destination.name}:${port.port}`);
      }
    }
  }
  return flows.sort();
}

// ---------------------------------------------------------------------------------------------------
// References between objects

interface SecretUse {
  from: string;
  secret: string;
  key?: string;
}

/** Secrets the workloads read (by name, and key when one is named). */
export function secretUses(objects: K8sObject[]): SecretUse[] {
  const uses: SecretUse[] = [];
  for (const obj of workloads(objects)) {
    const template = podTemplate(obj);
    if (!template) continue;
    for (const container of containersOf(template.spec)) {
      for (const env of asArray(container.env).map(asObject)) {
        const ref = asObject(asObject(env.valueFrom).secretKeyRef);
        if (ref.name !== undefined) uses.push({ from: id(obj), secret: String(ref.name), key: String(ref.key) });
      }
      for (const source of asArray(container.envFrom).map(asObject)) {
        const ref = asObject(source.secretRef);
        if (ref.name !== undefined) uses.push({ from: id(obj), secret: String(ref.name) });
      }
    }
    for (const volume of asArray(template.spec.volumes).map(asObject)) {
      const secret = asObject(volume.secret);
      if (secret.secretName !== undefined) uses.push({ from: id(obj), secret: String(secret.secretName) });
    }
  }
  return uses;
}

function secretKeys(secret: K8sObject): string[] {
  return [...Object.keys(asObject(secret.data)), ...Object.keys(asObject(secret.stringData))];
}

/**
 * Every ConfigMap, Secret, volume, Service target, HPA target, PDB selector and governing Service that a
 * rendered object names exists. `secrets` are the Secrets to resolve against (the templates, since no overlay
 * ships Secrets).
 */
export function checkReferences(objects: K8sObject[], secrets: K8sObject[]): string[] {
  const findings: string[] = [];
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o]));
  const secretsByName = new Map(secrets.filter((o) => o.kind === 'Secret').map((o) => [o.metadata.name, o]));
  const configMapHas = (name: string, key?: string): boolean => {
    const cm = configMaps.get(name);
    return cm !== undefined && (key === undefined || Object.prototype.hasOwnProperty.call(asObject(cm.data), key));
  };

  for (const obj of workloads(objects)) {
    const template = podTemplate(obj);
    if (!template) continue;
    const volumes = asArray(template.spec.volumes).map(asObject);
    for (const volume of volumes) {
      const cm = asObject(volume.configMap);
      if (cm.name !== undefined && !configMapHas(String(cm.name))) {
        findings.push(`${id(obj)}: volume ${String(volume.name)} names missing ConfigMap ${String(cm.name)}`);
      }
    }
    for (const container of containersOf(template.spec)) {
      for (const env of asArray(container.env).map(asObject)) {
        const ref = asObject(asObject(env.valueFrom).configMapKeyRef);
        if (ref.name !== undefined && !configMapHas(String(ref.name), String(ref.key))) {
          findings.push(`${id(obj)}: env ${String(env.name)} names missing ConfigMap key ${String(ref.name)}/${String(ref.key)}`);
        }
      }
      for (const source of asArray(container.envFrom).map(asObject)) {
        const ref = asObject(source.configMapRef);
        if (ref.name !== undefined && !configMapHas(String(ref.name))) {
          findings.push(`${id(obj)}: envFrom names missing ConfigMap ${String(ref.name)}`);
        }
      }
      for (const mount of asArray(container.volumeMounts).map(asObject)) {
        if (!volumes.some((volume) => volume.name === mount.name)) {
          findings.push(`${id(obj)}: volumeMount ${String(mount.name)} has no volume`);
        }
      }
    }
  }

  for (const use of secretUses(objects)) {
    const secret = secretsByName.get(use.secret);
    if (!secret) findings.push(`${use.from}: reads Secret ${use.secret}, which has no template`);
    else if (use.key !== undefined && !secretKeys(secret).includes(use.key)) {
      findings.push(`${use.from}: reads key ${use.key} of Secret ${use.secret}, which its template lacks`);
    }
  }

  const pods = workloads(objects)
    .map((obj) => ({ obj, template: podTemplate(obj) }))
    .filter((entry): entry is { obj: K8sObject; template: PodTemplate } => entry.template !== undefined);
  const longRunningPods = pods.filter((entry) => LONG_RUNNING_KINDS.has(entry.obj.kind));
  for (const obj of objects) {
    const spec = asObject(obj.spec);
    if (obj.kind === 'Service') {
      const selector = asStringMap(spec.selector);
      const matched = longRunningPods.filter((entry) => ns(entry.obj) === ns(obj) && selectorMatches({ matchLabels: selector }, entry.template.labels));
      if (matched.length === 0) findings.push(`${id(obj)}: selects no long-running workload`);
      const stray = pods.filter((entry) => !LONG_RUNNING_KINDS.has(entry.obj.kind) && selectorMatches({ matchLabels: selector }, entry.template.labels));
      for (const entry of stray) findings.push(`${id(obj)}: also selects the pods of ${id(entry.obj)}`);
      for (const port of asArray(spec.ports).map(asObject)) {
        if (typeof port.targetPort !== 'string') continue;
        for (const entry of matched) {
          const names = asArray(entry.template.spec.containers).flatMap((c) => asArray(asObject(c).ports).map((p) => asObject(p).name));
          if (!names.includes(port.targetPort)) {
            findings.push(`${id(obj)}: targetPort ${port.targetPort} is not a port of ${id(entry.obj)}`);
          }
        }
      }
    }
    if (obj.kind === 'HorizontalPodAutoscaler') {
      const ref = asObject(spec.scaleTargetRef);
      const target = objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name && ns(o) === ns(obj));
      if (!target) findings.push(`${id(obj)}: scales missing ${String(ref.kind)}/${String(ref.name)}`);
      else if (asObject(target.spec).replicas !== undefined) {
        findings.push(`${id(target)}: sets spec.replicas although ${id(obj)} owns them`);
      }
    }
    if (obj.kind === 'PodDisruptionBudget') {
      const matched = longRunningPods.filter((entry) => ns(entry.obj) === ns(obj) && selectorMatches(spec.selector, entry.template.labels));
      if (matched.length === 0) findings.push(`${id(obj)}: selects no long-running workload`);
    }
    if (obj.kind === 'StatefulSet') {
      const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === spec.serviceName && ns(o) === ns(obj));
      if (!service) findings.push(`${id(obj)}: governing Service ${String(spec.serviceName)} is missing`);
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------------
// Environment variables: exactly the names of docs/architecture.md

export type EnvTable = Map<string, Set<string>>; // variable -> apps that read it ("all" expanded)

export const APPS = ['gateway', 'fx-quote', 'settlement', 'ledger-node'] as const;

/** Parses the "Configuration (environment)" table of docs/architecture.md. */
export function parseArchitectureEnv(markdown: string): EnvTable {
  const section = markdown.split(/^## /m).find((part) => part.startsWith('Configuration'));
  if (!section) throw new Error('docs/architecture.md has no "## Configuration" section');
  const table: EnvTable = new Map();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 4 || !cells[1].startsWith('`')) continue;
    const names = [...cells[1].matchAll(/`([A-Z0-9_]+)`/g)].map((match) => match[1]);
    const usedBy = cells[2] === 'all' ? [...APPS] : cells[2].split(',').map((app) => app.trim());
    for (const name of names) table.set(name, new Set(usedBy));
  }
  if (table.size === 0) throw new Error('docs/architecture.md: no variables found in the Configuration table');
  return table;
}

export function variablesFor(table: EnvTable, app: string): Set<string> {
  return new Set([...table].filter(([, apps]) => apps.has(app)).map(([name]) => name));
}

/** Names a container's environment defines: env entries and the keys of envFrom ConfigMaps/Secrets. */
export function containerEnvNames(container: Json, objects: K8sObject[], secrets: K8sObject[]): string[] {
  const names = asArray(container.env).map((env) => String(asObject(env).name));
  for (const source of asArray(container.envFrom).map(asObject)) {
    const prefix = typeof source.prefix === 'string' ? source.prefix : '';
    const cmName = asObject(source.configMapRef).name;
    const secretName = asObject(source.secretRef).name;
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === cmName);
    const secret = secrets.find((o) => o.kind === 'Secret' && o.metadata.name === secretName);
    if (cm) names.push(...Object.keys(asObject(cm.data)).map((key) => prefix + key));
    if (secret) names.push(...secretKeys(secret).map((key) => prefix + key));
  }
  return names;
}

/**
 * Each Nostro container (label app.kubernetes.io/name is one of the apps) defines only variables that
 * docs/architecture.md lists for that app, and its long-running containers define all of them.
 */
export function checkEnvironment(objects: K8sObject[], secrets: K8sObject[], table: EnvTable): string[] {
  const findings: string[] = [];
  for (const obj of workloads(objects)) {
    const template = podTemplate(obj);
    const app = template?.labels['app.kubernetes.io/name'];
    if (!template || !app || !(APPS as readonly string[]).includes(app)) continue;
    const allowed = variablesFor(table, app);
    for (const container of containersOf(template.spec)) {
      const names = containerEnvNames(container, objects, secrets);
      const seen = new Set<string>();
      for (const name of names) {
        if (!allowed.has(name)) findings.push(`${id(obj)}: ${name} is not a variable ${app} reads (docs/architecture.md)`);
        if (seen.has(name)) findings.push(`${id(obj)}: ${name} is defined twice`);
        seen.add(name);
      }
      if (LONG_RUNNING_KINDS.has(obj.kind)) {
        for (const name of allowed) {
          if (!seen.has(name)) findings.push(`${id(obj)}: ${name} is not set`);
        }
      }
    }
  }
  return findings;
}

/**
 * Every *_FILE variable (key files, the admin token) points into a read-only Secret volume whose Secret
 * template has a key of that file's name.
 */
export function checkKeyFiles(objects: K8sObject[], secrets: K8sObject[]): string[] {
  const findings: string[] = [];
  for (const obj of workloads(objects)) {
    const template = podTemplate(obj);
    if (!template) continue;
    const volumes = asArray(template.spec.volumes).map(asObject);
    for (const container of containersOf(template.spec)) {
      const values = new Map<string, string>();
      for (const source of asArray(container.envFrom).map(asObject)) {
        const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === asObject(source.configMapRef).name);
        for (const [key, value] of Object.entries(asStringMap(cm?.data))) values.set(key, value);
      }
      for (const env of asArray(container.env).map(asObject)) {
        if (typeof env.value === 'string') values.set(String(env.name), env.value);
      }
      for (const [name, file] of values) {
        if (!name.endsWith('_FILE')) continue;
        const slash = file.lastIndexOf('/');
        const directory = file.slice(0, slash);
        const mount = asArray(container.volumeMounts)
          .map(asObject)
          .find((m) => m.mountPath === directory);
        const volume = volumes.find((v) => v.name === mount?.name);
        const secretName = asObject(volume?.secret).secretName;
        const secret = secrets.find((o) => o.kind === 'Secret' && o.metadata.name === secretName);
        if (!mount || mount.readOnly !== true || secretName === undefined) {
          findings.push(`${id(obj)}: ${name}=${file} is not in a read-only Secret volume`);
        } else if (!secret || !secretKeys(secret).includes(file.slice(slash + 1))) {
          findings.push(`${id(obj)}: ${name}=${file}: Secret ${String(secretName)} has no key ${file.slice(slash + 1)}`);
        }
      }
    }
  }
  return findings;
}

/** All checks that must pass for an overlay. */
export function checkAll(objects: K8sObject[], secretTemplates: K8sObject[], table: EnvTable): string[] {
  return [
    ...validateSchemas(objects),
    ...checkWorkloadPolicy(objects),
    ...checkNetworkPolicyCoverage(objects),
    ...checkReferences(objects, secretTemplates),
    ...checkEnvironment(objects, secretTemplates, table),
    ...checkKeyFiles(objects, secretTemplates),
  ];
}
