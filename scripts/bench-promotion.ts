/**
 * Promotion cost: re-tag through the ECR API (Berth's ecr-retag: BatchGetImage
 * → PutImage, the manifest sent back byte for byte) versus copying the image
 * with `skopeo copy`, for a small image and a large one (≥ 200 MB of random,
 * incompressible layers pushed straight to the registry over HTTP).
 *
 *   node --import tsx scripts/bench-promotion.ts [--large-mb 208] [--runs 5]
 *
 * Everything is local: Debian's docker-registry on 127.0.0.1 and the Berth
 * emulator's ECR API backed by it. Rows:
 * - retag: what build-push `source:` and deploy-ecs do;
 * - skopeo, same repository: the layers are already there, so skopeo only
 *   checks them and writes the manifest (what a "pull, tag, push" into the
 *   same repository costs at best, without the local pull);
 * - skopeo, another registry: every layer is read and written (a real pull
 *   and push, as when promoting between accounts without replication).
 * The run is bounded: each skopeo copy has a timeout and the whole bench
 * stops after --budget-s seconds (default 420).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ECRClient } from '@aws-sdk/client-ecr';
import { startEmulator } from '@berth/emulator';
import { retagImage } from '@berth/shared/ecr-retag';
import {
  DOCKER_REGISTRY_BIN,
  httpCall,
  missingPrograms,
  type RunningRegistry,
  startRegistry,
  uploadBlob,
} from '@berth/testkit/local-registry.js';
import { median, printTable } from './bench/stats.js';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? Number.NaN : Number(process.argv[index + 1]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const LARGE_MB = option('large-mb', 208);
const RUNS = option('runs', 5);
const BUDGET_S = option('budget-s', 420);
const LAYERS = 4;

const missing = missingPrograms(DOCKER_REGISTRY_BIN, 'skopeo');
if (missing.length > 0) {
  console.error(
    `bench-promotion needs ${missing.join(' and ')} (apt-get install -y docker-registry skopeo).`,
  );
  process.exit(1);
}
const budget = setTimeout(() => {
  console.error(`bench-promotion: stopped after its ${BUDGET_S} s budget.`);
  process.exit(2);
}, BUDGET_S * 1000);
budget.unref();

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A one-file ustar archive around `data` (a real layer, with incompressible content). */
function tarOf(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512, 0);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512, 0);
  return Buffer.concat([header, data, padding, Buffer.alloc(1024, 0)]);
}

/** Pushes an image of `layers` random layers totalling about `megabytes` MB; returns its digest and size. */
async function pushRandomImage(
  registry: RunningRegistry,
  repository: string,
  tag: string,
  megabytes: number,
  layers: number,
): Promise<{ digest: string; bytes: number }> {
  const descriptors: Array<{ mediaType: string; digest: string; size: number }> = [];
  const diffIds: string[] = [];
  let bytes = 0;
  for (let i = 0; i < layers; i++) {
    const tar = tarOf(`layer-${i}.bin`, randomBytes(Math.round((megabytes * 1024 * 1024) / layers)));
    // Level 0: a valid gzip stream that stores the random bytes as they are (they do not compress anyway),
    // so skopeo does not spend the benchmark compressing an "uncompressed" layer.
    const blob = gzipSync(tar, { level: 0 });
    const digest = sha256(blob);
    await uploadBlob(registry.url, repository, blob, digest);
    descriptors.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: blob.length });
    diffIds.push(sha256(tar));
    bytes += blob.length;
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: diffIds },
    }),
  );
  const configDigest = sha256(config);
  await uploadBlob(registry.url, repository, config, configDigest);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers: descriptors,
    }),
  );
  const put = await httpCall(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  if (put.status !== 201) throw new Error(`put manifest: HTTP ${put.status} ${put.body.toString()}`);
  return { digest: sha256(manifest), bytes };
}

function skopeoCopy(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'skopeo',
      [
        'copy',
        '--quiet',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        `docker://${from}`,
        `docker://${to}`,
      ],
      { timeout: 180_000 },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`skopeo copy ${from} → ${to}: ${stderr || error.message}`)) : resolve(),
    );
  });
}

async function time(operation: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await operation();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const registry = await startRegistry();
const others: RunningRegistry[] = [];
const emulator = await startEmulator({
  registryUrl: registry.url,
  scenario: {
    region: 'eu-west-1',
    accountId: '123456789012',
    repositories: [{ name: 'small' }, { name: 'large' }],
  },
});
const ecr = new ECRClient({
  region: 'eu-west-1',
  endpoint: emulator.url,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
});

interface Row {
  image: string;
  size: string;
  method: string;
  runs: number;
  medianMs: number;
  minMs: number;
  digestKept: boolean;
}
const rows: Row[] = [];

try {
  const images = [
    { repository: 'small', megabytes: 1, layers: 1 },
    { repository: 'large', megabytes: LARGE_MB, layers: LAYERS },
  ];
  for (const spec of images) {
    process.stderr.write(`pushing ${spec.repository} (${spec.megabytes} MB of random layers)… `);
    const image = await pushRandomImage(registry, spec.repository, 'source', spec.megabytes, spec.layers);
    process.stderr.write(`${image.digest.slice(0, 19)}…\n`);
    const size = `${(image.bytes / 1024 / 1024).toFixed(0)} MiB`;

    // Retag through the ECR API (one warm-up call so client start-up is not counted).
    await retagImage({ ecr, repositoryName: spec.repository, source: 'source', tags: ['warm-up'] });
    const retag: number[] = [];
    let retagKept = true;
    for (let run = 0; run < RUNS; run++) {
      retag.push(
        await time(async () => {
          await retagImage({
            ecr,
            repositoryName: spec.repository,
            source: image.digest,
            tags: [`retag-${run}`],
          });
        }),
      );
      retagKept &&= (await registry.digestOf(spec.repository, `retag-${run}`)) === image.digest;
    }
    rows.push({
      image: spec.repository,
      size,
      method: 'retag (ECR API)',
      runs: RUNS,
      medianMs: median(retag),
      minMs: Math.min(...retag),
      digestKept: retagKept,
    });

    const sameRepo: number[] = [];
    let sameKept = true;
    for (let run = 0; run < Math.min(RUNS, 3); run++) {
      const to = `${registry.host}/${spec.repository}:skopeo-${run}`;
      sameRepo.push(await time(() => skopeoCopy(`${registry.host}/${spec.repository}:source`, to)));
      sameKept &&= (await registry.digestOf(spec.repository, `skopeo-${run}`)) === image.digest;
    }
    rows.push({
      image: spec.repository,
      size,
      method: 'skopeo copy, same repository',
      runs: sameRepo.length,
      medianMs: median(sameRepo),
      minMs: Math.min(...sameRepo),
      digestKept: sameKept,
    });

    const otherRegistry: number[] = [];
    let otherKept = true;
    for (let run = 0; run < Math.min(RUNS, 2); run++) {
      // A fresh registry each time, so no layer is already there to be mounted or skipped.
      const target = await startRegistry();
      others.push(target);
      otherRegistry.push(
        await time(() =>
          skopeoCopy(`${registry.host}/${spec.repository}:source`, `${target.host}/${spec.repository}:copy`),
        ),
      );
      otherKept &&= (await target.digestOf(spec.repository, 'copy')) === image.digest;
      await target.stop();
    }
    rows.push({
      image: spec.repository,
      size,
      method: 'skopeo copy, to another registry',
      runs: otherRegistry.length,
      medianMs: median(otherRegistry),
      minMs: Math.min(...otherRegistry),
      digestKept: otherKept,
    });
  }
} finally {
  await emulator.stop();
  await registry.stop();
  for (const other of others) await other.stop().catch(() => undefined);
}

const header = ['image', 'size', 'method', 'runs', 'median ms', 'min ms', 'digest kept'];
const table = rows.map((row) => [
  row.image,
  row.size,
  row.method,
  String(row.runs),
  row.medianMs.toFixed(0),
  row.minMs.toFixed(0),
  row.digestKept ? 'yes' : 'NO',
]);
printTable(header, table);
const small = rows.find((row) => row.image === 'small' && row.method.startsWith('retag'));
const large = rows.find((row) => row.image === 'large' && row.method.startsWith('retag'));
const copy = rows.find((row) => row.image === 'large' && row.method.endsWith('another registry'));
if (small && large && copy) {
  console.log(
    `\nretag: ${small.medianMs.toFixed(0)} ms for ${small.size}, ${large.medianMs.toFixed(0)} ms for ${large.size} ` +
      `(×${(large.medianMs / small.medianMs).toFixed(1)} for ×${(Number.parseInt(large.size, 10) / Math.max(1, Number.parseInt(small.size, 10))).toFixed(0)} the bytes); ` +
      `a full copy of the large image took ${(copy.medianMs / large.medianMs).toFixed(0)}× as long as its retag.`,
  );
}
clearTimeout(budget);
