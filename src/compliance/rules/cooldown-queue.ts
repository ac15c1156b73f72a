/**
 * A cooldown in progress for one (rule, group key): what its summary will
 * say when it ends.
 *
 * @internal
 */
export class Cooldown {
  /** Alerts of this group suppressed so far. */
  suppressed = 0;
  /** Event times of the first and last suppressed alert. */
  first = Number.POSITIVE_INFINITY;
  last = Number.NEGATIVE_INFINITY;
  /** Set when the cooldown ended early (its key was evicted); the queue skips it. */
  done = false;
  /** Position in the queue's heap. */
  position = -1;

  constructor(
    readonly key: string,
    readonly slot: number,
    /** Event time at which the cooldown ends. */
    readonly until: number,
    readonly group: Readonly<Record<string, string>>,
    readonly system: string | undefined,
    readonly user: string | undefined,
  ) {}
}

/**
 * Cooldowns ordered by end time: a binary min-heap, so the cooldowns that
 * end as event time progresses are found without scanning the others.
 *
 * @internal
 */
export class CooldownQueue {
  private readonly heap: Cooldown[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** The earliest end time, `Infinity` when empty. */
  get next(): number {
    return this.heap.length === 0 ? Number.POSITIVE_INFINITY : (this.heap[0] as Cooldown).until;
  }

  push(cooldown: Cooldown): void {
    const heap = this.heap;
    cooldown.position = heap.length;
    heap.push(cooldown);
    this.up(cooldown.position);
  }

  /** Removes and returns the earliest cooldown. */
  pop(): Cooldown | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    this.removeAt(0);
    return top;
  }

  remove(cooldown: Cooldown): void {
    if (cooldown.position >= 0 && this.heap[cooldown.position] === cooldown) this.removeAt(cooldown.position);
  }

  /** Every queued cooldown (unordered). */
  all(): readonly Cooldown[] {
    return this.heap;
  }

  private removeAt(index: number): void {
    const heap = this.heap;
    const removed = heap[index] as Cooldown;
    removed.position = -1;
    const last = heap.pop() as Cooldown;
    if (index < heap.length) {
      heap[index] = last;
      last.position = index;
      this.up(index);
      this.down(last.position);
    }
  }

  private up(index: number): void {
    const heap = this.heap;
    const item = heap[index] as Cooldown;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent] as Cooldown;
      if (above.until <= item.until) break;
      heap[index] = above;
      above.position = index;
      index = parent;
    }
    heap[index] = item;
    item.position = index;
  }

  private down(index: number): void {
    const heap = this.heap;
    const item = heap[index] as Cooldown;
    const size = heap.length;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= size) break;
      if (child + 1 < size && (heap[child + 1] as Cooldown).until < (heap[child] as Cooldown).until) child++;
      const below = heap[child] as Cooldown;
      if (below.until >= item.until) break;
      heap[index] = below;
      below.position = index;
      index = child;
    }
    heap[index] = item;
    item.position = index;
  }
}
