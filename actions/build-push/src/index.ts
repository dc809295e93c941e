import { run } from '@berth/shared/run';
import { ACTION_NAME, runAction } from './main.js';

await run(ACTION_NAME, async () => {
  await runAction();
});
