/**
 * The emulator's core without HTTP: the World, the service modules, the
 * control operations, and the dispatch of one AWS call (identity, faults,
 * expiry, handler, call log). server.ts puts it on the wire.
 */
import { type CallFilter, CallLog, type CallRecord } from './call-log.js';
import { type ControllableClock, createClock, derivedRandom, mulberry32, randomUuid } from './clock.js';
import { type CodeDeployModule, createCodeDeploy } from './codedeploy/index.js';
import { createEcr, type EcrModule, type ReplicaDelivery } from './ecr/index.js';
import type { EcsControl } from './ecs/index.js';
import { type Fault, FaultInjector, type FaultSpec } from './faults.js';
import { Authorizer } from './iam/enforce.js';
import type { ScenarioRole } from './iam/scenario-iam.js';
import { engineLookup, issueSession, type SessionGrant } from './iam/sessions.js';
import { type Caller, CredentialStore, type IssuedCredentials } from './identity.js';
import { createLogs, type LogsModule } from './logs/index.js';
import { loadScenario, mergeScenario, readScenario } from './scenario.js';
import { createSts, makeUnsignedJwt, type WebIdentityClaims } from './sts/index.js';
import { AwsError, type RequestContext, type Scenario, type ServiceModule, type World } from './world.js';

export const ECS_TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113';

export type ServiceName = 'ecs' | 'ecr' | 'sts' | 'logs' | 'codedeploy';
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type ServiceDeploymentsApiMode = 'enabled' | 'access-denied' | 'unavailable';

export interface EmulatorSettings {
  serviceDeploymentsApi: ServiceDeploymentsApiMode;
}

/** The ECS engine as the core sees it (packages/emulator/src/ecs/index.ts exports `createEcs`). */
export type EcsModule = ServiceModule & { control?: Partial<EcsControl>; engine?: any };
export type CreateEcs = (world: World) => EcsModule;

export interface CoreOptions {
  scenario?: Scenario | string;
  /** Emulated milliseconds per real millisecond (default 1). */
  timeScale?: number;
  /** Seed of every PRNG (default 1). */
  seed?: number;
  /** Emulated start time (ISO text or epoch ms; default: now). */
  startTime?: string | number;
  /** URL of a backing OCI registry for ECR images. */
  registryUrl?: string;
  /** The ECS engine factory; without it ECS calls answer UnknownOperationException. */
  createEcs?: CreateEcs;
  /** Called with anything a handler throws that is not an AwsError (a bug; answered as 500 InternalFailure). */
  onInternalError?: (error: unknown) => void;
  /** A further region's core shares the primary's clock and STS credentials (regions.ts). */
  shared?: { clock: ControllableClock; credentials: CredentialStore };
  /** Where ECR replication delivers copies (regions.ts); without it every copy fails. */
  replicate?: ReplicaDelivery;
}

export interface EmulatorState {
  now: string;
  timeScale: number;
  seed: number;
  region: string;
  accountId: string;
  settings: EmulatorSettings;
  alarms: Record<string, AlarmState>;
  faults: Fault[];
  calls: number;
  services: Record<string, unknown>;
}

/** Test-side control of a running emulator; the same operations are served under `/_emulator/…`. */
export interface EmulatorControl {
  /** Emulated now. */
  now(): Date;
  /** Every module's snapshot plus clock, settings, alarms and faults. */
  state(): EmulatorState;
  /** Merges a scenario fragment (object or YAML/JSON text) into the running emulator. */
  seed(fragment: Scenario | string): void;
  /** Sets a CloudWatch alarm's state (the alarm is created when unknown). */
  alarm(name: string, state: AlarmState): void;
  alarms(): Record<string, AlarmState>;
  /** Injects a fault; returns it with its id. */
  fault(spec: FaultSpec): Fault;
  faults(): Fault[];
  clearFaults(): void;
  /** Moves emulated time forward, ticking every module along the way; returns the new now. */
  advance(seconds: number): Date;
  /** Back to the scenario as loaded: state, faults, calls, alarms, settings, sessions, PRNGs. Time keeps running. */
  reset(): void;
  calls(filter?: CallFilter): CallRecord[];
  clearCalls(): void;
  /** Changes settings at run time; returns the settings in force. */
  settings(patch?: Partial<EmulatorSettings>): EmulatorSettings;
  /**
   * An unsigned GitHub-style OIDC token (JWT) for AssumeRoleWithWebIdentity.
   * Defaults: iss https://token.actions.githubusercontent.com, aud sts.amazonaws.com,
   * sub repo:acme/shop:ref:refs/heads/main, exp in 5 minutes (real time).
   */
  oidcToken(claims?: WebIdentityClaims & { expiresInSeconds?: number }): string;
  /** The ECS engine's own control (seedService, listAllTasks, forceDeploymentFailure, advanceUntil, …). */
  readonly ecs: EcsControl | undefined;
  /** IAM: attach policies to a role (like a scenario `iam.roles` entry) and hand out sessions of it. */
  readonly iam: {
    /** Credentials of a session of `roleArn`, as AssumeRole would issue them, after attaching `role.policies` when given. */
    session(roleArn: string, role?: Omit<ScenarioRole, 'roleArn'>, sessionName?: string): SessionGrant;
    /** True when calls with emulator-issued credentials are authorised (the scenario has an `iam` section). */
    enforcing(): boolean;
  };
}

/** One AWS call as the server parsed it. */
export interface AwsCall {
  service: ServiceName | 'unknown';
  operation: string;
  input: unknown;
  accessKeyId?: string;
  /** Aborted when the client closes the connection before the answer (the server sets it). */
  signal?: AbortSignal;
}

export type AwsOutcome =
  | { kind: 'result'; result: unknown }
  | { kind: 'error'; code: string; message: string; status: number }
  | { kind: 'reset' };

export interface EmulatorCore {
  world: World;
  control: EmulatorControl;
  modules: Map<ServiceName, ServiceModule>;
  /** Service module for an X-Amz-Target prefix. */
  serviceForPrefix(prefix: string): ServiceName | undefined;
  /** Runs one call through identity, faults, expiry and the handler; records it in the call log. */
  dispatch(call: AwsCall): Promise<AwsOutcome & { requestId: string; record: CallRecord }>;
  requestId(): string;
  /** Mirrors the backing registry now (state reads over HTTP do this first); no-op without one. */
  syncRegistry(): Promise<void>;
  /** Brings every module's state machines to now (another region's call may depend on them, e.g. replication). */
  tick(): void;
  /** What a further region's core shares with this one. */
  shared: { clock: ControllableClock; credentials: CredentialStore };
}

const THROTTLING: Record<string, { code: string; message: string }> = {
  sts: { code: 'Throttling', message: 'Rate exceeded' },
  default: { code: 'ThrottlingException', message: 'Rate exceeded' },
};
const SERVER_ERROR: Record<string, { code: string; message: string }> = {
  ecs: { code: 'ServerException', message: 'Service Unavailable. Please try again later.' },
  ecr: { code: 'ServerException', message: 'Service Unavailable. Please try again later.' },
  logs: { code: 'ServiceUnavailableException', message: 'The service cannot complete the request.' },
  sts: { code: 'InternalFailure', message: 'An internal error occurred. Please try again.' },
  default: { code: 'InternalFailure', message: 'An internal error occurred. Please try again.' },
};

export function createCore(options: CoreOptions = {}): EmulatorCore {
  const seed = options.seed ?? 1;
  const initial = loadScenario(options.scenario);
  const startMs =
    options.startTime === undefined
      ? undefined
      : typeof options.startTime === 'number'
        ? options.startTime
        : Date.parse(options.startTime);
  if (startMs !== undefined && Number.isNaN(startMs))
    throw new Error(`startTime ${options.startTime} is not a time`);
  const clock: ControllableClock =
    options.shared?.clock ?? createClock({ timeScale: options.timeScale ?? 1, startMs });

  let worldRandom = mulberry32(seed);
  let settings: EmulatorSettings = {
    serviceDeploymentsApi: initial.settings?.serviceDeploymentsApi ?? 'enabled',
  };
  let alarmStates = new Map<string, AlarmState>((initial.alarms ?? []).map((name) => [name, 'OK']));
  const calls = new CallLog();
  let faults = new FaultInjector(derivedRandom(seed, 'faults'));
  let requestRandom = derivedRandom(seed, 'request-ids');
  const credentials = options.shared?.credentials ?? new CredentialStore(derivedRandom(seed, 'credentials'));

  const world: World = {
    region: initial.region!,
    accountId: initial.accountId!,
    clock,
    random: () => worldRandom(),
    scenario: structuredClone(initial),
    logs: { put: () => undefined },
    images: { resolveDigest: () => undefined, isEcrImage: () => false, aliases: () => [] },
    // An alarm nobody declared reads OK, so a deployment naming it is not held up.
    alarmState: (name) => alarmStates.get(name) ?? 'OK',
    serviceDeploymentsApi: () => settings.serviceDeploymentsApi,
  };

  const logs: LogsModule = createLogs(world);
  world.logs = logs.sink;
  const ecr: EcrModule = createEcr(world, {
    seed,
    registryUrl: options.registryUrl,
    replicate: options.replicate,
  });
  world.images = ecr.catalog;
  const sts = createSts(world, credentials);
  const ecs: EcsModule | undefined = options.createEcs?.(world);
  const lookup = engineLookup(world, ecs?.engine);
  // Bound late: the CodeDeploy module is made below, beside the other modules.
  lookup.codedeployDeploymentGroupArn = (id) => codedeploy?.deploymentGroupArnOf(id);
  const authorizer = new Authorizer(world, lookup);

  const modules = new Map<ServiceName, ServiceModule>([
    ['ecr', ecr],
    ['sts', sts],
    ['logs', logs],
  ]);
  if (ecs) modules.set('ecs', ecs);
  // CodeDeploy (ECS blue/green) drives the ECS engine's task sets, so it exists only beside a real engine.
  const codedeploy: CodeDeployModule | undefined = ecs?.engine?.agenda
    ? createCodeDeploy(world, ecs)
    : undefined;
  if (codedeploy) modules.set('codedeploy', codedeploy);
  const prefixes = new Map<string, ServiceName>([
    [ECS_TARGET_PREFIX, 'ecs'],
    [ecr.targetPrefix, 'ecr'],
    [logs.targetPrefix, 'logs'],
  ]);
  if (codedeploy) prefixes.set(codedeploy.targetPrefix, 'codedeploy');

  /** world.scenario is replaced in place, so modules holding the object see every change. */
  function replaceScenario(next: Scenario): void {
    for (const key of Object.keys(world.scenario)) delete (world.scenario as Record<string, unknown>)[key];
    Object.assign(world.scenario, structuredClone(next));
  }

  function tickAll(): void {
    const now = clock.now();
    for (const module of modules.values()) module.tick?.(now);
  }

  function loadAll(): void {
    logs.clear();
    for (const module of modules.values()) module.load?.(world.scenario);
  }

  loadAll();

  const requestId = () => randomUuid(requestRandom);

  /** The ECS parts of a seed go to the engine's control: clusters, then task definitions, then services. */
  function seedEcs(fragment: Scenario): void {
    if (!fragment.clusters && !fragment.taskDefinitions && !fragment.services) return;
    const control = ecs?.control;
    if (!control?.seedTaskDefinition || !control.seedService) {
      throw new Error('seed: the scenario fragment has ECS parts but the ECS engine is not loaded');
    }
    const now = clock.now();
    for (const name of fragment.clusters ?? []) {
      if (!ecs?.engine?.clusters?.has(name)) ecs?.engine?.createCluster(name, now);
    }
    for (const input of fragment.taskDefinitions ?? []) control.seedTaskDefinition(input);
    for (const spec of fragment.services ?? []) control.seedService(spec);
  }

  const control: EmulatorControl = {
    now: () => new Date(clock.now()),
    state() {
      tickAll();
      const services: Record<string, unknown> = {};
      for (const [name, module] of modules) services[name] = module.snapshot?.();
      return {
        now: new Date(clock.now()).toISOString(),
        timeScale: clock.timeScale,
        seed,
        region: world.region,
        accountId: world.accountId,
        settings: { ...settings },
        alarms: Object.fromEntries(alarmStates),
        faults: faults.list(),
        calls: calls.list().length,
        services,
      };
    },
    seed(input) {
      const fragment = readScenario(input);
      tickAll();
      replaceScenario(mergeScenario(world.scenario, fragment));
      if (fragment.settings?.serviceDeploymentsApi)
        settings.serviceDeploymentsApi = fragment.settings.serviceDeploymentsApi;
      for (const name of fragment.alarms ?? []) if (!alarmStates.has(name)) alarmStates.set(name, 'OK');
      ecr.seed(fragment);
      if (fragment.logs) logs.load?.({ logs: fragment.logs });
      seedEcs(fragment);
      codedeploy?.seed(fragment);
    },
    alarm(name, state) {
      if (!name || typeof name !== 'string') throw new Error('alarm: name is required');
      if (!['OK', 'ALARM', 'INSUFFICIENT_DATA'].includes(state)) {
        throw new Error(`alarm: state must be OK, ALARM or INSUFFICIENT_DATA, got ${JSON.stringify(state)}`);
      }
      alarmStates.set(name, state);
      ecs?.control?.alarmChanged?.(name);
      tickAll();
    },
    alarms: () => Object.fromEntries(alarmStates),
    fault: (spec) => faults.add(spec),
    faults: () => faults.list(),
    clearFaults: () => faults.clear(),
    advance(seconds) {
      if (typeof seconds !== 'number' || !(seconds >= 0) || !Number.isFinite(seconds)) {
        throw new Error(`advance: seconds must be a number ≥ 0, got ${JSON.stringify(seconds)}`);
      }
      tickAll();
      if (ecs?.control?.advance) {
        // The engine moves the clock itself, processing every scheduled event in order.
        ecs.control.advance(seconds * 1000);
      } else {
        clock.advance(seconds * 1000);
      }
      tickAll();
      return new Date(clock.now());
    },
    reset() {
      replaceScenario(initial);
      worldRandom = mulberry32(seed);
      requestRandom = derivedRandom(seed, 'request-ids');
      faults = new FaultInjector(derivedRandom(seed, 'faults'));
      settings = { serviceDeploymentsApi: initial.settings?.serviceDeploymentsApi ?? 'enabled' };
      alarmStates = new Map((initial.alarms ?? []).map((name) => [name, 'OK']));
      calls.clear();
      credentials.clear();
      loadAll();
    },
    calls: (filter) => calls.list(filter),
    clearCalls: () => calls.clear(),
    settings(patch) {
      if (patch?.serviceDeploymentsApi !== undefined) {
        if (!['enabled', 'access-denied', 'unavailable'].includes(patch.serviceDeploymentsApi)) {
          throw new Error(
            `settings.serviceDeploymentsApi must be enabled, access-denied or unavailable, got ${JSON.stringify(patch.serviceDeploymentsApi)}`,
          );
        }
        settings.serviceDeploymentsApi = patch.serviceDeploymentsApi;
      }
      return { ...settings };
    },
    oidcToken(claims = {}) {
      const { expiresInSeconds = 300, ...rest } = claims;
      const issuedAt = Math.floor(Date.now() / 1000);
      return makeUnsignedJwt({
        iss: 'https://token.actions.githubusercontent.com',
        aud: 'sts.amazonaws.com',
        sub: 'repo:acme/shop:ref:refs/heads/main',
        repository: 'acme/shop',
        iat: issuedAt,
        nbf: issuedAt,
        exp: issuedAt + expiresInSeconds,
        ...rest,
      });
    },
    get ecs() {
      return ecs?.control as EcsControl | undefined;
    },
    iam: {
      session(roleArn, role, sessionName) {
        if (role) control.seed({ iam: { roles: [{ roleArn, ...role }] } });
        return issueSession(credentials, world, roleArn, sessionName);
      },
      enforcing: () => authorizer.enforcing,
    },
  };

  async function dispatch(call: AwsCall) {
    const started = performance.now();
    const id = requestId();
    const emulatedAt = clock.now();
    const caller: Caller = credentials.resolve(call.accessKeyId, world.accountId, emulatedAt);
    let faultId: string | undefined;
    // Why a reset outcome had no answer, for the call log.
    let resetCode = 'ConnectionReset';
    let authorization: CallRecord['authorization'];
    const finish = (outcome: AwsOutcome) => {
      const record = calls.add({
        service: call.service,
        operation: call.operation,
        time: new Date(emulatedAt).toISOString(),
        realMs: Date.now(),
        durationMs: Math.round(performance.now() - started),
        status: outcome.kind === 'reset' ? 0 : outcome.kind === 'error' ? outcome.status : 200,
        errorCode: outcome.kind === 'reset' ? resetCode : outcome.kind === 'error' ? outcome.code : undefined,
        callerArn: caller.arn,
        faultId,
        authorization,
      });
      return { ...outcome, requestId: id, record };
    };
    const error = (code: string, message: string, status: number) =>
      finish({ kind: 'error', code, message, status });

    try {
      // Images pushed straight to the backing registry appear before anyone asks.
      if (options.registryUrl) {
        await ecr.sync().catch((syncError) => {
          if (call.service === 'ecr') throw syncError;
        });
      }
      tickAll();

      const decision = faults.decide(call.service, call.operation);
      const latencyMs = decision.latencyMs + (decision.latencySeconds * 1000) / clock.timeScale;
      if (decision.never || latencyMs > 0) {
        // A stalled answer: held until it is due, or (never) until the client hangs up.
        const gaveUp = await holdAnswer(decision.never ? undefined : latencyMs, call.signal);
        if (gaveUp) {
          resetCode = 'ClientClosedRequest';
          return finish({ kind: 'reset' });
        }
        tickAll();
      }
      const lostAnswer = decision.failure?.kind === 'lost-answer' ? decision.failure : undefined;
      if (decision.failure && !lostAnswer) {
        const fault = decision.failure;
        faultId = fault.id;
        if (fault.kind === 'connection-reset') return finish({ kind: 'reset' });
        const table = fault.kind === 'throttling' ? THROTTLING : SERVER_ERROR;
        const shape = table[call.service] ?? table.default;
        return error(shape.code, fault.message ?? shape.message, fault.kind === 'throttling' ? 400 : 500);
      }

      const module = call.service === 'unknown' ? undefined : modules.get(call.service);
      const handler = module?.operations[call.operation];
      if (!handler) {
        const what = module
          ? `${call.operation} is not an operation the emulator's ${call.service.toUpperCase()} knows`
          : `no emulated service answers ${call.service}.${call.operation}`;
        return call.service === 'sts'
          ? error('InvalidAction', `Could not find operation ${call.operation} for version 2011-06-15`, 400)
          : error('UnknownOperationException', what, 400);
      }

      // Expired emulator-issued credentials fail every signed call (https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html);
      // AssumeRoleWithWebIdentity is unsigned, so a refresh always gets through.
      if (caller.expired && call.operation !== 'AssumeRoleWithWebIdentity') {
        return error(
          call.service === 'sts' ? 'ExpiredToken' : 'ExpiredTokenException',
          'The security token included in the request is expired',
          403,
        );
      }

      // IAM: the one place a signed call is authorised (iam/enforce.ts).
      const session: IssuedCredentials | undefined = call.accessKeyId
        ? credentials.get(call.accessKeyId)
        : undefined;
      const authorized = await authorizer.authorize(call.service, call.operation, call.input, session);
      authorization = authorized?.decision;
      if (authorized?.error) throw authorized.error;

      const context: RequestContext = {
        operation: call.operation,
        callerArn: caller.arn,
        accessKeyId: call.accessKeyId,
      };
      if (lostAnswer) {
        // The call takes effect; its answer, success or error, never reaches the client.
        faultId = lostAnswer.id;
        resetCode = 'AnswerLost';
        await Promise.resolve(handler(call.input, context)).catch(() => undefined);
        return finish({ kind: 'reset' });
      }
      const result = await handler(call.input, context);
      return finish({ kind: 'result', result });
    } catch (thrown) {
      if (thrown instanceof AwsError) return error(thrown.code, thrown.message, thrown.status);
      const message = thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown);
      options.onInternalError?.(thrown);
      return error('InternalFailure', `Emulator bug: ${message}`, 500);
    }
  }

  /** Waits `ms` (undefined: for ever) unless `signal` fires first; true when the client gave up. */
  function holdAnswer(ms: number | undefined, signal: AbortSignal | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(true);
      const timer = ms === undefined ? undefined : setTimeout(() => done(false), ms);
      const onAbort = () => done(true);
      function done(gaveUp: boolean) {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(gaveUp);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  return {
    world,
    control,
    modules,
    serviceForPrefix: (prefix) => prefixes.get(prefix),
    dispatch,
    requestId,
    syncRegistry: () => ecr.sync(),
    tick: tickAll,
    shared: { clock, credentials },
  };
}
