import { run } from '@berth/shared';
import { ACTION_NAME, main } from './main.js';

await run(ACTION_NAME, main);
