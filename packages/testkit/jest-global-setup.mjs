// jest loads a globalSetup with Node's own loader, which does not map `./x.js` to `./x.ts` as
// TypeScript does; tsx does, so the setup (packages/testkit/src/fresh-dists-setup.ts) runs through it.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const setup = await tsImport('./src/fresh-dists-setup.ts', import.meta.url);
  await setup.default();
}
