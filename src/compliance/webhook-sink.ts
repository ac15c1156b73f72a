/**
 * A sink that posts alerts to a Slack or Discord webhook without ever
 * holding up ingest.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import { checkOptionKeys } from "../sketches/sketch.js";
import type { Alert, AlertSink } from "./alert.js";
import { formatDiscordPayload, formatSlackPayload } from "./webhook-payload.js";

/**
 * Options of {@link WebhookSink}. Delays are in milliseconds.
 *
 * @example
 * ```ts
 * import type { WebhookSinkOptions } from "papertrail/compliance";
 * const options: WebhookSinkOptions = { url: "https://hooks.slack.com/services/T/B/X", format: "slack", queueSize: 500 };
 * options.format; // => "slack"
 * ```
 */
export interface WebhookSinkOptions {
  /** The webhook URL (http or https). */
  readonly url: string;
  readonly format: "slack" | "discord";
  /** Alerts waiting for delivery at most; more are dropped and counted. Default 1,000. */
  readonly queueSize?: number;
  /** Attempts per alert, the first included (5xx, network errors, timeouts, 429). Default 5. */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt, with jitter. Default 500. */
  readonly baseDelayMs?: number;
  /** Longest backoff delay. Default 30,000. */
  readonly maxDelayMs?: number;
  /** Longest wait a 429 may impose; a longer `retry_after` is cut to this. Default 60,000. */
  readonly maxRetryAfterMs?: number;
  /** Per-request timeout, after which the attempt counts as a network error. Default 10,000. */
  readonly timeoutMs?: number;
  /**
   * Token bucket on requests: `perSecond` sustained, `burst` at once.
   * Default `{ perSecond: 1, burst: 3 }` (Slack's incoming webhooks allow
   * about one message per second with short bursts); `false` turns it off.
   */
  readonly rateLimit?: { readonly perSecond: number; readonly burst: number } | false;
  /** `fetch` to use (tests, runtimes without a global one). Default: the global `fetch`. */
  readonly fetch?: (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<WebhookResponse>;
  /** Random numbers in [0, 1) for the jitter. Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * The part of a `fetch` `Response` the sink reads.
 *
 * @example
 * ```ts
 * import type { WebhookResponse } from "papertrail/compliance";
 * const response: WebhookResponse = { status: 204, headers: new Headers(), text: async () => "" };
 * response.status; // => 204
 * ```
 */
export interface WebhookResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/**
 * Delivery counts of a {@link WebhookSink}.
 *
 * @example
 * ```ts
 * import type { WebhookStats } from "papertrail/compliance";
 * const stats: WebhookStats = { queued: 0, sent: 3, retried: 1, rateLimited: 1, dropped: 0, failed: 0 };
 * stats.sent; // => 3
 * ```
 */
export interface WebhookStats {
  /** Waiting in the queue now (the one being delivered included). */
  readonly queued: number;
  /** Delivered (2xx). */
  readonly sent: number;
  /** Retries made (after 5xx, network errors, timeouts and 429). */
  readonly retried: number;
  /** 429 answers received. */
  readonly rateLimited: number;
  /** Refused by `emit`: queue full or sink closed. */
  readonly dropped: number;
  /** Given up: attempts exhausted, or a 4xx other than 429. */
  readonly failed: number;
}

const OPTION_KEYS = ["url", "format", "queueSize", "maxAttempts", "baseDelayMs", "maxDelayMs", "maxRetryAfterMs", "timeoutMs", "rateLimit", "fetch", "random"];

function positive(name: string, value: unknown, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (integer && (!Number.isInteger(value) || value < 1))) {
    throw new InvalidArgumentError(`WebhookSink: ${name} must be ${integer ? "a positive integer" : "a finite number >= 0"}, got ${String(value)}`);
  }
  return value;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Posts alerts to a Slack or Discord webhook.
 *
 * - `emit` only enqueues (a bounded queue); when the queue is full, or the
 *   sink is closed, the alert is dropped and counted (`stats.dropped`).
 *   Ingest never waits on the network.
 * - One delivery at a time, in order, paced by a token bucket
 *   (`rateLimit`).
 * - 2xx: sent. 5xx, network errors and timeouts: retried after an
 *   exponential backoff with jitter (`baseDelayMs · 2^(attempt−1)`, capped
 *   at `maxDelayMs`, then a uniform draw from its upper half) up to
 *   `maxAttempts` attempts, then counted as failed. 429: waits what the
 *   service asks — Discord's JSON `retry_after` (seconds, may be
 *   fractional), else the `Retry-After` header (seconds or an HTTP date) —
 *   capped at `maxRetryAfterMs`, and retries (it counts as an attempt). Any
 *   other 4xx: failed at once (the payload or URL is wrong; retrying cannot
 *   help).
 * - `flush()` resolves when the queue is empty; `close()` refuses new
 *   alerts and flushes.
 *
 * @example
 * ```ts
 * import { WebhookSink, type Alert } from "papertrail/compliance";
 * const bodies: string[] = [];
 * const sink = new WebhookSink({
 *   url: "https://discord.com/api/webhooks/1/x", format: "discord", rateLimit: false,
 *   fetch: async (_url, init) => { bodies.push(init.body); return { status: 204, headers: new Headers(), text: async () => "" }; },
 * });
 * const alert = {
 *   id: "a1", type: "alert", ruleId: "r", title: "Amount over 10000", severity: "high", groupKey: "ann", group: { user: "ann" },
 *   system: undefined, user: "ann", window: { from: 0, to: 1 }, count: 1, value: 12000, firstTime: 0, lastTime: 0,
 *   suppressed: 0, message: "ann paid 12000", evidence: [], tags: [],
 * } satisfies Alert;
 * sink.emit(alert);
 * await sink.close();
 * sink.stats; // => { queued: 0, sent: 1, retried: 0, rateLimited: 0, dropped: 0, failed: 0 }
 * JSON.parse(bodies[0]!).embeds[0].title; // => "Amount over 10000"
 * ```
 */
export class WebhookSink implements AlertSink {
  private readonly url: string;
  private readonly format: (alert: Alert) => unknown;
  private readonly queueSize: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly timeoutMs: number;
  private readonly perSecond: number;
  private readonly burst: number;
  private readonly fetcher: NonNullable<WebhookSinkOptions["fetch"]>;
  private readonly random: () => number;

  private readonly queue: Alert[] = [];
  private head = 0;
  private running = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private tokens: number;
  private tokensAt = 0;
  private counts = { sent: 0, retried: 0, rateLimited: 0, dropped: 0, failed: 0 };

  constructor(options: WebhookSinkOptions) {
    checkOptionKeys("WebhookSink", options, OPTION_KEYS);
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new InvalidArgumentError(`WebhookSink: url must be an absolute http(s) URL, got ${JSON.stringify(options.url)}`);
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new InvalidArgumentError(`WebhookSink: url must use http or https, got ${parsed.protocol}`);
    this.url = options.url;
    if (options.format === "slack") this.format = formatSlackPayload;
    else if (options.format === "discord") this.format = formatDiscordPayload;
    else throw new InvalidArgumentError(`WebhookSink: format must be "slack" or "discord", got ${JSON.stringify(options.format)}`);
    this.queueSize = positive("queueSize", options.queueSize, 1000, true);
    this.maxAttempts = positive("maxAttempts", options.maxAttempts, 5, true);
    this.baseDelayMs = positive("baseDelayMs", options.baseDelayMs, 500, false);
    this.maxDelayMs = positive("maxDelayMs", options.maxDelayMs, 30_000, false);
    this.maxRetryAfterMs = positive("maxRetryAfterMs", options.maxRetryAfterMs, 60_000, false);
    this.timeoutMs = positive("timeoutMs", options.timeoutMs, 10_000, false);
    const rate = options.rateLimit ?? { perSecond: 1, burst: 3 };
    if (rate === false) {
      this.perSecond = Number.POSITIVE_INFINITY;
      this.burst = Number.POSITIVE_INFINITY;
    } else {
      checkOptionKeys("WebhookSink rateLimit", rate, ["perSecond", "burst"]);
      this.perSecond = positive("rateLimit.perSecond", rate.perSecond, 1, false);
      this.burst = positive("rateLimit.burst", rate.burst, 3, true);
      if (this.perSecond === 0) throw new InvalidArgumentError("WebhookSink: rateLimit.perSecond must be above 0");
    }
    this.tokens = this.burst;
    const fetcher = options.fetch ?? (globalThis.fetch as unknown as WebhookSinkOptions["fetch"]);
    if (typeof fetcher !== "function") throw new InvalidArgumentError("WebhookSink: no fetch available; pass the fetch option");
    this.fetcher = fetcher;
    this.random = options.random ?? Math.random;
    if (typeof this.random !== "function") throw new InvalidArgumentError("WebhookSink: random must be a function");
  }

  /** Delivery counts so far. */
  get stats(): WebhookStats {
    return { queued: this.queue.length - this.head, ...this.counts };
  }

  /** Enqueues `alert` for delivery, or drops and counts it when the queue is full or the sink closed. */
  emit(alert: Alert): void {
    if (this.closed || this.queue.length - this.head >= this.queueSize) {
      this.counts.dropped++;
      return;
    }
    this.queue.push(alert);
    if (!this.running) {
      this.running = true;
      queueMicrotask(() => void this.drain());
    }
  }

  /** Resolves once every queued alert has been delivered or counted as failed. */
  flush(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses further alerts (counted as dropped), then flushes. */
  close(): Promise<void> {
    this.closed = true;
    return this.flush();
  }

  private async drain(): Promise<void> {
    while (this.head < this.queue.length) {
      const alert = this.queue[this.head]!;
      try {
        await this.takeToken();
        await this.deliver(alert);
      } catch {
        // Only a misbehaving injected fetch or random could get here: count
        // the alert as failed and keep the queue moving, so flush() settles.
        this.counts.failed++;
      }
      this.queue[this.head] = undefined as unknown as Alert;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
    }
    this.queue.length = 0;
    this.head = 0;
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Waits for a token of the bucket. */
  private async takeToken(): Promise<void> {
    if (this.perSecond === Number.POSITIVE_INFINITY) return;
    for (;;) {
      const now = performance.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.tokensAt) * this.perSecond) / 1000);
      this.tokensAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(((1 - this.tokens) * 1000) / this.perSecond);
    }
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return ceiling / 2 + (this.random() * ceiling) / 2;
  }

  private async deliver(alert: Alert): Promise<void> {
    let body: string;
    try {
      body = JSON.stringify(this.format(alert));
    } catch {
      this.counts.failed++;
      return;
    }
    for (let attempt = 1; ; attempt++) {
      let wait: number;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), this.timeoutMs);
      try {
        const response = await this.fetcher(this.url, { method: "POST", headers: { "content-type": "application/json" }, body, signal: controller.signal });
        const text = await response.text().catch(() => "");
        if (response.status >= 200 && response.status < 300) {
          this.counts.sent++;
          return;
        }
        if (response.status === 429) {
          this.counts.rateLimited++;
          wait = Math.min(this.maxRetryAfterMs, retryAfterMs(text, response.headers.get("retry-after")) ?? this.backoff(attempt));
        } else if (response.status >= 500) {
          wait = this.backoff(attempt);
        } else {
          this.counts.failed++;
          return;
        }
      } catch {
        wait = this.backoff(attempt); // network error or timeout
      } finally {
        clearTimeout(timer);
      }
      if (attempt >= this.maxAttempts) {
        this.counts.failed++;
        return;
      }
      this.counts.retried++;
      await sleep(wait);
    }
  }
}

/**
 * The wait a 429 asks for, in ms: Discord's JSON body `retry_after`
 * (seconds, may be fractional), else the `Retry-After` header (RFC 9110
 * §10.2.3: seconds, or an HTTP date); `undefined` when neither says.
 */
function retryAfterMs(body: string, header: string | null): number | undefined {
  if (body.length > 0 && body.length < 10_000) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed !== null && typeof parsed === "object") {
        const seconds = (parsed as { retry_after?: unknown }).retry_after;
        if (typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
      }
    } catch {
      // not JSON: fall back to the header
    }
  }
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^[0-9]+(\.[0-9]+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
