/**
 * Test-only. A local stand-in for the GitHub REST endpoints Berth calls — create a
 * deployment, create a deployment status, list deployments, list deployment
 * statuses — on 127.0.0.1. Every request Berth sends and every response the
 * stand-in returns is validated against GitHub's published OpenAPI description
 * (@octokit/openapi, api.github.com.json), so Berth's shapes cannot drift from
 * GitHub's: a mismatch is recorded in `problems` (tests assert it stays empty)
 * and an invalid request is answered 422, as GitHub would.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const require = createRequire(import.meta.url);
const SPEC_PATH = require.resolve('@octokit/openapi/generated/api.github.com.json');

type Json = Record<string, any>;

interface Operation {
  method: 'GET' | 'POST';
  /** The OpenAPI path template. */
  template: string;
  pattern: RegExp;
}

const DEPLOYMENTS = '/repos/{owner}/{repo}/deployments';
const STATUSES = '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses';
const OPERATIONS: Operation[] = [
  { method: 'POST', template: DEPLOYMENTS, pattern: /^\/repos\/([^/]+)\/([^/]+)\/deployments$/ },
  { method: 'GET', template: DEPLOYMENTS, pattern: /^\/repos\/([^/]+)\/([^/]+)\/deployments$/ },
  {
    method: 'POST',
    template: STATUSES,
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/deployments\/([^/]+)\/statuses$/,
  },
  {
    method: 'GET',
    template: STATUSES,
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/deployments\/([^/]+)\/statuses$/,
  },
];

/** The OpenAPI description, loaded and compiled once per test file (it is 13 MB). */
class OpenApi {
  readonly spec: Json;
  private readonly ajv: Ajv;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor() {
    this.spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8'));
    // OpenAPI 3.0 schemas carry `example`, `discriminator`, … (not JSON Schema keywords): strict off.
    // Ajv understands OpenAPI's `nullable` itself.
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    const addFormats =
      (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
    (addFormats as unknown as (ajv: Ajv) => void)(this.ajv);
    this.ajv.addSchema(this.spec, 'gh');
  }

  operation(template: string, method: string): Json {
    return this.spec.paths[template][method.toLowerCase()];
  }

  /** Errors of `value` against the schema at `pointer` (a JSON pointer into the description). */
  check(pointer: string, value: unknown): string[] {
    const validate = this.cache.get(pointer) ?? this.ajv.compile({ $ref: `gh#${pointer}` });
    this.cache.set(pointer, validate);
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
  }

  resolve(node: Json): Json {
    if (node?.$ref) {
      const path = (node.$ref as string).replace(/^#\//, '').split('/');
      return path.reduce((at: Json, key) => at[key.replace(/~1/g, '/').replace(/~0/g, '~')], this.spec);
    }
    return node;
  }
}

let shared: OpenApi | undefined;
export function openApi(): OpenApi {
  shared ??= new OpenApi();
  return shared;
}

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** The maximum status description length, read from the OpenAPI description's own words. */
export function statusDescriptionLimit(): number {
  const property = openApi().operation(STATUSES, 'POST').requestBody.content['application/json'].schema
    .properties.description;
  const match = /maximum description length is (\d+) characters/i.exec(property.description);
  if (!match) throw new Error('The OpenAPI description no longer states the status description limit.');
  return Number(match[1]);
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: any;
  authorization?: string;
  status: number;
  /** Real time it arrived (epoch ms), to order it against the emulator's call log. */
  at: number;
}

export interface StandInDeployment extends Json {
  id: number;
  environment: string;
  statuses: Json[];
}

export interface StandInOptions {
  /**
   * The token requests must carry (`Authorization: token …`); anything else is 401. Undefined:
   * any non-empty token (a workflow run's own `github.token`, which the harness makes up).
   */
  token?: string;
  /** `read-only`: the token lacks `deployments: write` (POSTs answer 403 as GitHub does). */
  permission?: 'write' | 'read-only';
}

export interface GitHubStandIn {
  url: string;
  requests: RecordedRequest[];
  /** Where a request or a response disagreed with the OpenAPI description. Tests assert it is empty. */
  problems: string[];
  deployments(environment?: string): StandInDeployment[];
  /** State sequences of a deployment's statuses, oldest first. */
  states(deploymentId: number): string[];
  /** Adds a deployment (and its statuses) as if an earlier run had created it. */
  seed(deployment: {
    environment: string;
    sha: string;
    payload: unknown;
    states: string[];
    task?: string;
  }): number;
  stop(): Promise<void>;
}

const USER = {
  login: 'github-actions[bot]',
  id: 41898282,
  node_id: 'MDM6Qm90NDE4OTgyODI=',
  avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4',
  gravatar_id: '',
  url: 'https://api.github.com/users/github-actions%5Bbot%5D',
  html_url: 'https://github.com/apps/github-actions',
  followers_url: 'https://api.github.com/users/github-actions%5Bbot%5D/followers',
  following_url: 'https://api.github.com/users/github-actions%5Bbot%5D/following{/other_user}',
  gists_url: 'https://api.github.com/users/github-actions%5Bbot%5D/gists{/gist_id}',
  starred_url: 'https://api.github.com/users/github-actions%5Bbot%5D/starred{/owner}{/repo}',
  subscriptions_url: 'https://api.github.com/users/github-actions%5Bbot%5D/subscriptions',
  organizations_url: 'https://api.github.com/users/github-actions%5Bbot%5D/orgs',
  repos_url: 'https://api.github.com/users/github-actions%5Bbot%5D/repos',
  events_url: 'https://api.github.com/users/github-actions%5Bbot%5D/events{/privacy}',
  received_events_url: 'https://api.github.com/users/github-actions%5Bbot%5D/received_events',
  type: 'Bot',
  site_admin: false,
};

export async function startGitHubStandIn(options: StandInOptions): Promise<GitHubStandIn> {
  const api = openApi();
  const requests: RecordedRequest[] = [];
  const problems: string[] = [];
  const deployments: StandInDeployment[] = [];
  let nextId = 1000;
  let nextStatusId = 5000;
  // Timestamps one second apart, so listing order never depends on wall-clock luck.
  let tick = Date.UTC(2026, 0, 1);
  const now = () => {
    tick += 1000;
    return new Date(tick).toISOString().replace(/\.\d{3}Z$/, 'Z');
  };
  let base = '';

  const newDeployment = (owner: string, repo: string, body: Json): StandInDeployment => {
    const id = nextId++;
    const environment = body.environment ?? 'production';
    const at = now();
    const repoUrl = `${base}/repos/${owner}/${repo}`;
    return {
      url: `${repoUrl}/deployments/${id}`,
      id,
      node_id: Buffer.from(`Deployment${id}`).toString('base64'),
      sha: /^[0-9a-f]{40}$/.test(body.ref) ? body.ref : 'abc1234def5678900000000000000000000000ff',
      ref: body.ref,
      task: body.task ?? 'deploy',
      payload: body.payload ?? {},
      original_environment: environment,
      environment,
      description: body.description ?? null,
      creator: USER,
      created_at: at,
      updated_at: at,
      statuses_url: `${repoUrl}/deployments/${id}/statuses`,
      repository_url: repoUrl,
      // Defaults as the OpenAPI request description states them.
      transient_environment: body.transient_environment ?? false,
      production_environment: body.production_environment ?? environment === 'production',
      statuses: [],
    };
  };

  const newStatus = (deployment: StandInDeployment, body: Json): Json => {
    const id = nextStatusId++;
    const at = now();
    return {
      url: `${deployment.url}/statuses/${id}`,
      id,
      node_id: Buffer.from(`DeploymentStatus${id}`).toString('base64'),
      state: body.state,
      creator: USER,
      description: body.description ?? '',
      environment: body.environment ?? deployment.environment,
      target_url: body.log_url ?? body.target_url ?? '',
      created_at: at,
      updated_at: at,
      deployment_url: deployment.url,
      repository_url: deployment.repository_url,
      // Optional in the description: present only when set (GitHub's default "" is no `uri`).
      ...(body.environment_url ? { environment_url: body.environment_url } : {}),
      ...(body.log_url || body.target_url ? { log_url: body.log_url ?? body.target_url } : {}),
    };
  };

  const publicDeployment = ({ statuses: _statuses, ...rest }: StandInDeployment) => rest;

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      problems.push(`stand-in crashed: ${String(error)}`);
      response.writeHead(500).end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', base);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: request.headers.authorization,
      status: 0,
      at: Date.now(),
    };
    requests.push(recorded);
    const reply = (status: number, body: unknown, schemaPointer?: string) => {
      recorded.status = status;
      if (schemaPointer) {
        for (const error of api.check(schemaPointer, body))
          problems.push(`response ${status} to ${recorded.method} ${recorded.path}: ${error}`);
      }
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(body));
    };

    const operation = OPERATIONS.find((o) => o.method === request.method && o.pattern.test(url.pathname));
    if (!operation) {
      problems.push(
        `Berth called an endpoint the stand-in does not serve: ${request.method} ${url.pathname}`,
      );
      return reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    }
    const spec = api.operation(operation.template, operation.method);
    const opPointer = `/paths/${escapePointer(operation.template)}/${operation.method.toLowerCase()}`;
    const [, owner, repo, deploymentId] = operation.pattern.exec(url.pathname)!;

    const authorized =
      options.token === undefined
        ? /^token \S+$/.test(recorded.authorization ?? '')
        : recorded.authorization === `token ${options.token}`;
    if (!authorized) {
      return reply(
        401,
        { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' },
        '/components/schemas/basic-error',
      );
    }

    // Parameters (path and query) against their declared schemas.
    const requestProblems: string[] = [];
    const values: Record<string, unknown> = { owner, repo, deployment_id: deploymentId, ...recorded.query };
    (spec.parameters ?? []).forEach((declared: Json, index: number) => {
      const parameter = api.resolve(declared);
      const raw = values[parameter.name];
      if (raw === undefined) {
        if (parameter.required) requestProblems.push(`parameter ${parameter.name} is required`);
        return;
      }
      const value = parameter.schema?.type === 'integer' && /^-?\d+$/.test(String(raw)) ? Number(raw) : raw;
      const pointer = declared.$ref
        ? `${(declared.$ref as string).slice(1)}/schema`
        : `${opPointer}/parameters/${index}/schema`;
      for (const error of api.check(pointer, value))
        requestProblems.push(`parameter ${parameter.name}: ${error}`);
    });
    for (const name of Object.keys(recorded.query)) {
      if (!(spec.parameters ?? []).some((p: Json) => api.resolve(p).name === name)) {
        requestProblems.push(`query parameter ${name} is not declared`);
      }
    }
    let body: Json | undefined;
    if (operation.method === 'POST') {
      try {
        body = JSON.parse(text);
      } catch {
        requestProblems.push('the body is not JSON');
      }
      recorded.body = body;
      const schema = `${opPointer}/requestBody/content/application~1json/schema`;
      for (const error of api.check(schema, body)) requestProblems.push(`body ${error}`);
      const properties = api.operation(operation.template, operation.method).requestBody.content[
        'application/json'
      ].schema.properties;
      for (const name of Object.keys(body ?? {})) {
        if (!(name in properties)) requestProblems.push(`body property ${name} is not declared`);
      }
      if (operation.template === STATUSES && typeof body?.description === 'string') {
        const limit = statusDescriptionLimit();
        if (Array.from(body.description).length > limit) {
          requestProblems.push(`body description is longer than ${limit} characters`);
        }
      }
    }
    if (requestProblems.length > 0) {
      for (const p of requestProblems) problems.push(`request ${recorded.method} ${recorded.path}: ${p}`);
      return reply(
        422,
        {
          message: 'Validation Failed',
          documentation_url: 'https://docs.github.com/rest',
          errors: requestProblems.map((p) => ({ resource: 'Deployment', code: 'invalid', message: p })),
        },
        '/components/schemas/validation-error',
      );
    }

    if (operation.method === 'POST' && options.permission === 'read-only') {
      // GitHub's answer when the job token lacks `deployments: write` (components/responses/forbidden).
      return reply(
        403,
        {
          message: 'Resource not accessible by integration',
          documentation_url: 'https://docs.github.com/rest/deployments/deployments#create-a-deployment',
          status: '403',
        },
        '/components/responses/forbidden/content/application~1json/schema',
      );
    }

    const found = deploymentId ? deployments.find((d) => d.id === Number(deploymentId)) : undefined;
    if (operation.template === STATUSES && !found) {
      return reply(
        404,
        { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
        '/components/schemas/basic-error',
      );
    }
    const perPage = Number(recorded.query.per_page ?? 30);
    const ok = (status: string) => `${opPointer}/responses/${status}/content/application~1json/schema`;

    if (operation.template === DEPLOYMENTS && operation.method === 'POST') {
      const created = newDeployment(owner, repo, body!);
      deployments.push(created);
      return reply(201, publicDeployment(created), ok('201'));
    }
    if (operation.template === DEPLOYMENTS) {
      const listed = deployments
        .filter(
          (d) => recorded.query.environment === undefined || d.environment === recorded.query.environment,
        )
        .sort((a, b) => b.id - a.id)
        .slice(0, perPage)
        .map(publicDeployment);
      return reply(200, listed, ok('200'));
    }
    if (operation.method === 'POST') {
      const status = newStatus(found!, body!);
      found!.statuses.push(status);
      // auto_inactive (default true), as the OpenAPI description states it: prior non-transient,
      // non-production deployments of the same environment that had a success get an inactive status.
      if (body!.state === 'success' && body!.auto_inactive !== false) {
        for (const prior of deployments) {
          if (prior.id === found!.id || prior.environment !== found!.environment) continue;
          if (prior.transient_environment || prior.production_environment) continue;
          if (!prior.statuses.some((s) => s.state === 'success')) continue;
          if (prior.statuses.at(-1)?.state === 'inactive') continue;
          prior.statuses.push(
            newStatus(prior, { state: 'inactive', log_url: prior.statuses.at(-1)?.log_url }),
          );
        }
      }
      return reply(201, status, ok('201'));
    }
    return reply(200, [...found!.statuses].reverse().slice(0, perPage), ok('200'));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    requests,
    problems,
    deployments: (environment) =>
      deployments.filter((d) => environment === undefined || d.environment === environment),
    states: (id) => deployments.find((d) => d.id === id)?.statuses.map((s) => s.state) ?? [],
    seed(seedOptions) {
      const created = newDeployment('acme', 'shop', {
        ref: seedOptions.sha,
        environment: seedOptions.environment,
        payload: seedOptions.payload,
        task: seedOptions.task,
      });
      deployments.push(created);
      const log_url = 'https://github.com/acme/shop/actions/runs/4100/attempts/1';
      for (const state of seedOptions.states) created.statuses.push(newStatus(created, { state, log_url }));
      for (const error of api.check('/components/schemas/deployment', publicDeployment(created)))
        problems.push(`seeded deployment: ${error}`);
      return created.id;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
