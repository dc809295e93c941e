/**
 * Deployment configurations of the ECS compute platform and the traffic
 * shifts they make. The predefined ones, as listed in
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html#deployment-configuration-ecs
 * ("CodeDeployDefault.ECSLinear10PercentEvery1Minutes: Shifts 10 percent of
 * traffic every minute until all traffic is shifted", "…ECSCanary10Percent5Minutes:
 * Shifts 10 percent of traffic in the first increment. The remaining 90 percent
 * is deployed five minutes later", "…ECSAllAtOnce: Shifts all traffic to the
 * updated Amazon ECS container at once"). Without a deployment configuration an
 * ECS deployment group uses CodeDeployDefault.ECSAllAtOnce.
 */

export type TrafficRouting =
  | { type: 'AllAtOnce' }
  | { type: 'TimeBasedCanary'; percentage: number; intervalMinutes: number }
  | { type: 'TimeBasedLinear'; percentage: number; intervalMinutes: number };

export const DEFAULT_ECS_CONFIG = 'CodeDeployDefault.ECSAllAtOnce';

export const PREDEFINED_ECS_CONFIGS: Record<string, TrafficRouting> = {
  'CodeDeployDefault.ECSAllAtOnce': { type: 'AllAtOnce' },
  'CodeDeployDefault.ECSLinear10PercentEvery1Minutes': {
    type: 'TimeBasedLinear',
    percentage: 10,
    intervalMinutes: 1,
  },
  'CodeDeployDefault.ECSLinear10PercentEvery3Minutes': {
    type: 'TimeBasedLinear',
    percentage: 10,
    intervalMinutes: 3,
  },
  'CodeDeployDefault.ECSCanary10Percent5Minutes': {
    type: 'TimeBasedCanary',
    percentage: 10,
    intervalMinutes: 5,
  },
  'CodeDeployDefault.ECSCanary10Percent15Minutes': {
    type: 'TimeBasedCanary',
    percentage: 10,
    intervalMinutes: 15,
  },
};

/** One traffic shift: `afterMs` after AllowTraffic starts, the replacement task set serves `weight` percent. */
export interface TrafficStep {
  afterMs: number;
  weight: number;
}

export function trafficSteps(routing: TrafficRouting): TrafficStep[] {
  if (routing.type === 'AllAtOnce') return [{ afterMs: 0, weight: 100 }];
  const interval = routing.intervalMinutes * 60_000;
  if (routing.type === 'TimeBasedCanary') {
    return [
      { afterMs: 0, weight: routing.percentage },
      { afterMs: interval, weight: 100 },
    ];
  }
  const steps: TrafficStep[] = [];
  for (let k = 0; k * routing.percentage < 100; k++) {
    steps.push({ afterMs: k * interval, weight: Math.min(100, (k + 1) * routing.percentage) });
  }
  return steps;
}

/** The GetDeploymentConfig `trafficRoutingConfig` member of a configuration. */
export function trafficRoutingConfigShape(routing: TrafficRouting): Record<string, unknown> {
  if (routing.type === 'AllAtOnce') return { type: 'AllAtOnce' };
  if (routing.type === 'TimeBasedCanary')
    return {
      type: 'TimeBasedCanary',
      timeBasedCanary: { canaryPercentage: routing.percentage, canaryInterval: routing.intervalMinutes },
    };
  return {
    type: 'TimeBasedLinear',
    timeBasedLinear: { linearPercentage: routing.percentage, linearInterval: routing.intervalMinutes },
  };
}
