import { run } from '@berth/shared';
import { main } from './main.js';

await run('scan-gate', main);
