/** The optional monitoring kustomization (k8s/monitoring): alert rules and the Grafana dashboard. */
import { validateSchema } from './policy';
import { clone, must, renderKustomize, type K8sObject } from './render';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Brackets and quotes of a PromQL expression are balanced (a cheap offline syntax check). */
function promqlProblem(expr: string): string | undefined {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  let quote: string | undefined;
  for (const ch of expr) {
    if (quote) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if ('([{'.includes(ch)) stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch]) return `unbalanced "${ch}"`;
  }
  if (quote) return 'unterminated string';
  if (stack.length > 0) return `unclosed "${stack.at(-1)}"`;
  return undefined;
}

function checkPrometheusRule(rule: K8sObject): string[] {
  const findings: string[] = [];
  const groups = ((rule.spec as Json)?.groups ?? []) as Json[];
  if (groups.length === 0) findings.push('no rule groups');
  const alerts = new Set<string>();
  for (const group of groups) {
    for (const entry of (group.rules ?? []) as Json[]) {
      const name = String(entry.alert ?? entry.record ?? '<unnamed>');
      if (!entry.alert) findings.push(`${name}: not an alert`);
      if (alerts.has(name)) findings.push(`${name}: duplicate alert`);
      alerts.add(name);
      if (typeof entry.expr !== 'string' || entry.expr.trim() === '') findings.push(`${name}: no expr`);
      else {
        const problem = promqlProblem(entry.expr);
        if (problem) findings.push(`${name}: expr ${problem}`);
        if (!/namespace=~"nostro\.\*"/.test(entry.expr)) findings.push(`${name}: expr not scoped to the nostro namespaces`);
      }
      if (!['warning', 'critical'].includes(entry.labels?.severity)) findings.push(`${name}: severity is not warning or critical`);
      if (!entry.annotations?.summary) findings.push(`${name}: no summary`);
    }
  }
  return findings;
}

describe('k8s/monitoring', () => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = renderKustomize('k8s/monitoring');
  });

  it('has well-formed alert rules, including the validator quorum alert', () => {
    const rule = must(
      objects.find((obj) => obj.kind === 'PrometheusRule'),
      'PrometheusRule',
    );
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(checkPrometheusRule(rule)).toEqual([]);
    const names = ((rule.spec as Json).groups as Json[]).flatMap((g) => (g.rules as Json[]).map((r) => r.alert));
    expect(names).toContain('NostroValidatorsBelowQuorum');
  });

  it('ships the Grafana dashboard as a valid ConfigMap holding valid dashboard JSON', () => {
    const cm = must(
      objects.find((obj) => obj.kind === 'ConfigMap'),
      'dashboard ConfigMap',
    );
    expect(validateSchema(cm)).toEqual([]);
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    const dashboard = JSON.parse((cm.data as Record<string, string>)['nostro-dashboard.json']) as Json;
    const panels = dashboard.panels as Json[];
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const panel of panels) {
      for (const target of panel.targets as Json[]) expect([panel.title, promqlProblem(target.expr)]).toEqual([panel.title, undefined]);
    }
  });

  it('the rule check can fail', () => {
    const rule = clone(
      must(
        objects.find((obj) => obj.kind === 'PrometheusRule'),
        'PrometheusRule',
      ),
    );
    const first = ((rule.spec as Json).groups[0].rules as Json[])[0];
    first.expr = 'count(up{namespace=~"nostro.*"} < 2';
    delete first.labels.severity;
    expect(checkPrometheusRule(rule)).toEqual([
      'NostroValidatorsBelowQuorum: expr unclosed "("',
      'NostroValidatorsBelowQuorum: severity is not warning or critical',
    ]);
  });
});
