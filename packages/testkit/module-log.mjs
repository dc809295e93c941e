// Preload (`node --import`) that appends the URL of every ES module the process loads
// to the file named by BERTH_MODULE_LOG, one a line: tests/startup.itg.test.ts reads which
// of a bundle's chunks a run parsed. Node's synchronous module hooks (node:module
// registerHooks, Node ≥ 22.15) see every static and dynamic import, chunks included.
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const log = process.env.BERTH_MODULE_LOG;
if (log) {
  registerHooks({
    load(url, context, nextLoad) {
      appendFileSync(log, `${url}\n`);
      return nextLoad(url, context);
    },
  });
}
