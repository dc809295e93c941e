import { ecr } from '@berth/shared/aws-clients/ecr';
import { run } from '@berth/shared/run';
import { main } from './main.js';

// The one AWS client scan-gate makes (effects.aws): ECR, for the registry's scan findings.
await run('scan-gate', main, { clients: { ecr } });
