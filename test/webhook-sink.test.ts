// WebhookSink against a real local HTTP server (node:http) that answers 200,
// 429 (Discord's JSON retry_after, or a Retry-After header) and 500 as each
// test scripts it. Delays are short options so the file runs in seconds;
// timing assertions leave slack for a loaded machine on the late side only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type Alert, InvalidArgumentError, WebhookSink, type WebhookSinkOptions } from "../src/compliance/index.js";

interface Reply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly delayMs?: number;
}
interface Arrival {
  readonly at: number;
  readonly body: string;
  readonly contentType: string | undefined;
}

let server: Server | undefined;

/** Starts a server answering request n with `script(n)`; returns its URL and the arrivals. */
async function startServer(script: (n: number) => Reply): Promise<{ url: string; arrivals: Arrival[] }> {
  const arrivals: Arrival[] = [];
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const n = arrivals.length;
      arrivals.push({ at: performance.now(), body: Buffer.concat(chunks).toString("utf8"), contentType: request.headers["content-type"] });
      const reply = script(n);
      const send = (): void => {
        response.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
        response.end(reply.body ?? "");
      };
      if (reply.delayMs === undefined) send();
      else setTimeout(send, reply.delayMs);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, arrivals };
}

afterEach(async () => {
  if (server !== undefined) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
  }
});

function alert(n: number, extra: Partial<Alert> = {}): Alert {
  return {
    id: `brute-force:203.0.113.${n}:1767603600000`, type: "alert", ruleId: "brute-force", title: `Brute force ${n}`, severity: "high",
    groupKey: `203.0.113.${n}`, group: { ip: `203.0.113.${n}` }, system: "auth", user: undefined,
    window: { from: 1767603600000, to: 1767603900000 }, count: 5, value: undefined, firstTime: 1767603600000, lastTime: 1767603840000,
    suppressed: 0, message: `5 failed logins from 203.0.113.${n}`, evidence: [], tags: ["attack.credential_access"], ...extra,
  };
}

const fast = (url: string, format: "slack" | "discord", more: Partial<WebhookSinkOptions> = {}): WebhookSink =>
  new WebhookSink({ url, format, rateLimit: false, baseDelayMs: 20, maxDelayMs: 100, ...more });

describe("WebhookSink against a local HTTP server", () => {
  it("200: posts Slack JSON in order and counts it as sent", async () => {
    const { url, arrivals } = await startServer(() => ({ status: 200, body: "ok" }));
    const sink = fast(url, "slack");
    for (let n = 1; n <= 3; n++) sink.emit(alert(n));
    await sink.flush();
    expect(sink.stats).toEqual({ queued: 0, sent: 3, retried: 0, rateLimited: 0, dropped: 0, failed: 0 });
    expect(arrivals.map((a) => JSON.parse(a.body).blocks[0].text.text)).toEqual(["Brute force 1", "Brute force 2", "Brute force 3"]);
    expect(arrivals[0]!.contentType).toBe("application/json");
  });

  it("429 with Discord's JSON retry_after (fractional seconds): waits that long, then delivers", async () => {
    const { url, arrivals } = await startServer((n) =>
      n === 0 ? { status: 429, body: JSON.stringify({ message: "You are being rate limited.", retry_after: 0.35, global: false }) } : { status: 204 },
    );
    const sink = fast(url, "discord");
    sink.emit(alert(1));
    await sink.flush();
    expect(sink.stats).toMatchObject({ sent: 1, retried: 1, rateLimited: 1, failed: 0 });
    expect(arrivals.length).toBe(2);
    const gap = arrivals[1]!.at - arrivals[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(340); // 350 ms asked; timers may fire ~1 ms early
    expect(gap).toBeLessThan(2000);
    expect(JSON.parse(arrivals[1]!.body).embeds[0].title).toBe("Brute force 1");
  });

  it("429 with a Retry-After header (seconds): waits that long", async () => {
    const { url, arrivals } = await startServer((n) => (n === 0 ? { status: 429, headers: { "retry-after": "0.3" }, body: "slow down" } : { status: 200 }));
    const sink = fast(url, "slack");
    sink.emit(alert(1));
    await sink.flush();
    expect(sink.stats).toMatchObject({ sent: 1, retried: 1, rateLimited: 1 });
    expect(arrivals[1]!.at - arrivals[0]!.at).toBeGreaterThanOrEqual(290);
  });

  it("429: a retry_after longer than maxRetryAfterMs is cut to it", async () => {
    const { url, arrivals } = await startServer((n) => (n === 0 ? { status: 429, body: JSON.stringify({ retry_after: 3600 }) } : { status: 200 }));
    const sink = fast(url, "discord", { maxRetryAfterMs: 50 });
    sink.emit(alert(1));
    await sink.flush();
    expect(sink.stats.sent).toBe(1);
    expect(arrivals[1]!.at - arrivals[0]!.at).toBeLessThan(1000);
  });

  it("500: retries with backoff, then delivers", async () => {
    const { url, arrivals } = await startServer((n) => (n < 2 ? { status: 500 } : { status: 200 }));
    const sink = fast(url, "slack", { baseDelayMs: 40, random: () => 0 });
    sink.emit(alert(1));
    await sink.flush();
    expect(sink.stats).toMatchObject({ sent: 1, retried: 2, failed: 0 });
    // random() = 0 gives the lower bound of the jitter: half the doubled delay.
    expect(arrivals[1]!.at - arrivals[0]!.at).toBeGreaterThanOrEqual(19);
    expect(arrivals[2]!.at - arrivals[1]!.at).toBeGreaterThanOrEqual(39);
  });

  it("500 every time: gives up after maxAttempts and counts a failure, then goes on with the next alert", async () => {
    const { url, arrivals } = await startServer((n) => (n < 3 ? { status: 503 } : { status: 200 }));
    const sink = fast(url, "slack", { maxAttempts: 3 });
    sink.emit(alert(1));
    sink.emit(alert(2));
    await sink.flush();
    expect(sink.stats).toMatchObject({ sent: 1, retried: 2, failed: 1 });
    expect(arrivals.length).toBe(4);
    expect(JSON.parse(arrivals[3]!.body).text).toContain("Brute force 2");
  });

  it("another 4xx fails at once without retrying", async () => {
    const { url, arrivals } = await startServer(() => ({ status: 400, body: "invalid_payload" }));
    const sink = fast(url, "slack");
    sink.emit(alert(1));
    await sink.flush();
    expect(sink.stats).toMatchObject({ sent: 0, retried: 0, failed: 1 });
    expect(arrivals.length).toBe(1);
  });

  it("a timeout counts as a network error and is retried", async () => {
    const { url, arrivals } = await startServer((n) => (n === 0 ? { status: 200, delayMs: 500 } : { status: 200 }));
    const sink = fast(url, "slack", { timeoutMs: 100 });
    sink.emit(alert(1));
    await sink.flush();
    expect(sink.stats).toMatchObject({ sent: 1, retried: 1, failed: 0 });
    expect(arrivals.length).toBe(2);
  });

  it("emit never waits: with a slow server the bounded queue fills and further alerts are dropped and counted", async () => {
    const { url, arrivals } = await startServer(() => ({ status: 200, delayMs: 100 }));
    const sink = fast(url, "discord", { queueSize: 3 });
    const start = performance.now();
    for (let n = 1; n <= 10; n++) expect(sink.emit(alert(n))).toBeUndefined();
    expect(performance.now() - start).toBeLessThan(100); // returned before any reply could arrive
    expect(sink.stats).toMatchObject({ queued: 3, dropped: 7 });
    await sink.close();
    sink.emit(alert(11));
    expect(sink.stats).toMatchObject({ queued: 0, sent: 3, dropped: 8 });
    expect(arrivals.length).toBe(3);
  });

  it("paces requests with the token bucket", async () => {
    const { url, arrivals } = await startServer(() => ({ status: 200 }));
    // The bucket paces the calls to fetch; arrival times add network jitter, so time the calls.
    const calls: number[] = [];
    const sink = new WebhookSink({
      url, format: "slack", rateLimit: { perSecond: 10, burst: 2 },
      fetch: (target, init) => {
        calls.push(performance.now());
        return fetch(target, init);
      },
    });
    for (let n = 1; n <= 5; n++) sink.emit(alert(n));
    await sink.flush();
    expect(sink.stats.sent).toBe(5);
    expect(arrivals.length).toBe(5);
    // Token bucket of 10/s with a burst of 2: any run of k calls spans at least (k - 2) x 100 ms.
    // Calls are timed a little after their token is taken (the payload is formatted in between,
    // slowest the first time: up to ~12 ms seen on a loaded machine), hence 20 ms of slack. An
    // unpaced sink makes these calls a few ms apart.
    for (let j = 0; j < 5; j++) {
      for (let i = j + 2; i < 5; i++) expect(calls[i]! - calls[j]!, `calls ${j}..${i}`).toBeGreaterThanOrEqual((i - j - 1) * 100 - 20);
    }
  });

  it("network errors (nothing listening) are retried, then counted as failed", async () => {
    const { url } = await startServer(() => ({ status: 200 }));
    server!.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const sink = fast(url, "slack", { maxAttempts: 2 });
    sink.emit(alert(1));
    await sink.flush();
    expect(sink.stats).toMatchObject({ sent: 0, retried: 1, failed: 1 });
  });

  it("flush and close resolve at once when idle", async () => {
    const sink = new WebhookSink({ url: "http://127.0.0.1:9/none", format: "slack" });
    await sink.flush();
    await sink.close();
    sink.emit(alert(1));
    expect(sink.stats.dropped).toBe(1);
  });

  it("validates its options, naming the option", () => {
    const url = "https://example.invalid/hook";
    expect(() => new WebhookSink({ url: "not a url", format: "slack" })).toThrow(/url must be an absolute/);
    expect(() => new WebhookSink({ url: "ftp://x/y", format: "slack" })).toThrow(/http or https/);
    expect(() => new WebhookSink({ url, format: "teams" as "slack" })).toThrow(/format must be/);
    expect(() => new WebhookSink({ url, format: "slack", queueSize: 0 })).toThrow(/queueSize/);
    expect(() => new WebhookSink({ url, format: "slack", maxAttempts: 1.5 })).toThrow(/maxAttempts/);
    expect(() => new WebhookSink({ url, format: "slack", baseDelayMs: -1 })).toThrow(/baseDelayMs/);
    expect(() => new WebhookSink({ url, format: "slack", rateLimit: { perSecond: 0, burst: 1 } })).toThrow(/perSecond/);
    expect(() => new WebhookSink({ url, format: "slack", rateLimit: { perSecond: 1, burst: 1, window: 2 } as never })).toThrow(/no option "window"/);
    expect(() => new WebhookSink({ url, format: "slack", retries: 3 } as never)).toThrow(InvalidArgumentError);
  });
});

describe("WebhookSink with a misbehaving fetch", () => {
  it("counts an alert as failed when fetch returns something unusable, and still settles flush()", async () => {
    const sink = new WebhookSink({ url: "https://example.invalid/hook", format: "slack", rateLimit: false, maxAttempts: 1, fetch: async () => null as never });
    sink.emit(alert(1));
    await sink.flush();
    expect(sink.stats).toMatchObject({ sent: 0, failed: 1, queued: 0 });
  });
});
