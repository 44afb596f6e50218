// Writes k8s/base/kafka-topics/topics.txt (the topic Job's list) from the topic catalogue,
// libs/shared/src/messages/topics.catalog.json. With --check, changes nothing and exits 1 if the file is stale.
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './lib/repo';
import { TOPIC_CATALOG_FILE, TOPIC_LIST_FILE, topicListText } from './lib/topic-catalog';

function main(args: readonly string[]): number {
  if (args.includes('--help')) {
    console.log(
      `usage: npm run topics [-- --check]   (tsx scripts/topics.ts)\nWrites ${TOPIC_LIST_FILE} from ${TOPIC_CATALOG_FILE}; --check only reports whether it is up to date.`,
    );
    return 0;
  }
  const file = path.join(REPO_ROOT, TOPIC_LIST_FILE);
  const wanted = topicListText();
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  if (args.includes('--check')) {
    if (current !== wanted) {
      console.error(`topics: ${TOPIC_LIST_FILE} is out of date with ${TOPIC_CATALOG_FILE}: run npm run topics`);
      return 1;
    }
    console.error(`topics: ${TOPIC_LIST_FILE} is up to date`);
  } else if (current === wanted) {
    console.error(`topics: ${TOPIC_LIST_FILE} unchanged`);
  } else {
    fs.writeFileSync(file, wanted);
    console.error(`topics: wrote ${TOPIC_LIST_FILE}`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
