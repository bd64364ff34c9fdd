import { EventError, parseEvent } from '../../src/lambda/event';

/** An EventBridge scheduled event as delivered to Lambda. */
const SCHEDULED_EVENT = {
  'version': '0',
  'id': '89d1a02d-5ec7-412e-82f5-13505f849b41',
  'detail-type': 'Scheduled Event',
  'source': 'aws.events',
  'account': '123456789012',
  'time': '2025-03-01T00:00:00Z',
  'region': 'us-east-1',
  'resources': ['arn:aws:events:us-east-1:123456789012:rule/refresh'],
  'detail': {},
};

function eventError(event: unknown): EventError {
  try {
    parseEvent(event);
  } catch (error) {
    expect(error).toBeInstanceOf(EventError);
    return error as EventError;
  }
  throw new Error(`expected an EventError, and ${JSON.stringify(event)} was accepted`);
}

describe('parseEvent', () => {
  test.each([
    ['an EventBridge Scheduler event', { source: 'aws.scheduler', detail: {} }, false, true],
    ['undefined (an invocation without payload)', undefined, false, false],
    ['null', null, false, false],
    ['an empty object', {}, false, false],
    ['{ force: true }', { force: true }, true, false],
    ['{ force: false }', { force: false }, false, false],
  ])('accepts %s', (_, event, force, scheduled) => {
    expect(parseEvent(event)).toEqual({ force, scheduled });
  });

  test('accepts an EventBridge scheduled event, reading the tick it was scheduled for', () => {
    expect(parseEvent(SCHEDULED_EVENT)).toEqual({ force: false, scheduled: true, scheduledAt: Date.parse('2025-03-01T00:00:00Z') });
    expect(parseEvent({ ...SCHEDULED_EVENT, time: 'soon' })).toEqual({ force: false, scheduled: true });
  });

  test('a scheduled event never forces, whatever else it carries', () => {
    expect(parseEvent({ ...SCHEDULED_EVENT, force: true })).toEqual({ force: false, scheduled: true, scheduledAt: Date.parse('2025-03-01T00:00:00Z') });
  });

  test.each([
    ['an array', [{ force: true }], '[{"force":true}]'],
    ['a string', 'force', '"force"'],
    ['a number', 1, '1'],
    ['a boolean', true, 'true'],
  ])('rejects %s, showing what it got', (_, event, shown) => {
    const error = eventError(event);
    expect(error.message).toContain('must be a JSON object');
    expect(error.message).toContain(shown);
  });

  test.each([
    [{ froce: true }, ['froce']],
    [{ force: true, dryRun: true }, ['dryRun']],
    [{ key1: 'value1', key2: 'value2' }, ['key1', 'key2']],
  ])('rejects unknown fields %j, naming them', (event, fields) => {
    const error = eventError(event);
    for (const field of fields) expect(error.message).toContain(field);
    expect(error.message).toContain('force');
  });

  test.each([
    ['"true"', { force: 'true' }],
    ['1', { force: 1 }],
    ['null', { force: null }],
  ])('rejects a non-boolean force (%s), naming the field and the value', (shown, event) => {
    const error = eventError(event);
    expect(error.message).toContain("'force'");
    expect(error.message).toContain(shown);
  });
});
