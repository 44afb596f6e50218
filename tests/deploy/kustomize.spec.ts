/**
 * (1) Every overlay renders with `kubectl kustomize`, and contains the objects the cluster needs.
 * kubectl missing or too old fails here, loudly (render.ts): CI installs it with apt-get install -y kubectl.
 */
import { OVERLAYS, renderOverlay, renderSecretTemplates, requireKubectl, type K8sObject } from './render';

function names(objects: K8sObject[], kind: string): string[] {
  return objects
    .filter((obj) => obj.kind === kind)
    .map((obj) => obj.metadata.name)
    .sort();
}

describe('kubectl and Kustomize', () => {
  it('kubectl >= 1.27 with Kustomize v5 is installed', () => {
    const info = requireKubectl();
    expect(info.clientVersion).toMatch(/^v1\.\d+/);
    expect(info.kustomizeVersion).toMatch(/^v5\./);
  });
});

describe.each(OVERLAYS)('k8s/overlays/%s', (overlay) => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = renderOverlay(overlay);
  });

  it('renders the three Deployments, three validator StatefulSets and their Services', () => {
    expect(names(objects, 'Deployment')).toEqual(['fx-quote', 'gateway', 'settlement']);
    expect(names(objects, 'StatefulSet')).toEqual(['ledger-node-v0', 'ledger-node-v1', 'ledger-node-v2']);
    expect(names(objects, 'Service')).toEqual(['fx-quote', 'gateway', 'ledger-node-v0', 'ledger-node-v1', 'ledger-node-v2', 'settlement']);
  });

  it('renders HPAs, PDBs, the migration Jobs and the topic Job', () => {
    expect(names(objects, 'HorizontalPodAutoscaler')).toEqual(['fx-quote', 'gateway', 'settlement']);
    expect(names(objects, 'PodDisruptionBudget')).toEqual(['fx-quote', 'gateway', 'ledger-node', 'settlement']);
    expect(names(objects, 'Job')).toEqual([
      'fx-quote-migrate',
      'gateway-migrate',
      'ledger-node-migrate-v0',
      'ledger-node-migrate-v1',
      'ledger-node-migrate-v2',
      'nostro-kafka-topics',
      'settlement-migrate',
    ]);
    expect(names(objects, 'NetworkPolicy')).toContain('default-deny-all');
  });

  it('puts every namespaced object in the overlay namespace, which enforces the restricted Pod Security Standard', () => {
    const namespace = objects.find((obj) => obj.kind === 'Namespace');
    expect(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const stray = objects.filter((obj) => obj.kind !== 'Namespace' && obj.metadata.namespace !== namespace?.metadata.name);
    expect(stray.map((obj) => `${obj.kind}/${obj.metadata.name}`)).toEqual([]);
  });

  it('ships no Secret: real Secrets are created out of band and an apply never overwrites them', () => {
    expect(names(objects, 'Secret')).toEqual([]);
  });

  it('uses the same HOST, MIGRATE_ON_START and topic prefix for every app', () => {
    const common = objects.find((obj) => obj.kind === 'ConfigMap' && obj.metadata.name.startsWith('nostro-common-'));
    expect(common?.data).toMatchObject({ HOST: '0.0.0.0', MIGRATE_ON_START: 'false', KAFKA_TOPIC_PREFIX: 'nostro.' });
  });
});

describe('k8s/overlays: differences between dev and prod', () => {
  it('gives prod more replicas and bigger limits than dev', () => {
    const dev = renderOverlay('dev');
    const prod = renderOverlay('prod');
    const hpa = (objects: K8sObject[], name: string) =>
      objects.find((obj) => obj.kind === 'HorizontalPodAutoscaler' && obj.metadata.name === name)?.spec as {
        minReplicas: number;
        maxReplicas: number;
      };
    for (const name of ['gateway', 'fx-quote', 'settlement']) {
      expect(hpa(prod, name).minReplicas).toBeGreaterThan(hpa(dev, name).minReplicas);
      expect(hpa(prod, name).maxReplicas).toBeGreaterThan(hpa(dev, name).maxReplicas);
    }
    const memoryLimit = (objects: K8sObject[], kind: string, name: string): string => {
      const obj = objects.find((o) => o.kind === kind && o.metadata.name === name) as unknown as {
        spec: { template: { spec: { containers: { resources: { limits: { memory: string } } }[] } } };
      };
      return obj.spec.template.spec.containers[0].resources.limits.memory;
    };
    const mebibytes = (quantity: string): number => (quantity.endsWith('Gi') ? Number.parseFloat(quantity) * 1024 : Number.parseFloat(quantity));
    for (const [kind, name] of [
      ['Deployment', 'gateway'],
      ['Deployment', 'fx-quote'],
      ['Deployment', 'settlement'],
      ['StatefulSet', 'ledger-node-v0'],
    ]) {
      expect(mebibytes(memoryLimit(prod, kind, name))).toBeGreaterThan(mebibytes(memoryLimit(dev, kind, name)));
    }
  });

  it('replicates the topics in prod (3 replicas, min.insync.replicas 2) and not in dev', () => {
    const topicConfig = (objects: K8sObject[]) => objects.find((obj) => obj.kind === 'ConfigMap' && obj.metadata.name.startsWith('kafka-topics-config-'))?.data;
    expect(topicConfig(renderOverlay('prod'))).toEqual({ KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' });
    expect(topicConfig(renderOverlay('dev'))).toEqual({ KAFKA_REPLICATION_FACTOR: '1', KAFKA_MIN_INSYNC_REPLICAS: '1' });
  });
});

describe('k8s/base/secrets (templates)', () => {
  it('renders, and every value is a placeholder', () => {
    const secrets = renderSecretTemplates();
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(secret.kind).toBe('Secret');
      expect(secret.data).toBeUndefined();
      for (const [key, value] of Object.entries((secret.stringData ?? {}) as Record<string, string>)) {
        expect(`${secret.metadata.name}/${key}: ${value}`).toContain('CHANGE_ME');
      }
    }
  });
});
