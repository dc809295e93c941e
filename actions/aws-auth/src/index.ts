import { run } from '@berth/shared/run';
import { main } from './main.js';

await run('aws-auth', main);
