import { run } from '@berth/shared/run';
import { ACTION_NAME, main } from './main.js';

await run(ACTION_NAME, main);
