/**
 * The Kafka topics as each consumer of the catalogue (libs/shared/src/messages/topics.catalog.json) sees them, for
 * the offline checks of topics.spec.ts: the topic Job's list (topics.txt), what create-topics.sh asks the Kafka
 * tools to do (run against stand-ins, no broker), and what the local scripts create (scripts/lib/infra/topics.ts).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TopicSpec } from '@nostro/shared';
import { topicSpecs, type TopicSpec as InfraTopicSpec } from '../../scripts/lib/infra/topics';

/** One topic as a consumer of the catalogue has it; `config` excludes deployment settings (min.insync.replicas). */
export interface TopicLine {
  suffix: string;
  partitions: number;
  config: Record<string, string>;
}

export function fromCatalog(catalog: readonly TopicSpec[]): TopicLine[] {
  return catalog.map((spec) => ({ suffix: spec.suffix, partitions: spec.partitions, config: { ...spec.config } }));
}

/** `name=value,…` ("-" for none) as a map; throws on a malformed entry. */
function parseConfigList(text: string, origin: string): Record<string, string> {
  if (text === '-') return {};
  return Object.fromEntries(
    text.split(',').map((entry) => {
      const match = /^([^=]+)=(.+)$/.exec(entry);
      if (!match) throw new Error(`${origin}: malformed config ${JSON.stringify(entry)}`);
      return [match[1], match[2]];
    }),
  );
}

/** topics.txt: `suffix|partitions|configs` lines; blank and `#` lines skipped; anything else malformed throws. */
export function parseTopicList(text: string): TopicLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([^|]+)\|(\d+)\|([^|]+)$/.exec(line);
      if (!match) throw new Error(`topics.txt: malformed line ${JSON.stringify(line)}`);
      return { suffix: match[1], partitions: Number(match[2]), config: parseConfigList(match[3], 'topics.txt') };
    });
}

const configText = (config: Record<string, string>): string =>
  Object.entries(config)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${value}`)
    .join(',') || '-';

/**
 * Where `actual` (a consumer's view, named by `what`) and the catalogue disagree: a topic missing or extra, a
 * partition count, a config. Order is not compared (Kafka has none), duplicates are. Empty when they agree.
 */
export function topicProblems(what: string, actual: readonly TopicLine[], catalog: readonly TopicLine[]): string[] {
  const problems: string[] = [];
  const wanted = new Map(catalog.map((t) => [t.suffix, t]));
  const seen = new Set<string>();
  for (const topic of actual) {
    const expected = wanted.get(topic.suffix);
    if (seen.has(topic.suffix)) problems.push(`${what}: ${topic.suffix} is listed twice`);
    seen.add(topic.suffix);
    if (!expected) {
      problems.push(`${what}: ${topic.suffix} is not in the catalogue`);
      continue;
    }
    if (topic.partitions !== expected.partitions)
      problems.push(`${what}: ${topic.suffix} has ${topic.partitions} partitions, the catalogue ${expected.partitions}`);
    if (configText(topic.config) !== configText(expected.config)) {
      problems.push(`${what}: ${topic.suffix} has configs ${configText(topic.config)}, the catalogue ${configText(expected.config)}`);
    }
  }
  for (const suffix of wanted.keys()) if (!seen.has(suffix)) problems.push(`${what}: ${suffix} of the catalogue is missing`);
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// create-topics.sh against stand-ins for kafka-topics.sh and kafka-configs.sh

/** Keeps the topics in $STUB_DIR/state ("name partitions" lines) and records every call in $STUB_DIR/calls. */
const KAFKA_TOPICS_STUB = `#!/usr/bin/env bash
echo "kafka-topics.sh $*" >>"$STUB_DIR/calls"
args=("$@")
case " $* " in
  *" --list "*) if [ -f "$STUB_DIR/state" ]; then cut -d' ' -f1 "$STUB_DIR/state"; fi ;;
  *" --create "*)
    for ((i = 0; i < \${#args[@]}; i++)); do
      case "\${args[$i]}" in --topic) topic="\${args[$((i + 1))]}" ;; --partitions) partitions="\${args[$((i + 1))]}" ;; esac
    done
    echo "$topic $partitions" >>"$STUB_DIR/state" ;;
  *" --describe "*)
    while read -r t p; do printf 'Topic: %s\\tTopicId: AAAA\\tPartitionCount: %s\\tReplicationFactor: 1\\tConfigs: \\n' "$t" "$p"; done <"$STUB_DIR/state" ;;
esac
`;
const KAFKA_CONFIGS_STUB = `#!/usr/bin/env bash
echo "kafka-configs.sh $*" >>"$STUB_DIR/calls"
`;

/** One call of a Kafka tool, as create-topics.sh made it. */
export interface ToolCall {
  tool: 'kafka-topics.sh' | 'kafka-configs.sh';
  args: string[];
}

export interface ScriptRun {
  status: number | null;
  output: string;
  calls: ToolCall[];
}

/** A folder holding create-topics.sh and topics.txt (as the Job mounts them) and stand-ins for the Kafka tools. */
export class TopicScriptSandbox {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'nostro-topics-'));

  constructor(files: Record<'create-topics.sh' | 'topics.txt', string>) {
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(this.dir, name), content);
    writeFileSync(path.join(this.dir, 'kafka-topics.sh'), KAFKA_TOPICS_STUB);
    writeFileSync(path.join(this.dir, 'kafka-configs.sh'), KAFKA_CONFIGS_STUB);
    for (const tool of ['kafka-topics.sh', 'kafka-configs.sh']) chmodSync(path.join(this.dir, tool), 0o755);
  }

  /** Runs the script as the Job does (`bash <dir>/create-topics.sh`), with these variables; answers this run's calls. */
  run(env: Record<string, string>): ScriptRun {
    rmSync(path.join(this.dir, 'calls'), { force: true });
    const result = spawnSync('bash', [path.join(this.dir, 'create-topics.sh')], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', KAFKA_BIN: this.dir, STUB_DIR: this.dir, KAFKA_WAIT_SECONDS: '5', LOG_DIR: this.dir, ...env },
    });
    let calls: ToolCall[] = [];
    try {
      calls = readFileSync(path.join(this.dir, 'calls'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => {
          const [tool, ...args] = line.split(' ');
          return { tool: tool as ToolCall['tool'], args };
        });
    } catch {
      // no tool was called
    }
    return { status: result.status, output: `${result.stdout}${result.stderr}${result.error?.message ?? ''}`, calls };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The value following `flag` in each place it appears. */
export function flagValues(args: readonly string[], flag: string): string[] {
  return args.flatMap((arg, i) => (arg === flag && i + 1 < args.length ? [args[i + 1]] : []));
}

// ---------------------------------------------------------------------------------------------------
// scripts/lib/infra/topics.ts (TypeScript that Jest compiles like the tests)

/** What `topicSpecs(prefix)` of scripts/lib/infra/topics.ts answers: the topics npm run stack:up creates. */
export function infraTopicSpecs(prefix: string): InfraTopicSpec[] {
  return topicSpecs(prefix);
}
