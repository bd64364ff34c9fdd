import { parseClusterQuery, QueryError } from './query';

const instance = (attributes: Record<string, string>, ec2InstanceId = 'i-0123') => ({ ec2InstanceId, attributes: new Map(Object.entries(attributes)) });
const ON_A = instance({ 'ecs.ami-id': 'ami-a' });
const ON_B_CORDONED = instance({ 'ecs.ami-id': 'ami-b', 'ecs-ami-refresher.cordoned': 'ami-a' });
const NO_IMAGE = instance({});

describe('the cluster query language subset the simulator evaluates', () => {
  test.each([
    ['attribute:ecs.ami-id == ami-a', [true, false, false]],
    ['attribute:ecs.ami-id != ami-a', [false, true, true]],
    ['attribute:ecs.ami-id in [ami-a, ami-c]', [true, false, false]],
    ['attribute:ecs.ami-id not_in [ami-a, ami-c]', [false, true, true]],
    ['attribute:ecs.ami-id !in [ami-a]', [false, true, true]],
    ['attribute:ecs.ami-id !exists', [false, false, true]],
    ['attribute:ecs.ami-id not_exists', [false, false, true]],
    ['attribute:ecs-ami-refresher.cordoned exists', [false, true, false]],
    ['attribute:ecs.ami-id exists and attribute:ecs.ami-id not_in [ami-a]', [false, true, false]],
    ['attribute:ecs.ami-id !exists or attribute:ecs.ami-id == ami-a && attribute:ecs-ami-refresher.cordoned exists', [false, false, true]],
    ['(attribute:ecs.ami-id !exists or attribute:ecs.ami-id == ami-a) and not attribute:ecs-ami-refresher.cordoned exists', [true, false, true]],
    ['!(attribute:ecs.ami-id in [ami-a])', [false, true, true]],
    ['ec2InstanceId in [i-0123, i-0456]', [true, true, true]],
  ])('%s', (expression, expected) => {
    const query = parseClusterQuery(expression);
    expect([ON_A, ON_B_CORDONED, NO_IMAGE].map((i) => query(i))).toEqual(expected);
  });

  test.each([
    ['runningTasksCount > 0', /subject 'runningTasksCount'/],
    ['attribute:ecs.ami-id =~ ami-.*', /operator '=~'/],
    ['attribute:ecs.ami-id in ami-a', /argument list/],
    ['(attribute:ecs.ami-id exists', /parentheses/],
    ['attribute:ecs.ami-id exists extra', /unexpected 'extra'/],
    ['attribute:ecs.ami-id', /incomplete/],
  ])('refuses %s rather than ignoring it', (expression, message) => {
    expect(() => parseClusterQuery(expression)).toThrow(QueryError);
    expect(() => parseClusterQuery(expression)).toThrow(message);
  });
});
