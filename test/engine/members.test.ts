/**
 * The one alive check and the one drain order (src/engine/members.ts), shared by the decision and the
 * observation.
 */
import { containerOf } from './decide/rotation-fixtures';
import { drainOrder, isAlive, markedAt, markedMembers } from '../../src/engine/members';
import { GroupInstance } from '../../src/engine/model';
import { decodePhase, encodePhase } from '../../src/shared/records';

describe('isAlive', () => {
  test.each(['Pending', 'Pending:Wait', 'Pending:Proceed', 'InService', 'Standby', 'EnteringStandby', 'Quarantined', 'Warmed:Running'])(
    '%s is a live member', (state) => expect(isAlive(state)).toBe(true));
  test.each(['Terminating', 'Terminating:Wait', 'Terminating:Proceed', 'Terminated', 'Detaching', 'Detached'])(
    '%s is not', (state) => expect(isAlive(state)).toBe(false));
});

const member = (instanceId: string): GroupInstance => ({ instanceId, lifecycleState: 'InService', healthStatus: 'Healthy', protectedFromScaleIn: false });

describe('markedMembers', () => {
  test('the members whose container instance carries a phase, in the members\' order', () => {
    const byInstance = new Map([
      ['i-1', containerOf('i-1', { phase: encodePhase({ kind: 'replacing', since: 5 }) })],
      ['i-2', containerOf('i-2')],
      ['i-3', containerOf('i-3', { phase: 'not a phase' })],
      ['i-4', containerOf('i-4', { phase: encodePhase({ kind: 'draining', since: 7 }), status: 'DRAINING' })],
    ]);
    const marked = markedMembers(['i-4', 'i-1', 'i-2', 'i-3', 'i-5'].map(member), byInstance);
    expect(marked.map((m) => [m.instance.instanceId, m.phase])).toEqual([
      ['i-4', { kind: 'draining', since: 7 }],
      ['i-1', { kind: 'replacing', since: 5 }],
    ]);
    expect(marked[0].container).toBe(byInstance.get('i-4'));
  });
});

describe('drainOrder', () => {
  const marked = (id: string, phase: string, status = 'ACTIVE') => ({ instance: member(id), container: containerOf(id, { phase, status }), phase: decodePhase(phase)! });

  test('decided drains first, then the longest marked; out of service ones are not candidates', () => {
    const order = drainOrder([
      marked('i-1', encodePhase({ kind: 'replacing', since: 30 })),
      marked('i-2', encodePhase({ kind: 'replacing', since: 10 })),
      marked('i-3', encodePhase({ kind: 'draining', since: 40 })),
      marked('i-4', encodePhase({ kind: 'draining', since: 20 }), 'DRAINING'),
      marked('i-5', encodePhase({ kind: 'replacing', since: 5 }), 'DRAINING'),
    ], 0);
    expect(order.map((m) => m.instance.instanceId)).toEqual(['i-3', 'i-2', 'i-1']);
  });

  test('a mark without its time counts from the batch start; ties keep the members\' order', () => {
    const order = drainOrder([
      marked('i-1', encodePhase({ kind: 'replacing', since: 100 })),
      marked('i-2', 'replacing'),
      marked('i-3', encodePhase({ kind: 'replacing', since: 50 })),
      marked('i-4', encodePhase({ kind: 'replacing', since: 50 })),
    ], 60);
    expect(order.map((m) => m.instance.instanceId)).toEqual(['i-3', 'i-4', 'i-2', 'i-1']);
    expect(markedAt({ kind: 'replacing' }, 60)).toBe(60);
    expect(markedAt({ kind: 'draining', since: 7 }, 60)).toBe(7);
  });
});
