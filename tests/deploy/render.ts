/**
 * Rendering and loading of the deployment manifests, for the offline checks in this folder.
 * Kustomize output comes from `kubectl kustomize` (kubectl >= 1.27, Kustomize v5). A missing or old kubectl is
 * an error, never a skipped test: CI installs it with `apt-get install -y kubectl` (docs: INFRA.md).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** A Kubernetes object as rendered: only the fields every object has are typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // Everything else is read through narrow helpers in policy.ts.
  [field: string]: unknown;
}

export const KUBECTL_MIN_MINOR = 27;
export const KUSTOMIZE_MIN_MAJOR = 5;

export interface KubectlInfo {
  path: string;
  clientVersion: string;
  kustomizeVersion: string;
}

/** Finds kubectl and checks its version; throws with the fix when it is missing or too old. */
export function requireKubectl(): KubectlInfo {
  const kubectl = process.env.KUBECTL ?? 'kubectl';
  const result = spawnSync(kubectl, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(
      `kubectl is required for the manifest checks and was not found or failed (${result.error?.message ?? result.stderr}). ` +
        'Install it: apt-get install -y kubectl (1.27 or later, with Kustomize v5; not Debian\'s "kubernetes-client").',
    );
  }
  const info = JSON.parse(result.stdout) as {
    clientVersion: { major: string; minor: string; gitVersion: string };
    kustomizeVersion?: string;
  };
  const major = Number.parseInt(info.clientVersion.major, 10);
  const minor = Number.parseInt(info.clientVersion.minor, 10);
  if (!(major > 1 || (major === 1 && minor >= KUBECTL_MIN_MINOR))) {
    throw new Error(`kubectl ${info.clientVersion.gitVersion} is too old: need 1.${KUBECTL_MIN_MINOR} or later.`);
  }
  const kustomizeVersion = info.kustomizeVersion ?? '';
  const kustomizeMajor = Number.parseInt(kustomizeVersion.replace(/^v/, ''), 10);
  if (!(kustomizeMajor >= KUSTOMIZE_MIN_MAJOR)) {
    throw new Error(`kubectl bundles Kustomize "${kustomizeVersion}": need v${KUSTOMIZE_MIN_MAJOR} or later.`);
  }
  return { path: kubectl, clientVersion: info.clientVersion.gitVersion, kustomizeVersion };
}

/** Parses a multi-document YAML string into Kubernetes objects; a YAML error is thrown, not skipped. */
export function parseManifests(text: string, origin: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new Error(`${origin}: YAML error: ${doc.errors.map((e) => e.message).join('; ')}`);
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new Error(`${origin}: a document is not an object`);
    }
    objects.push(value as K8sObject);
  }
  return objects;
}

/** `kubectl kustomize <dir>` (dir relative to the repository root), parsed. */
export function renderKustomize(dir: string): K8sObject[] {
  const kubectl = requireKubectl();
  const output = execFileSync(kubectl.path, ['kustomize', dir], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseManifests(output, `kubectl kustomize ${dir}`);
}

export const OVERLAYS = ['dev', 'prod'] as const;
export type Overlay = (typeof OVERLAYS)[number];

export function renderOverlay(overlay: Overlay): K8sObject[] {
  return renderKustomize(`k8s/overlays/${overlay}`);
}

/** The Secret templates (k8s/base/secrets): not part of any overlay. */
export function renderSecretTemplates(): K8sObject[] {
  return renderKustomize('k8s/base/secrets');
}

export function readRepoFile(relativePath: string): string {
  return readFileSync(path.join(repoRoot, relativePath), 'utf8');
}

/** A YAML file parsed with YAML 1.1 merge keys (`<<`), as Docker Compose reads it. */
export function loadYamlWithMerge(relativePath: string): unknown {
  return parseYaml(readRepoFile(relativePath), { merge: true, maxAliasCount: -1 });
}

/** The value, or an error naming what was missing (instead of a non-null assertion). */
export function must<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`missing: ${what}`);
  return value;
}

/** Deep copy, for tests that break a rendered object on purpose. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
