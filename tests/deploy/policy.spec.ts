/**
 * (4) Policy over the rendered objects: non-root, read-only root filesystem, dropped capabilities, seccomp,
 * probes, requests and limits, pinned images, NetworkPolicy coverage; the exact pod-to-pod flows of
 * docs/architecture.md; references that resolve; the environment variables of docs/architecture.md;
 * one identity, database and key per validator. (5) Each check is also shown to fail. The topics: topics.spec.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  allowedFlows,
  checkAll,
  checkEnvironment,
  checkKeyFiles,
  checkNetworkPolicyCoverage,
  checkReferences,
  checkWorkloadPolicy,
  parseArchitectureEnv,
  podTemplate,
  secretUses,
  type EnvTable,
} from './policy';
import { OVERLAYS, clone, must, parseManifests, readRepoFile, renderOverlay, renderSecretTemplates, type K8sObject } from './render';

type Container = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const obj = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!obj) throw new Error(`${kind}/${name} not rendered`);
  return obj;
}

function container(obj: K8sObject, index = 0): Container {
  const containers = podTemplate(obj)?.spec.containers;
  if (!Array.isArray(containers)) throw new Error(`${obj.kind}/${obj.metadata.name} has no containers`);
  return containers[index] as Container;
}

function configValue(objects: K8sObject[], configMapPrefix: string, key: string): string {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith(`${configMapPrefix}-`));
  return String((cm?.data as Record<string, string> | undefined)?.[key]);
}

/** The pod-to-pod flows of docs/architecture.md: gateway -> fx-quote, and gateway, settlement, fx-quote -> each validator. */
const ARCHITECTURE_FLOWS = [
  'fx-quote -> ledger-node-v0:3010',
  'fx-quote -> ledger-node-v1:3010',
  'fx-quote -> ledger-node-v2:3010',
  'gateway -> fx-quote:3001',
  'gateway -> ledger-node-v0:3010',
  'gateway -> ledger-node-v1:3010',
  'gateway -> ledger-node-v2:3010',
  'settlement -> ledger-node-v0:3010',
  'settlement -> ledger-node-v1:3010',
  'settlement -> ledger-node-v2:3010',
];

let table: EnvTable;
let templates: K8sObject[];
beforeAll(() => {
  table = parseArchitectureEnv(readRepoFile('docs/architecture.md'));
  templates = renderSecretTemplates();
});

describe.each(OVERLAYS)('policy: k8s/overlays/%s', (overlay) => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = renderOverlay(overlay);
  });

  it('every container is non-root, read-only, capability-free, probed, bounded and pinned', () => {
    expect(checkWorkloadPolicy(objects)).toEqual([]);
  });

  it('a default-deny and a specific NetworkPolicy cover every workload', () => {
    expect(checkNetworkPolicyCoverage(objects)).toEqual([]);
  });

  it('the NetworkPolicies allow exactly the pod-to-pod flows of docs/architecture.md', () => {
    expect(allowedFlows(objects)).toEqual(ARCHITECTURE_FLOWS);
  });

  it('every ConfigMap, Secret, volume, Service, HPA and PDB reference resolves', () => {
    expect(checkReferences(objects, templates)).toEqual([]);
  });

  it('each app gets exactly the environment variables docs/architecture.md lists for it', () => {
    expect(checkEnvironment(objects, templates, table)).toEqual([]);
  });

  it('every key file and the admin token come from a read-only Secret volume holding that key', () => {
    expect(checkKeyFiles(objects, templates)).toEqual([]);
  });

  it('the in-cluster URLs point at the Services that exist', () => {
    const services = new Map(
      objects.filter((o) => o.kind === 'Service').map((o) => [o.metadata.name, (o.spec as { ports: { port: number }[] }).ports[0].port]),
    );
    const urls = [configValue(objects, 'gateway-config', 'FX_QUOTE_URL'), ...configValue(objects, 'gateway-config', 'LEDGER_URLS').split(',')];
    expect(urls).toHaveLength(4);
    for (const url of urls) {
      const { hostname, port } = new URL(url);
      expect(services.get(hostname)).toBe(Number(port));
    }
  });

  it("each validator has its own identity, database and signing key, and no other validator's", () => {
    const seen = { ids: new Set<string>(), databases: new Set<string>(), keys: new Set<string>() };
    for (const index of [0, 1, 2]) {
      for (const [kind, name] of [
        ['StatefulSet', `ledger-node-v${index}`],
        ['Job', `ledger-node-migrate-v${index}`],
      ]) {
        const obj = find(objects, kind, name);
        const template = must(podTemplate(obj), `pod template of ${name}`);
        expect(template.labels['nostro.io/validator']).toBe(`v${index}`);
        const env = container(obj).env as { name: string; value?: string; valueFrom?: any }[]; // eslint-disable-line @typescript-eslint/no-explicit-any
        expect(env.find((e) => e.name === 'VALIDATOR_ID')?.value).toBe(`v${index}`);
        expect(env.find((e) => e.name === 'DATABASE_URL')?.valueFrom.secretKeyRef.name).toBe(`ledger-node-v${index}-env`);
        const secretNames = secretUses([obj]).map((use) => use.secret);
        expect(new Set(secretNames)).toEqual(new Set([`ledger-node-v${index}-env`, `ledger-node-v${index}-signing-key`]));
        if (kind === 'StatefulSet') {
          expect((obj.spec as { replicas: number }).replicas).toBe(1);
          seen.ids.add(`v${index}`);
          seen.databases.add(`ledger-node-v${index}-env`);
          seen.keys.add(`ledger-node-v${index}-signing-key`);
        }
      }
    }
    expect([seen.ids.size, seen.databases.size, seen.keys.size]).toEqual([3, 3, 3]);
    expect(configValue(objects, 'nostro-network', 'LEDGER_QUORUM')).toBe('2');
    const pdb = find(objects, 'PodDisruptionBudget', 'ledger-node').spec as { minAvailable: number };
    expect(pdb.minAvailable).toBe(2);
  });
});

describe('policy: Secret templates', () => {
  it('every template is read by some workload, and each validator database is its own', () => {
    const used = new Set(secretUses(renderOverlay('prod')).map((use) => use.secret));
    expect(templates.map((secret) => secret.metadata.name).filter((name) => !used.has(name))).toEqual([]);
    for (const index of [0, 1, 2]) {
      const secret = must(
        templates.find((s) => s.metadata.name === `ledger-node-v${index}-env`),
        `template ledger-node-v${index}-env`,
      );
      expect((secret.stringData as Record<string, string>).DATABASE_URL).toMatch(new RegExp(`/nostro_ledger_${index}\\?`));
    }
  });
});

describe('policy: the checks can fail', () => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = renderOverlay('prod');
    expect(checkAll(objects, templates, table)).toEqual([]);
  });

  function mutate(edit: (copy: K8sObject[]) => void): K8sObject[] {
    const copy = clone(objects);
    edit(copy);
    return copy;
  }

  it('reports a writable root filesystem, root user, missing probe, missing limits and unpinned images', () => {
    const broken = mutate((copy) => {
      const gateway = container(find(copy, 'Deployment', 'gateway'));
      delete gateway.securityContext.readOnlyRootFilesystem;
      gateway.image = 'nostro:latest';
      const fx = container(find(copy, 'Deployment', 'fx-quote'));
      fx.securityContext.runAsNonRoot = false;
      fx.securityContext.runAsUser = 0;
      delete fx.livenessProbe;
      const v1 = container(find(copy, 'StatefulSet', 'ledger-node-v1'));
      delete v1.resources.limits;
      v1.image = 'nostro';
      container(find(copy, 'Job', 'nostro-kafka-topics')).securityContext.capabilities.drop = [];
    });
    expect(checkWorkloadPolicy(broken).sort()).toEqual(
      [
        'Deployment/gateway container gateway: readOnlyRootFilesystem is not true',
        'Deployment/gateway container gateway: image "nostro:latest" uses the "latest" tag',
        'Deployment/fx-quote container fx-quote: runAsNonRoot is not true',
        'Deployment/fx-quote container fx-quote: runs as uid 0',
        'Deployment/fx-quote container fx-quote: no livenessProbe',
        'StatefulSet/ledger-node-v1 container ledger-node: no cpu limits',
        'StatefulSet/ledger-node-v1 container ledger-node: no memory limits',
        'StatefulSet/ledger-node-v1 container ledger-node: image "nostro" has no tag',
        'Job/nostro-kafka-topics container create-topics: does not drop ALL capabilities',
      ].sort(),
    );
  });

  it('reports the broken fixture manifest: latest image, root, no probes, no limits, no NetworkPolicy', () => {
    const fixture = path.join(__dirname, 'fixtures', 'broken-deployment.yaml');
    const broken = parseManifests(readFileSync(fixture, 'utf8'), fixture).map((obj) => ({
      ...obj,
      metadata: { ...obj.metadata, namespace: 'nostro' },
    }));
    const findings = [...checkWorkloadPolicy(broken), ...checkNetworkPolicyCoverage([...objects, ...broken])];
    expect(findings).toEqual(
      expect.arrayContaining([
        'Deployment/broken container broken: runs as uid 0',
        'Deployment/broken container broken: readOnlyRootFilesystem is not true',
        'Deployment/broken container broken: image "nostro:latest" uses the "latest" tag',
        'Deployment/broken container broken: no readinessProbe',
        'Deployment/broken container broken: no memory requests',
        'Deployment/broken: automountServiceAccountToken is not false',
        'Deployment/broken: no NetworkPolicy selects its pods',
      ]),
    );
  });

  it('reports a namespace without a default-deny NetworkPolicy', () => {
    const broken = mutate((copy) => copy.splice(copy.indexOf(find(copy, 'NetworkPolicy', 'default-deny-all')), 1));
    expect(checkNetworkPolicyCoverage(broken)).toContain('Deployment/settlement: no default-deny NetworkPolicy in its namespace');
  });

  it('reports a flow the architecture does not have', () => {
    const broken = mutate((copy) => {
      const fx = find(copy, 'NetworkPolicy', 'fx-quote').spec as { ingress: { from: unknown[] }[] };
      const settlementPods = { 'app.kubernetes.io/name': 'settlement', 'app.kubernetes.io/component': 'server' };
      fx.ingress[0].from.push({ podSelector: { matchLabels: settlementPods } });
      const settlement = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'settlement-to-fx', namespace: 'nostro' },
        spec: {
          podSelector: { matchLabels: settlementPods },
          policyTypes: ['Egress'],
          egress: [{ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'fx-quote' } } }] }],
        },
      } as K8sObject;
      copy.push(settlement);
    });
    expect(allowedFlows(broken)).toEqual([...ARCHITECTURE_FLOWS, 'settlement -> fx-quote:3001'].sort());
  });

  it('reports an unknown variable name and a missing one', () => {
    const broken = mutate((copy) => {
      const gateway = container(find(copy, 'Deployment', 'gateway'));
      gateway.env = gateway.env.filter((e: { name: string }) => e.name !== 'LEDGER_QUORUM');
      gateway.env.push({ name: 'REDIS_HOST', value: 'redis' });
    });
    expect(checkEnvironment(broken, templates, table)).toEqual([
      'Deployment/gateway: REDIS_HOST is not a variable gateway reads (docs/architecture.md)',
      'Deployment/gateway: LEDGER_QUORUM is not set',
    ]);
  });

  it('reports dangling references', () => {
    const broken = mutate((copy) => {
      container(find(copy, 'Deployment', 'settlement')).envFrom[1].configMapRef.name = 'settlement-confg';
      (find(copy, 'HorizontalPodAutoscaler', 'gateway').spec as any).scaleTargetRef.name = 'gatewy'; // eslint-disable-line @typescript-eslint/no-explicit-any
      (must(podTemplate(find(copy, 'StatefulSet', 'ledger-node-v2')), 'validator v2').spec.volumes as any[]).pop(); // eslint-disable-line @typescript-eslint/no-explicit-any
    });
    expect(checkKeyFiles(broken, templates)).toEqual([
      'StatefulSet/ledger-node-v2: VALIDATOR_SIGNING_KEY_FILE=/var/run/secrets/nostro/validator.key is not in a read-only Secret volume',
    ]);
    expect(checkReferences(broken, templates)).toEqual(
      expect.arrayContaining([
        'Deployment/settlement: envFrom names missing ConfigMap settlement-confg',
        'HorizontalPodAutoscaler/gateway: scales missing Deployment/gatewy',
        'StatefulSet/ledger-node-v2: volumeMount signing-key has no volume',
      ]),
    );
  });
});
