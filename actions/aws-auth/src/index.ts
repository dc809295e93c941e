import { sts } from '@berth/shared/aws-clients/sts';
import { run } from '@berth/shared/run';
import { main } from './main.js';

// STS is the only client aws-auth makes, so it is the only client package in its bundle.
await run('aws-auth', main, { clients: { sts } });
