#!/usr/bin/env bash
# Creates Nostro's Kafka topics and enforces their configuration. Idempotent: run it on every deploy.
# Runs in the apache/kafka image (Kubernetes Job "nostro-kafka-topics" and the compose service "kafka-topics").
#
# Environment:
#   KAFKA_BROKERS              bootstrap servers, e.g. kafka:9092 (required)
#   KAFKA_TOPIC_PREFIX         topic name prefix (default "nostro.")
#   KAFKA_REPLICATION_FACTOR   replication factor for new topics (default 1; 3 in production)
#   KAFKA_MIN_INSYNC_REPLICAS  min.insync.replicas set on every topic (default 1; 2 in production)
#   KAFKA_BIN                  directory holding kafka-topics.sh and kafka-configs.sh (default /opt/kafka/bin)
#   KAFKA_WAIT_SECONDS         how long to wait for the brokers (default 120)
#   KAFKA_TOPICS_FILE          the topic list (default: topics.txt beside this script)
#
# The topics come from topics.txt, generated from libs/shared/src/messages/topics.catalog.json (the one list the
# services, the local scripts and this Job share) by `npm run topics`; tests/deploy/topics.spec.ts fails
# when the two disagree.
#
# A topic that exists with a different partition count is an error, never changed here: the ledger's
# ordering depends on ledger.tx having exactly one partition per shard.
set -euo pipefail

bootstrap="${KAFKA_BROKERS:?KAFKA_BROKERS is required}"
prefix="${KAFKA_TOPIC_PREFIX-nostro.}"
replication_factor="${KAFKA_REPLICATION_FACTOR:-1}"
min_insync_replicas="${KAFKA_MIN_INSYNC_REPLICAS:-1}"
kafka_bin="${KAFKA_BIN:-/opt/kafka/bin}"
wait_seconds="${KAFKA_WAIT_SECONDS:-120}"
# The Kafka scripts write their own logs under LOG_DIR; keep that on the writable /tmp.
export LOG_DIR="${LOG_DIR:-/tmp/kafka-logs}"
topics_file="${KAFKA_TOPICS_FILE:-$(dirname "$0")/topics.txt}"

log() { printf '%s create-topics: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

# One "name|partitions|configs" line per topic (configs comma-separated, "-" for none); blank and # lines skipped.
topics=()
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in '' | '#'*) continue ;; esac
  if ! [[ "$line" =~ ^[A-Za-z0-9._-]+\|[1-9][0-9]*\|(-|[a-z0-9.]+=[A-Za-z0-9._-]+(,[a-z0-9.]+=[A-Za-z0-9._-]+)*)$ ]]; then
    log "malformed line in $topics_file: $line"
    exit 1
  fi
  topics+=("$line")
done <"$topics_file"
if [ "${#topics[@]}" -eq 0 ]; then
  log "no topics in $topics_file"
  exit 1
fi

deadline=$(( $(date +%s) + wait_seconds ))
until existing=$("$kafka_bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --list --exclude-internal 2>/dev/null); do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "brokers at $bootstrap not reachable after ${wait_seconds}s"
    exit 1
  fi
  log "waiting for brokers at $bootstrap"
  sleep 3
done

# Each tool run starts a JVM, so: one listing, one create or alter per topic, one describe to verify.
for spec in "${topics[@]}"; do
  IFS='|' read -r name partitions configs <<<"$spec"
  topic="${prefix}${name}"
  all_configs="min.insync.replicas=${min_insync_replicas}"
  if [ "$configs" != "-" ]; then all_configs="${all_configs},${configs}"; fi

  if grep -qxF -- "$topic" <<<"$existing"; then
    # Exists: enforce the configuration (a no-op when unchanged).
    "$kafka_bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type topics \
      --entity-name "$topic" --add-config "$all_configs" >/dev/null
    log "topic $topic exists; configs enforced: $all_configs"
  else
    create_args=(--bootstrap-server "$bootstrap" --create --if-not-exists --topic "$topic"
      --partitions "$partitions" --replication-factor "$replication_factor")
    IFS=',' read -r -a config_list <<<"$all_configs"
    for config in "${config_list[@]}"; do create_args+=(--config "$config"); done
    "$kafka_bin/kafka-topics.sh" "${create_args[@]}" >/dev/null
    log "topic $topic created: partitions=$partitions replication=$replication_factor configs=$all_configs"
  fi
done

description=$("$kafka_bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --describe --exclude-internal)
failed=0
for spec in "${topics[@]}"; do
  IFS='|' read -r name partitions _ <<<"$spec"
  topic="${prefix}${name}"
  actual=$(awk -v topic="$topic" '
    { for (i = 1; i < NF; i++) if ($i == "Topic:" && $(i + 1) == topic) found = 1 }
    found { for (i = 1; i < NF; i++) if ($i == "PartitionCount:") { print $(i + 1); exit } }
  ' <<<"$description")
  if [ "$actual" != "$partitions" ]; then
    log "topic $topic has ${actual:-no} partitions, expected $partitions: fix it by hand"
    failed=1
  fi
done
[ "$failed" -eq 0 ] || exit 1
log "all topics ready"
