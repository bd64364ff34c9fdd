/**
 * A virtual clock with an event queue. Time moves only when someone sleeps (or the simulator charges an API
 * call's latency); every event due up to the new time runs first, in time order, ties in scheduling order.
 * Nothing here reads the wall clock, so a run is a pure function of its inputs and seed.
 */

/** 2026-01-01T00:00:00Z, the default start of every simulation. */
export const DEFAULT_START = Date.UTC(2026, 0, 1);

export interface ScheduledEvent {
  readonly at: number;
  /** Set by `cancel()`: the event is skipped when its time comes. */
  cancelled: boolean;
  cancel(): void;
}

interface QueuedEvent extends ScheduledEvent {
  readonly seq: number;
  readonly fn: () => void;
}

export class VirtualClock {
  private time: number;
  private seq = 0;
  private readonly heap: QueuedEvent[] = [];
  private running = false;
  /** Events run so far (a measure of simulation work). */
  eventsRun = 0;

  constructor(start: number = DEFAULT_START) {
    this.time = start;
  }

  /** Epoch milliseconds, virtual. */
  now(): number {
    return this.time;
  }

  /**
   * Advances virtual time by `ms`, running every event due up to then, and resolves. Sleeps are sequential:
   * two sleeps started "at once" (e.g. under Promise.all) each advance time from the moment they are called.
   */
  async sleep(ms: number): Promise<void> {
    this.advance(ms);
    // Let other promise chains observe the new time before the sleeper continues.
    await Promise.resolve();
  }

  /** Synchronous form of `sleep`. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`VirtualClock: cannot advance by ${ms} ms`);
    this.runUntil(this.time + ms);
  }

  /** Runs every event due at or before `at`, then sets the time to `at` (never backwards). */
  runUntil(at: number): void {
    if (this.running) {
      // An event that sleeps: only move the time forward; the outer loop keeps running the queue in order.
      if (at > this.time) this.time = at;
      return;
    }
    this.running = true;
    try {
      while (this.heap.length > 0 && this.heap[0].at <= at) {
        const event = this.pop();
        if (event.cancelled) continue;
        if (event.at > this.time) this.time = event.at;
        this.eventsRun++;
        event.fn();
      }
      if (at > this.time) this.time = at;
    } finally {
      this.running = false;
    }
  }

  /** Runs `fn` at virtual time `at` (or at the next advance, if `at` is already past). */
  schedule(at: number, fn: () => void): ScheduledEvent {
    const event: QueuedEvent = {
      at: Math.max(at, this.time),
      seq: this.seq++,
      fn,
      cancelled: false,
      cancel() {
        this.cancelled = true;
      },
    };
    this.push(event);
    return event;
  }

  /** Runs `fn` `ms` from now. */
  after(ms: number, fn: () => void): ScheduledEvent {
    return this.schedule(this.time + ms, fn);
  }

  /** Events still queued (cancelled ones included until they are reached). */
  get pending(): number {
    return this.heap.length;
  }

  /** Time of the next queued event, if any. */
  nextEventAt(): number | undefined {
    return this.heap[0]?.at;
  }

  private less(a: QueuedEvent, b: QueuedEvent): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(event: QueuedEvent): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = Math.floor((i - 1) / 2);
      if (!this.less(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private pop(): QueuedEvent {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < heap.length && this.less(heap[l], heap[smallest])) smallest = l;
        if (r < heap.length && this.less(heap[r], heap[smallest])) smallest = r;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
        i = smallest;
      }
    }
    return top;
  }
}
