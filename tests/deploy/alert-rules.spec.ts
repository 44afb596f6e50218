/**
 * The shipped alert rules, evaluated: promtool (from Debian's prometheus package; `npm test` unpacks it into
 * .cache/promtool when the machine has none) checks the rule file and runs the unit tests of
 * fixtures/business-alerts.test.yaml against the rules of k8s/monitoring/prometheus-rule.yaml.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');

function promtool(): string {
  const unpacked = path.join(ROOT, '.cache', 'promtool', 'usr', 'bin', 'promtool');
  if (fs.existsSync(unpacked)) return unpacked;
  if (spawnSync('sh', ['-c', 'command -v promtool'], { stdio: 'ignore' }).status === 0) return 'promtool';
  throw new Error('promtool is missing: run the suite with `npm test` (it unpacks Debian’s) or apt-get install prometheus');
}

describe('alert rules, evaluated by promtool', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nostro-rules-'));
    const rule = parse(fs.readFileSync(path.join(ROOT, 'k8s', 'monitoring', 'prometheus-rule.yaml'), 'utf8')) as { spec: { groups: unknown[] } };
    fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups: rule.spec.groups }));
    fs.copyFileSync(path.join(__dirname, 'fixtures', 'business-alerts.test.yaml'), path.join(dir, 'business-alerts.test.yaml'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('parses every rule (promtool check rules)', () => {
    const run = spawnSync(promtool(), ['check', 'rules', 'rules.yaml'], { cwd: dir, encoding: 'utf8' });
    expect({ status: run.status, output: run.status === 0 ? '' : run.stdout + run.stderr }).toEqual({ status: 0, output: '' });
  });

  it('fires each business alert on its series, and not before (promtool test rules)', () => {
    const run = spawnSync(promtool(), ['test', 'rules', 'business-alerts.test.yaml'], { cwd: dir, encoding: 'utf8' });
    expect({ status: run.status, output: run.status === 0 ? '' : run.stdout + run.stderr }).toEqual({ status: 0, output: '' });
  });
});
