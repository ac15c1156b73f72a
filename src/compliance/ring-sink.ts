/**
 * An in-memory ring of the latest alerts (dashboards, tests, the API).
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import type { Alert, AlertSink } from "./alert.js";

/**
 * Keeps the last `capacity` alerts; an alert arriving when the ring is full
 * overwrites the oldest, counted in `overwritten`.
 *
 * @example
 * ```ts
 * import { RingSink, type Alert } from "papertrail/compliance";
 * const ring = new RingSink(2);
 * for (const id of ["a", "b", "c"]) ring.emit({ id } as Alert);
 * ring.alerts().map((alert) => alert.id); // => ["b", "c"]
 * ring.overwritten; // => 1
 * ring.size; // => 2
 * ```
 */
export class RingSink implements AlertSink {
  readonly capacity: number;
  private readonly items: (Alert | undefined)[];
  private next = 0;
  private count = 0;
  /** Alerts that were overwritten before being read out. */
  overwritten = 0;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new InvalidArgumentError(`RingSink capacity must be a positive integer, got ${String(capacity)}`);
    this.capacity = capacity;
    this.items = new Array<Alert | undefined>(capacity).fill(undefined);
  }

  /** Alerts held now (at most `capacity`). */
  get size(): number {
    return this.count;
  }

  emit(alert: Alert): void {
    if (this.count === this.capacity) this.overwritten++;
    else this.count++;
    this.items[this.next] = alert;
    this.next = (this.next + 1) % this.capacity;
  }

  /** The alerts held, oldest first. */
  alerts(): Alert[] {
    const out: Alert[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) out.push(this.items[(start + i) % this.capacity]!);
    return out;
  }

  /** Empties the ring (the overwritten count stays). */
  clear(): void {
    this.items.fill(undefined);
    this.count = 0;
    this.next = 0;
  }
}
