export type FaultKind = 'throttling' | 'server-error' | 'connection-reset' | 'latency' | 'lost-answer';

/** What the control API's `fault` accepts. */
export interface FaultSpec {
  /** `ecs`, `ecr`, `sts`, `logs`, or `*` / omitted for every service. */
  service?: string;
  /** Operation name (`DescribeServices`), or `*` / omitted for every operation. */
  operation?: string;
  /**
   * `throttling` (ThrottlingException 400; STS: Throttling), `server-error`
   * (500: ServerException / ServiceUnavailableException / InternalFailure),
   * `connection-reset` (the socket is destroyed without an answer),
   * `latency` (the answer is delayed by `latencyMs` of real time or `seconds` of emulated time,
   * then served normally; with `never: true` it never comes, and the connection stays open until
   * the client gives up), `lost-answer` (the call is carried out, then the socket is destroyed
   * without an answer: the client cannot tell whether its write happened).
   * Aliases: ThrottlingException, Throttling, ServerException, 500, reset, ConnectionReset, Latency,
   * stall (latency that never answers), LostAnswer.
   */
  kind: FaultKind | string;
  /** Probability per matching call, 0–1, drawn from the seeded PRNG (default 1). */
  rate?: number;
  /** Only the next N matching calls (default: unlimited). */
  count?: number;
  /** For `latency`: milliseconds of real time to add. */
  latencyMs?: number;
  /** For `latency`: seconds of emulated time to add (real time = seconds ÷ time scale). */
  seconds?: number;
  /** For `latency`: never answer (`stall` sets it). */
  never?: boolean;
  /** Error message override. */
  message?: string;
}

export interface Fault {
  id: string;
  service: string;
  operation: string;
  kind: FaultKind;
  rate: number;
  /** Calls it still applies to; undefined = unlimited. */
  remaining?: number;
  latencyMs?: number;
  /** Emulated seconds to add (latency). */
  seconds?: number;
  /** Latency that never ends. */
  never?: boolean;
  message?: string;
  /** How many calls it affected so far. */
  fired: number;
}

const KIND_ALIASES: Record<string, FaultKind> = {
  throttling: 'throttling',
  throttle: 'throttling',
  throttlingexception: 'throttling',
  'server-error': 'server-error',
  servererror: 'server-error',
  serverexception: 'server-error',
  '500': 'server-error',
  'connection-reset': 'connection-reset',
  connectionreset: 'connection-reset',
  reset: 'connection-reset',
  latency: 'latency',
  stall: 'latency',
  'lost-answer': 'lost-answer',
  lostanswer: 'lost-answer',
};

/** Throws a plain Error naming the field and the accepted values when the spec is wrong. */
export function normalizeFault(spec: FaultSpec, id: string): Fault {
  if (typeof spec !== 'object' || spec === null)
    throw new Error('fault: expected an object such as {"kind": "throttling"}');
  const kindText = String(spec.kind ?? '').toLowerCase();
  const kind = KIND_ALIASES[kindText];
  if (!kind) {
    throw new Error(
      `fault.kind: expected throttling, server-error, connection-reset, latency, stall or lost-answer, got ${JSON.stringify(spec.kind)}`,
    );
  }
  const never = spec.never === true || kindText === 'stall';
  if (spec.seconds !== undefined && !(typeof spec.seconds === 'number' && spec.seconds >= 0)) {
    throw new Error(`fault.seconds: expected a number of emulated seconds ≥ 0, got ${spec.seconds}`);
  }
  const rate = spec.rate ?? 1;
  if (typeof rate !== 'number' || rate < 0 || rate > 1)
    throw new Error(`fault.rate: expected a number from 0 to 1, got ${spec.rate}`);
  if (spec.count !== undefined && !(Number.isInteger(spec.count) && spec.count > 0)) {
    throw new Error(`fault.count: expected a positive whole number, got ${spec.count}`);
  }
  if (
    kind === 'latency' &&
    !never &&
    spec.seconds === undefined &&
    !(typeof spec.latencyMs === 'number' && spec.latencyMs >= 0)
  ) {
    throw new Error(
      'fault.latencyMs: a latency fault needs latencyMs (real milliseconds, ≥ 0), seconds (emulated) or never: true',
    );
  }
  return {
    id,
    service: spec.service ?? '*',
    operation: spec.operation ?? '*',
    kind,
    rate,
    remaining: spec.count,
    latencyMs: spec.latencyMs,
    ...(kind === 'latency' && spec.seconds !== undefined ? { seconds: spec.seconds } : {}),
    ...(kind === 'latency' && never ? { never: true } : {}),
    message: spec.message,
    fired: 0,
  };
}

export interface FaultDecision {
  /** Total real latency to add before answering. */
  latencyMs: number;
  /** Total emulated seconds to add before answering (the server divides by the time scale). */
  latencySeconds: number;
  /** A matching latency fault never answers. */
  never: boolean;
  /** The failing fault to apply, if any (throttling, server-error, connection-reset, lost-answer). */
  failure?: Fault;
}

/** Injected faults, matched in the order they were added; rates draw from their own seeded PRNG. */
export class FaultInjector {
  private faults: Fault[] = [];
  private nextId = 1;

  constructor(private readonly random: () => number) {}

  add(spec: FaultSpec): Fault {
    const fault = normalizeFault(spec, `fault-${this.nextId++}`);
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  decide(service: string, operation: string): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0, latencySeconds: 0, never: false };
    for (const fault of this.faults) {
      if (fault.service !== '*' && fault.service !== service) continue;
      if (fault.operation !== '*' && fault.operation !== operation) continue;
      if (fault.remaining !== undefined && fault.remaining <= 0) continue;
      if (fault.kind !== 'latency' && decision.failure) continue;
      if (fault.rate < 1 && !(this.random() < fault.rate)) continue;
      if (fault.remaining !== undefined) fault.remaining--;
      fault.fired++;
      if (fault.kind === 'latency') {
        decision.latencyMs += fault.latencyMs ?? 0;
        decision.latencySeconds += fault.seconds ?? 0;
        decision.never ||= fault.never === true;
      } else decision.failure = fault;
    }
    return decision;
  }
}
