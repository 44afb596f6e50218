/**
 * (2) Every rendered object validates against the Kubernetes schemas (kubernetes-models), strictly: an unknown
 * field (a typo, or a field from another Kubernetes version) is an error, as with kubectl's strict validation.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateSchema, validateSchemas } from './policy';
import { OVERLAYS, clone, must, parseManifests, renderOverlay, renderSecretTemplates, type K8sObject } from './render';

describe.each(OVERLAYS)('schema: k8s/overlays/%s', (overlay) => {
  it('every object validates', () => {
    const objects = renderOverlay(overlay);
    expect(objects.length).toBeGreaterThan(40);
    expect(validateSchemas(objects)).toEqual([]);
  });
});

describe('schema: k8s/base/secrets', () => {
  it('every template validates', () => {
    expect(validateSchemas(renderSecretTemplates())).toEqual([]);
  });
});

describe('schema: the check can fail', () => {
  let deployment: K8sObject;
  beforeAll(() => {
    deployment = must(
      renderOverlay('dev').find((obj) => obj.kind === 'Deployment' && obj.metadata.name === 'gateway'),
      'Deployment/gateway',
    );
    expect(validateSchema(deployment)).toEqual([]);
  });

  it('reports a misspelt field', () => {
    const broken = clone(deployment) as unknown as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    const container = broken.spec.template.spec.containers[0];
    container.readinesProbe = container.readinessProbe;
    delete container.readinessProbe;
    expect(validateSchema(broken as unknown as K8sObject)).toEqual(['Deployment/gateway: unknown field .spec.template.spec.containers[0].readinesProbe']);
  });

  it('reports a wrong type', () => {
    const broken = clone(deployment) as unknown as { spec: Record<string, unknown> };
    broken.spec.replicas = 'three';
    expect(validateSchema(broken as unknown as K8sObject).join('\n')).toMatch(/spec\/replicas must be integer/);
  });

  it('reports a missing required field', () => {
    const broken = clone(deployment) as unknown as { spec: Record<string, unknown> };
    delete broken.spec.selector;
    expect(validateSchema(broken as unknown as K8sObject).join('\n')).toMatch(/selector/);
  });

  it('reports a kind it has no schema for', () => {
    const unknownKind = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } } as K8sObject;
    expect(validateSchema(unknownKind)).toEqual(['Widget/w: no schema for example.com/v1 Widget']);
  });

  it('reports every problem of the broken fixture manifest', () => {
    const fixture = path.join(__dirname, 'fixtures', 'broken-deployment.yaml');
    const objects = parseManifests(readFileSync(fixture, 'utf8'), fixture);
    const findings = validateSchemas(objects).join('\n');
    expect(findings).toMatch(/unknown field \.spec\.template\.spec\.containers\[0\]\.imagePullPolice/);
    expect(findings).toMatch(/containerPort must be integer/);
    expect(findings).toMatch(/unknown field \.spec\.strategy\.rollingUpdates/);
  });
});
