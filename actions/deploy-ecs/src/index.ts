import { run } from './entrypoint.js';

await run();
