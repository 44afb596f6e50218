/**
 * One topic catalogue (libs/shared/src/messages/topics.catalog.json), read by the services, the local scripts and
 * the topic Job: the Job's rendered list, what its script asks Kafka for, docker-compose.yml's mounts and the local
 * scripts' topics all agree with it. (5) The comparison can fail.
 */
import { spawnSync } from 'node:child_process';
import { TOPIC_CATALOG } from '@nostro/shared';
import { podTemplate } from './policy';
import { OVERLAYS, loadYamlWithMerge, must, readRepoFile, renderOverlay, repoRoot, type K8sObject } from './render';
import { TopicScriptSandbox, flagValues, fromCatalog, infraTopicSpecs, parseTopicList, topicProblems, type TopicLine } from './topics';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const catalog = fromCatalog(TOPIC_CATALOG);

function scriptConfigMap(objects: K8sObject[]): Record<string, string> {
  const cm = must(
    objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('kafka-topics-script-')),
    'ConfigMap kafka-topics-script',
  );
  return cm.data as Record<string, string>;
}

describe.each(OVERLAYS)('topics: k8s/overlays/%s', (overlay) => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = renderOverlay(overlay);
  });

  it("the topic Job's list is the catalogue", () => {
    const data = scriptConfigMap(objects);
    expect(Object.keys(data).sort()).toEqual(['create-topics.sh', 'topics.txt']);
    expect(topicProblems('topics.txt', parseTopicList(data['topics.txt']), catalog)).toEqual([]);
  });

  it('the Job runs the script from the folder where the ConfigMap puts the list', () => {
    const job = must(
      objects.find((o) => o.kind === 'Job' && o.metadata.name === 'nostro-kafka-topics'),
      'Job nostro-kafka-topics',
    );
    const spec = must(podTemplate(job), 'pod template').spec as Json;
    const container = spec.containers[0];
    expect(container.command).toEqual(['/bin/bash', '/opt/nostro/create-topics.sh']);
    const mount = container.volumeMounts.find((m: Json) => m.mountPath === '/opt/nostro');
    const volume = spec.volumes.find((v: Json) => v.name === mount?.name);
    expect(volume?.configMap?.name).toMatch(/^kafka-topics-script-/);
    expect(volume.configMap.items).toBeUndefined(); // every key, so topics.txt too
    expect(container.env.map((e: Json) => e.name)).not.toContain('KAFKA_TOPICS_FILE');
  });
});

describe('topics: create-topics.sh as rendered, against stand-ins for the Kafka tools', () => {
  let sandbox: TopicScriptSandbox;
  beforeAll(() => {
    const data = scriptConfigMap(renderOverlay('prod'));
    sandbox = new TopicScriptSandbox({ 'create-topics.sh': data['create-topics.sh'], 'topics.txt': data['topics.txt'] });
  });
  afterAll(() => sandbox.remove());

  const env = { KAFKA_BROKERS: 'kafka:9092', KAFKA_TOPIC_PREFIX: 'ci-7.', KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' };
  /** A tool call's topic and configs, as a TopicLine of the catalogue (prefix and min.insync.replicas taken off). */
  const asLine = (topic: string, partitions: number, configs: string[]): TopicLine => {
    const config = Object.fromEntries(configs.flatMap((list) => list.split(',')).map((entry) => entry.split('=') as [string, string]));
    expect(config['min.insync.replicas']).toBe('2');
    delete config['min.insync.replicas'];
    expect(topic.startsWith('ci-7.')).toBe(true);
    return { suffix: topic.slice('ci-7.'.length), partitions, config };
  };

  it('creates exactly the catalogue, with the replication factor and min.insync.replicas of the deployment', () => {
    const run = sandbox.run(env);
    expect(run.status).toBe(0);
    const creates = run.calls.filter((c) => c.args.includes('--create'));
    expect(creates.map((c) => flagValues(c.args, '--replication-factor'))).toEqual(catalog.map(() => ['3']));
    const created = creates.map((c) => asLine(flagValues(c.args, '--topic')[0], Number(flagValues(c.args, '--partitions')[0]), flagValues(c.args, '--config')));
    expect(topicProblems('create-topics.sh', created, catalog)).toEqual([]);
    expect(run.output).toContain('all topics ready');
  });

  it('on the next run, enforces the catalogue configs on every existing topic and creates nothing', () => {
    const run = sandbox.run(env);
    expect(run.status).toBe(0);
    expect(run.calls.filter((c) => c.args.includes('--create'))).toEqual([]);
    const alters = run.calls.filter((c) => c.tool === 'kafka-configs.sh');
    const altered = alters.map((c) => {
      const topic = flagValues(c.args, '--entity-name')[0];
      return asLine(
        topic,
        must(
          catalog.find((t) => `ci-7.${t.suffix}` === topic),
          topic,
        ).partitions,
        flagValues(c.args, '--add-config'),
      );
    });
    expect(topicProblems('create-topics.sh', altered, catalog)).toEqual([]);
  });

  it('has no topic list of its own, and the default prefix of docs/architecture.md', () => {
    const script = readRepoFile('k8s/base/kafka-topics/create-topics.sh');
    for (const topic of catalog) expect(script).not.toContain(`${topic.suffix}|`);
    expect(script).toContain('prefix="${KAFKA_TOPIC_PREFIX-nostro.}"');
  });
});

describe('topics: the other readers of the catalogue', () => {
  it('k8s/base/kafka-topics/topics.txt is what npm run topics (scripts/topics.ts) generates from it', () => {
    const check = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/topics.ts', '--check'], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
    expect([check.status, check.stderr.trim()]).toEqual([0, 'topics: k8s/base/kafka-topics/topics.txt is up to date']);
  });

  it('docker-compose.yml mounts the list beside the script it runs', () => {
    const service = (loadYamlWithMerge('docker-compose.yml') as Json).services['kafka-topics'];
    expect(service.entrypoint).toEqual(['/bin/bash', '/opt/nostro/create-topics.sh']);
    expect(service.volumes).toEqual([
      './k8s/base/kafka-topics/create-topics.sh:/opt/nostro/create-topics.sh:ro',
      './k8s/base/kafka-topics/topics.txt:/opt/nostro/topics.txt:ro',
    ]);
  });

  it('npm run stack:up creates the catalogue (scripts/lib/infra/topics.ts)', () => {
    const specs = infraTopicSpecs('ci-7.');
    expect(specs.every((s) => s.topic.startsWith('ci-7.') && s.replicationFactor === 1)).toBe(true);
    const lines = specs.map((s) => ({
      suffix: s.topic.slice('ci-7.'.length),
      partitions: s.numPartitions,
      config: Object.fromEntries(s.configEntries.map((e) => [e.name, e.value])),
    }));
    expect(topicProblems('infra/topics.ts', lines, catalog)).toEqual([]);
  });
});

describe('topics: the comparison can fail', () => {
  it('reports a missing, an extra and a duplicated topic, a partition count and a config', () => {
    const text = readRepoFile('k8s/base/kafka-topics/topics.txt')
      .replace(/^dlq\|1\|-$/m, 'dead-letters|1|-')
      .replace(/^ledger\.tx\|1\|/m, 'ledger.tx|2|')
      .replace('ledger.finality|1|retention.ms=-1,', 'ledger.finality|1|retention.ms=604800000,')
      .concat('settlement.events|3|-\n');
    expect(topicProblems('topics.txt', parseTopicList(text), catalog)).toEqual([
      'topics.txt: ledger.tx has 2 partitions, the catalogue 1',
      'topics.txt: ledger.finality has configs max.message.bytes=8388608,retention.ms=604800000, the catalogue max.message.bytes=8388608,retention.ms=-1',
      'topics.txt: dead-letters is not in the catalogue',
      'topics.txt: settlement.events is listed twice',
      'topics.txt: dlq of the catalogue is missing',
    ]);
  });

  it('refuses a malformed list rather than reading less of it', () => {
    expect(() => parseTopicList('ledger.tx|one|-\n')).toThrow(/malformed line/);
    expect(() => parseTopicList('ledger.tx|1|retention.ms\n')).toThrow(/malformed config/);
  });

  it('the script stops on a malformed or empty list', () => {
    const script = readRepoFile('k8s/base/kafka-topics/create-topics.sh');
    for (const list of ['ledger.tx|0|-\n', 'ledger.tx|1|retention.ms=-1,x\n', '# nothing\n']) {
      const sandbox = new TopicScriptSandbox({ 'create-topics.sh': script, 'topics.txt': list });
      try {
        const run = sandbox.run({ KAFKA_BROKERS: 'kafka:9092' });
        expect([list, run.status, run.calls]).toEqual([list, 1, []]);
        expect(run.output).toMatch(/malformed line|no topics/);
      } finally {
        sandbox.remove();
      }
    }
  });
});
