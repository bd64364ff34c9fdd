import { HANDOVER_MS, runDeadline } from '../../src/engine/run';

const MIN = 60_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('runDeadline', () => {
  test.each<[string, Parameters<typeof runDeadline>[0], number]>([
    ['no schedule period: the whole budget', { startedAt: T0, budgetMs: 13.5 * MIN }, T0 + 13.5 * MIN],
    ['every 5 minutes, a 13.5-minute budget: just before the tick at 10 minutes',
      { startedAt: T0, budgetMs: 13.5 * MIN, periodMs: 5 * MIN }, T0 + 10 * MIN - HANDOVER_MS],
    ['started 20 s after its tick: still before the tick at 10 minutes',
      { startedAt: T0 + 20_000, budgetMs: 13.5 * MIN, periodMs: 5 * MIN, scheduledAt: T0 }, T0 + 10 * MIN - HANDOVER_MS],
    ['a budget ending exactly on a tick: just before it', { startedAt: T0, budgetMs: 10 * MIN, periodMs: 5 * MIN }, T0 + 10 * MIN - HANDOVER_MS],
    ['a period longer than the budget: the whole budget', { startedAt: T0, budgetMs: 13.5 * MIN, periodMs: 60 * MIN }, T0 + 13.5 * MIN],
    ['a tick time from the future is not trusted', { startedAt: T0, budgetMs: 13.5 * MIN, periodMs: 5 * MIN, scheduledAt: T0 + MIN },
      T0 + 10 * MIN - HANDOVER_MS],
    ['a tick time older than a period is not trusted', { startedAt: T0, budgetMs: 13.5 * MIN, periodMs: 5 * MIN, scheduledAt: T0 - 7 * MIN },
      T0 + 10 * MIN - HANDOVER_MS],
    ['a negative budget: now', { startedAt: T0, budgetMs: -5, periodMs: 5 * MIN }, T0],
  ])('%s', (_name, options, expected) => {
    expect(runDeadline(options)).toBe(expected);
  });
});
