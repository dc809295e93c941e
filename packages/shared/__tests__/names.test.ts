import { describe, expect, it } from '@jest/globals';
import { alarmNameProblem, checkEcsName, isEcsName } from '../src/names.js';

// Expected values from the API references: ECS names are "Up to 255 letters (uppercase and
// lowercase), numbers, underscores, and hyphens" (API_CreateCluster, API_CreateService,
// API_RegisterTaskDefinition `family`, API_ContainerDefinition `name`); a CloudWatch alarm
// name is 1–255 characters and "can't contain ASCII control characters" (API_PutMetricAlarm).
describe('ECS names', () => {
  it.each([
    ['web', true],
    ['Shop_Prod-2', true],
    ['a'.repeat(255), true],
    ['a'.repeat(256), false],
    ['', false],
    ['web.api', false],
    ['web\n::warning::x', false],
    ['web\r', false],
    ['wéb', false],
    ['web api', false],
  ])('%j valid: %s', (name, valid) => {
    expect(isEcsName('service', name)).toBe(valid);
  });

  it('accepts the ARN form only where the API does', () => {
    const cluster = 'arn:aws:ecs:eu-west-1:123456789012:cluster/shop';
    const service = 'arn:aws:ecs:eu-west-1:123456789012:service/shop/web';
    expect(isEcsName('cluster', cluster, true)).toBe(true);
    expect(isEcsName('service', service, true)).toBe(true);
    expect(isEcsName('cluster', cluster)).toBe(false);
    expect(isEcsName('family', cluster, true)).toBe(false);
  });

  it('names the input and shows the value escaped', () => {
    expect(() => checkEcsName('service', 'service', 'web\r::warning::x', { allowArn: true })).toThrow(
      'Input `service` must be an ECS service name or its ARN: 1 to 255 letters, digits, `-` and `_`, got "web\\r::warning::x". For example `service: web`.',
    );
  });
});

describe('CloudWatch alarm names', () => {
  it.each([
    ['shop-5xx-rate', undefined],
    ['Shop: 5xx rate > 1% (prod)', undefined],
    ['a'.repeat(255), undefined],
    ['a'.repeat(256), 'it has 256 characters (at most 255)'],
    ['', 'it is empty'],
    ['shop\rrate', 'it contains an ASCII control character (a line break, CR or tab)'],
    ['shop\trate', 'it contains an ASCII control character (a line break, CR or tab)'],
    ['shop\u007Frate', 'it contains an ASCII control character (a line break, CR or tab)'],
  ])('%j → %s', (name, problem) => {
    expect(alarmNameProblem(name)).toBe(problem);
  });
});
