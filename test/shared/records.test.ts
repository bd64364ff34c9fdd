import * as fc from 'fast-check';
import {
  Batch,
  decodeBatch,
  decodeEpoch,
  decodeLease,
  isEcsTagValue,
  leaseOwner,
  decodePhase,
  encodeBatch,
  encodeLease,
  encodePhase,
  Lease,
  Phase,
} from '../../src/shared/records';

/** ECS attribute values: letters, digits, `-_.@/: ` only; ASG/ECS tag values: at most 256 characters. */
const ECS_ATTRIBUTE_VALUE = /^[A-Za-z0-9\-_.@/: ]{1,128}$/;
const MAX_TAG_VALUE = 256;

const epochArb = fc.integer({ min: 0, max: 999_999_999_999_999 });
const sizeArb = fc.integer({ min: 0, max: 999_999 });

describe('phase', () => {
  it.each<[string, Phase, string]>([
    ['replacing (as written before marks carried their time)', { kind: 'replacing' }, 'replacing'],
    ['replacing since an epoch', { kind: 'replacing', since: 1_740_787_200_000 }, 'replacing:1740787200000'],
    ['draining since 0', { kind: 'draining', since: 0 }, 'draining:0'],
    ['draining since an epoch', { kind: 'draining', since: 1_740_787_200_000 }, 'draining:1740787200000'],
    ['draining at the largest epoch kept', { kind: 'draining', since: 999_999_999_999_999 }, 'draining:999999999999999'],
  ])('%s encodes as %j and decodes back', (_name, phase, encoded) => {
    expect(encodePhase(phase)).toBe(encoded);
    expect(decodePhase(encoded)).toEqual(phase);
  });

  it('round-trips every epoch of either phase, inside the ECS attribute alphabet', () => {
    fc.assert(fc.property(epochArb, fc.constantFrom('replacing' as const, 'draining' as const), (since, kind) => {
      const encoded = encodePhase({ kind, since });
      expect(encoded).toMatch(ECS_ATTRIBUTE_VALUE);
      expect(decodePhase(encoded)).toEqual({ kind, since });
    }), { numRuns: 200 });
    expect(encodePhase({ kind: 'replacing' })).toMatch(ECS_ATTRIBUTE_VALUE);
  });

  it.each<[string, string | undefined]>([
    ['absent', undefined],
    ['empty', ''],
    ['another word', 'drained'],
    ['upper case', 'REPLACING'],
    ['padded', ' replacing'],
    ['trailing text', 'replacing:1x'],
    ['replacing with an empty time', 'replacing:'],
    ['draining without a time', 'draining'],
    ['draining with an empty time', 'draining:'],
    ['a negative time', 'draining:-5'],
    ['a fractional time', 'draining:1.5'],
    ['an exponent', 'draining:1e12'],
    ['a hex time', 'draining:0x10'],
    ['a time of 16 digits', 'draining:1234567890123456'],
    ['a trailing space', 'draining:123 '],
    ['two times', 'draining:1:2'],
    ['a newline after', 'draining:123\n'],
  ])('is undefined for a value it did not write: %s', (_name, value) => {
    expect(decodePhase(value)).toBeUndefined();
  });
});

describe('batch', () => {
  it.each<[string, Batch, string]>([
    ['an ordinary batch', { base: 4, target: 6, originalMax: 5, startedAt: 1_740_787_200_000 }, '4:6:5:1740787200000'],
    ['an empty group (adopted marks)', { base: 0, target: 0, originalMax: 0, startedAt: 0 }, '0:0:0:0'],
    ['the largest values kept', { base: 999_999, target: 999_999, originalMax: 999_999, startedAt: 999_999_999_999_999 },
      '999999:999999:999999:999999999999999'],
  ])('%s encodes as %j and decodes back', (_name, batch, encoded) => {
    expect(encodeBatch(batch)).toBe(encoded);
    expect(decodeBatch(encoded)).toEqual(batch);
  });

  it('round-trips every batch with target >= base, inside the tag limit', () => {
    const batchArb = fc.record({ base: sizeArb, extra: sizeArb, originalMax: sizeArb, startedAt: epochArb })
      .filter((b) => b.base + b.extra <= 999_999)
      .map(({ base, extra, originalMax, startedAt }): Batch => ({ base, target: base + extra, originalMax, startedAt }));
    fc.assert(fc.property(batchArb, (batch) => {
      const encoded = encodeBatch(batch);
      expect(encoded.length).toBeLessThanOrEqual(MAX_TAG_VALUE);
      expect(decodeBatch(encoded)).toEqual(batch);
    }), { numRuns: 200 });
  });

  it.each<[string, string | undefined]>([
    ['absent', undefined],
    ['empty', ''],
    ['garbage', 'in progress'],
    ['three fields', '4:6:5'],
    ['five fields', '4:6:5:1:2'],
    ['a negative base', '-4:6:5:100'],
    ['a negative target', '4:-6:5:100'],
    ['a negative max', '4:6:-5:100'],
    ['a negative start', '4:6:5:-100'],
    ['an empty field', '4::5:100'],
    ['a fractional field', '4:6.5:5:100'],
    ['a base of 7 digits', '1000000:1000001:5:100'],
    ['a max of 7 digits', '4:6:1000000:100'],
    ['a start of 16 digits', '4:6:5:1234567890123456'],
    ['target below base', '6:4:5:100'],
    ['another separator', '4|6|5|100'],
    ['JSON', '{"base":4,"target":6,"originalMax":5,"startedAt":100}'],
    ['a trailing newline', '4:6:5:100\n'],
  ])('is undefined for a value it did not write: %s', (_name, value) => {
    expect(decodeBatch(value)).toBeUndefined();
  });

  it('is undefined for every target below its base', () => {
    fc.assert(fc.property(sizeArb, sizeArb, sizeArb, epochArb, (a, b, max, at) => {
      fc.pre(a !== b);
      const [target, base] = a < b ? [a, b] : [b, a];
      expect(decodeBatch(`${base}:${target}:${max}:${at}`)).toBeUndefined();
    }), { numRuns: 200 });
  });
});

describe('epoch (replace-before)', () => {
  it.each([0, 1, 1_740_787_200_000, 999_999_999_999_999])('decodes %d written as digits', (epoch) => {
    expect(decodeEpoch(String(epoch))).toBe(epoch);
  });

  it('round-trips every epoch', () => {
    fc.assert(fc.property(epochArb, (epoch) => {
      expect(decodeEpoch(String(epoch))).toBe(epoch);
    }), { numRuns: 200 });
  });

  it.each<[string, string | undefined]>([
    ['absent', undefined],
    ['empty', ''],
    ['garbage', 'yesterday'],
    ['negative', '-1'],
    ['fractional', '1.5'],
    ['an exponent', '1e12'],
    ['an ISO date', '2025-03-01T00:00:00.000Z'],
    ['16 digits', '1234567890123456'],
    ['a leading space', ' 123'],
    ['a trailing newline', '123\n'],
  ])('is undefined for a value it did not write: %s', (_name, value) => {
    expect(decodeEpoch(value)).toBeUndefined();
  });
});

describe('batch: the AZRebalance flag', () => {
  it('round-trips with and without it, and reads tags written before it existed', () => {
    const batch = { base: 3, target: 4, originalMax: 5, startedAt: 1_740_787_200_000 };
    expect(encodeBatch({ ...batch, suspendedAzRebalance: true })).toBe('3:4:5:1740787200000:az');
    expect(decodeBatch('3:4:5:1740787200000:az')).toEqual({ ...batch, suspendedAzRebalance: true });
    expect(decodeBatch('3:4:5:1740787200000')).toEqual(batch);
    expect(decodeBatch('3:4:5:1740787200000:xx')).toBeUndefined();
  });

  it('carries the max size a rotation raised the group to beyond its window, with or without the flag', () => {
    const batch = { base: 3, target: 4, originalMax: 5, startedAt: 1_740_787_200_000 };
    expect(encodeBatch({ ...batch, raisedMax: 9 })).toBe('3:4:5:1740787200000:m9');
    expect(decodeBatch('3:4:5:1740787200000:m9')).toEqual({ ...batch, raisedMax: 9 });
    expect(decodeBatch('3:4:5:1740787200000:az:m12')).toEqual({ ...batch, suspendedAzRebalance: true, raisedMax: 12 });
    expect(decodeBatch('3:4:5:1740787200000:m12:az')).toBeUndefined();
    expect(decodeBatch('3:4:5:1740787200000:m')).toBeUndefined();
  });
});

describe('lease', () => {
  it.each<[string, Lease, string]>([
    ['a Lambda owner', { owner: 'lambda:8f14e45f-ceea-467f-a8dd-8a5b6c7d8e9f', expiresAt: 1_740_787_500_000 },
      'lambda:8f14e45f-ceea-467f-a8dd-8a5b6c7d8e9f@1740787500000'],
    ['a terminal owner', { owner: 'cli:build-host:4242', expiresAt: 0 }, 'cli:build-host:4242@0'],
    ['an owner of one character', { owner: 'x', expiresAt: 999_999_999_999_999 }, 'x@999999999999999'],
  ])('%s encodes as %j and decodes back', (_name, lease, encoded) => {
    expect(encodeLease(lease)).toBe(encoded);
    expect(decodeLease(encoded)).toEqual(lease);
  });

  it('every encoded lease is a tag value ECS accepts, and decodes to the owner as written', () => {
    const ownerArb = fc.string({ minLength: 1, maxLength: 200 }).filter((s) => !/[\r\n\u2028\u2029]/.test(s));
    fc.assert(fc.property(ownerArb, epochArb, (owner, expiresAt) => {
      const encoded = encodeLease({ owner, expiresAt });
      expect(encoded.length).toBeLessThanOrEqual(MAX_TAG_VALUE);
      expect(isEcsTagValue(encoded)).toBe(true);
      expect(decodeLease(encoded)).toEqual({ owner: leaseOwner(owner), expiresAt });
    }), { numRuns: 300 });
  });

  it('an owner with characters ECS refuses in tag values (a bar) is written with them replaced', () => {
    expect(encodeLease({ owner: 'cli:host|x', expiresAt: 5 })).toBe('cli:host-x@5');
    expect(isEcsTagValue('cli:host|x@5')).toBe(false);
  });

  it.each<[string, string | undefined]>([
    ['absent', undefined],
    ['empty', ''],
    ['garbage', 'held by someone'],
    ['no owner', '@1740787500000'],
    ['no expiry', 'lambda:abc@'],
    ['no separator', 'lambda:abc 1740787500000'],
    ['a negative expiry', 'lambda:abc@-1'],
    ['a fractional expiry', 'lambda:abc@1.5'],
    ['an expiry of 16 digits', 'lambda:abc@1234567890123456'],
    ['an owner of 201 characters', `${'o'.repeat(201)}@1740787500000`],
    ['a trailing space', 'lambda:abc@1740787500000 '],
  ])('is undefined for a value it did not write: %s', (_name, value) => {
    expect(decodeLease(value)).toBeUndefined();
  });
});
