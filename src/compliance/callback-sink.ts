/**
 * The simplest sink: a function called with each alert.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import type { Alert, AlertSink } from "./alert.js";

/**
 * Calls `callback(alert)` for every alert, synchronously. An exception from
 * the callback does not reach the ingest that emitted the alert: it is
 * counted in `errors` and kept in `lastError`.
 *
 * @example
 * ```ts
 * import { CallbackSink, type Alert } from "papertrail/compliance";
 * const titles: string[] = [];
 * const sink = new CallbackSink((alert: Alert) => titles.push(alert.title));
 * sink.emit({ title: "Brute force" } as Alert);
 * titles; // => ["Brute force"]
 * sink.errors; // => 0
 * ```
 */
export class CallbackSink implements AlertSink {
  private readonly callback: (alert: Alert) => unknown;
  /** Alerts whose callback threw. */
  errors = 0;
  /** The last exception the callback threw. */
  lastError: unknown = undefined;

  constructor(callback: (alert: Alert) => unknown) {
    if (typeof callback !== "function") throw new InvalidArgumentError(`CallbackSink needs a function, got ${typeof callback}`);
    this.callback = callback;
  }

  emit(alert: Alert): void {
    try {
      this.callback(alert);
    } catch (error) {
      this.errors++;
      this.lastError = error;
    }
  }
}
