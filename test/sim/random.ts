/** A small seeded PRNG (mulberry32) and the helpers the simulator draws from. Deterministic per seed. */
/* eslint-disable no-bitwise -- a 32-bit PRNG is bit arithmetic by definition */

export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Milliseconds uniform in a [minS, maxS] seconds range. */
  msIn(range: readonly [number, number] | number): number {
    const [lo, hi] = typeof range === 'number' ? [range, range] : range;
    return Math.round((lo + this.next() * (hi - lo)) * 1000);
  }

  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += Math.floor(this.next() * 16).toString(16);
    return out;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** An independent stream, so adding draws in one part of the simulator does not shift another's. */
  fork(salt: number): Random {
    return new Random((this.int(0, 0x7fffffff) ^ Math.imul(salt, 0x9e3779b1)) >>> 0);
  }
}
