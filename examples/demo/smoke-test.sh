#!/usr/bin/env bash
# The demo repository's smoke test (scripts/smoke-test.sh in the caller's tree). A real one
# would call the URL it is given; in the demo the "cloud" is the emulator, so it asks the
# emulated ECS whether every running task of the service runs the image the pipeline
# deployed. deploy.yml runs it with BERTH_ENVIRONMENT, BERTH_SERVICE, BERTH_IMAGE and the
# job's CLUSTER in the environment.
set -euo pipefail
url=${1:?usage: smoke-test.sh URL}
# The region's own tasks: each region of a multi-region deploy is a world of its own.
tasks=$(curl -fsS "$AWS_ENDPOINT_URL/_emulator/ecs/tasks?cluster=$CLUSTER&service=$BERTH_SERVICE&desiredStatus=RUNNING&region=${AWS_REGION:-}")
node - "$tasks" "$BERTH_IMAGE" "$url" <<'JS'
const [tasks, image, url] = process.argv.slice(2);
const running = JSON.parse(tasks).filter((task) => task.lastStatus === 'RUNNING');
const images = running.flatMap((task) => task.containers.map((container) => container.image));
const wrong = images.filter((running) => running !== image);
if (running.length === 0 || wrong.length > 0) {
  console.log(`smoke test of ${url}: FAILED (${running.length} running task(s); other images: ${[...new Set(wrong)].join(', ') || 'none'})`);
  process.exit(1);
}
console.log(`smoke test of ${url}: ${running.length} task(s) serving ${image.split('@')[1]}`);
JS
