/**
 * The round (src/engine/round.ts): the one decision pipeline the Lambda's run and the CLI share, and the
 * order and weight of a round's actions.
 */
import { decideRound, roundActions } from '../../src/engine/round';
import { Round, runEngine } from '../../src/engine/run';
import { twoGroups, writesOf } from '../cli/cli-harness';
import { POLL_MS, runToCompletion, settingsFor } from '../rotation/harness';

const HOUR = 3600_000;

describe('decideRound', () => {
  test('reads only, and decides what the run\'s first round then does', async () => {
    const sim = twoGroups();
    const settings = settingsFor('prod');
    const decision = await decideRound(sim.api, settings, { now: sim.clock.now() });
    expect(writesOf(sim)).toEqual([]);

    const rounds: Round[] = [];
    await runEngine({
      api: sim.api, clock: sim.clock, settings, owner: 'cli:test', deadline: sim.clock.now() + 1, pollIntervalMs: POLL_MS, onRound: (r) => rounds.push(r),
    });
    const actionsOf = (rotations: Round['rotations']) => [...rotations].map(([group, r]) => [group, r.phase, r.actions.map((a) => a.kind)]);
    expect(actionsOf(rounds[0].rotations)).toEqual(actionsOf(decision.rotations));
    expect(rounds[0].plan.groups).toEqual(decision.plan.groups);
  });

  test('forced: the decision checks every group for another actor, so the CLI\'s plan --force waits where rotate --force would', async () => {
    const sim = twoGroups();
    await runToCompletion(sim.api, sim.clock, settingsFor('prod'), 24 * HOUR);
    sim.recorder.clear();
    const decision = await decideRound(sim.api, settingsFor('prod', { force: true }), { now: sim.clock.now() });
    expect(decision.observed.groups.length).toBe(2);
    expect(sim.recorder.count('autoscaling:describeInstanceRefreshes')).toBe(decision.observed.groups.length);
  });
});

describe('roundActions', () => {
  test('every round of a whole rotation: cordons before any other action; the last round is not busy', async () => {
    const sim = twoGroups();
    const settings = settingsFor('prod');
    const rounds: Round[] = [];
    const result = await runEngine({
      api: sim.api,
      clock: sim.clock,
      settings,
      owner: 'cli:test',
      deadline: sim.clock.now() + 24 * HOUR,
      pollIntervalMs: POLL_MS,
      onRound: (r) => rounds.push(r),
    });
    expect(result.settled).toBe(true);
    let cordoned = 0;
    for (const round of rounds) {
      const kinds = roundActions(round, settings).actions.map((a) => a.kind);
      const firstOther = kinds.findIndex((k) => k !== 'cordon');
      expect(kinds.slice(firstOther < 0 ? kinds.length : firstOther)).not.toContain('cordon');
      cordoned += kinds.filter((k) => k === 'cordon').length;
    }
    expect(cordoned).toBeGreaterThan(0);
    expect(roundActions(result.last, settings).busy).toBe(false);
    expect(rounds.slice(0, -1).every((r) => roundActions(r, settings).busy)).toBe(true);
  });
});
