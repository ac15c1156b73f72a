import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidArgumentError, SseHub } from "../src/server/index.js";

const servers: Server[] = [];
const hubs: SseHub[] = [];
afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close();
  for (const server of servers.splice(0)) server.close();
});

async function serve(hub: SseHub): Promise<number> {
  hubs.push(hub);
  const server = createServer((req, res) => hub.attach(req, res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
}

/** Parses an event stream per the WHATWG algorithm (enough for these tests). */
function parse(text: string): { id?: string; event?: string; data?: string; retry?: string; comment?: boolean }[] {
  return text
    .split("\n\n")
    .filter((block) => block !== "")
    .map((block) => {
      const out: Record<string, string | boolean> = {};
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) out.comment = true;
        else {
          const colon = line.indexOf(":");
          out[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, "");
        }
      }
      return out;
    });
}

async function readUntil(response: Response, done: (text: string) => boolean, timeoutMs = 5_000): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  while (!done(text)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${text.length} characters; ends with ${JSON.stringify(text.slice(-200))}`);
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

describe("SseHub", () => {
  it("sends the headers that stop buffering, retry first, then id/event/data frames", async () => {
    const hub = new SseHub({ heartbeatMs: 0, retryMs: 1234 });
    const port = await serve(hub);
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toContain("no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    const ids = [hub.publish("alert", { n: 1, text: "two\nlines" }), hub.publish("event", [1, 2])];
    const frames = parse(await readUntil(response, (t) => t.includes("[1,2]")));
    expect(frames[0]).toEqual({ retry: "1234" });
    expect(frames.slice(1)).toEqual([
      { id: ids[0], event: "alert", data: JSON.stringify({ n: 1, text: "two\nlines" }) },
      { id: ids[1], event: "event", data: "[1,2]" },
    ]);
    expect(() => hub.publish("bad\nname", 1)).toThrow(InvalidArgumentError);
  });

  it("resumes after Last-Event-ID from the replay buffer, and sends reset when the gap is gone", async () => {
    const hub = new SseHub({ heartbeatMs: 0, replay: 5 });
    const port = await serve(hub);
    const ids = Array.from({ length: 8 }, (_, i) => hub.publish("event", { i }));
    // Missed 6 and 7: both still buffered.
    const resumed = parse(await readUntil(await fetch(`http://127.0.0.1:${port}/`, { headers: { "Last-Event-ID": ids[5]! } }), (t) => t.includes('{"i":7}')));
    expect(resumed.slice(1).map((f) => f.data)).toEqual(['{"i":6}', '{"i":7}']);
    // The query parameter works too.
    const viaQuery = parse(await readUntil(await fetch(`http://127.0.0.1:${port}/?lastEventId=${ids[6]}`), (t) => t.includes('{"i":7}')));
    expect(viaQuery.slice(1).map((f) => f.data)).toEqual(['{"i":7}']);
    // Missed 1..7 but only 3..7 are kept; an id from another run is unknown too.
    for (const stale of [ids[0]!, "0-3", "garbage"]) {
      const frames = parse(await readUntil(await fetch(`http://127.0.0.1:${port}/`, { headers: { "Last-Event-ID": stale } }), (t) => t.includes("reset")));
      expect(frames[1]?.event).toBe("reset");
    }
    expect(hub.stats.resumed).toBe(2);
    expect(hub.stats.resets).toBe(3);
  });

  it("sends comment heartbeats", async () => {
    const hub = new SseHub({ heartbeatMs: 20 });
    const port = await serve(hub);
    const frames = parse(await readUntil(await fetch(`http://127.0.0.1:${port}/`), (t) => t.includes(":\n\n")));
    expect(frames.some((f) => f.comment === true)).toBe(true);
  });

  it("drops a client that stops reading, with bounded memory, while publish stays fast and other clients keep up", async () => {
    const maxBufferedBytes = 64 * 1024;
    const hub = new SseHub({ heartbeatMs: 0, maxBufferedBytes });
    const port = await serve(hub);
    // A client that sends its request and then never reads a byte.
    const stalled = connect(port, "127.0.0.1");
    await new Promise<void>((resolve) => stalled.once("connect", resolve));
    stalled.pause();
    stalled.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
    let stalledClosed = false;
    stalled.once("close", () => (stalledClosed = true));
    stalled.on("error", () => undefined);
    // A healthy client reading everything.
    const healthy = await fetch(`http://127.0.0.1:${port}/`);
    while (hub.stats.clients < 2) await new Promise((resolve) => setTimeout(resolve, 5));

    const payload = { blob: "x".repeat(4096) };
    let slowest = 0;
    let published = 0;
    // Publish until the stalled client is dropped: kernel socket buffers absorb
    // a few MB first, then its unsent bytes pass the cap.
    // The healthy client counts frames as they come (scanning only each new chunk).
    const healthyCount = (async () => {
      const reader = healthy.body!.getReader();
      const decoder = new TextDecoder();
      let tail = "";
      let frames = 0;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the healthy client was disconnected after ${frames} frames`);
        const text = tail + decoder.decode(value, { stream: true });
        const parts = text.split("\n\n");
        tail = parts.pop()!;
        for (const part of parts) {
          if (part.includes("event: event")) frames++;
          if (part.includes('"last":true')) {
            await reader.cancel();
            return frames;
          }
        }
      }
    })();
    while (hub.stats.dropped === 0 && published < 20_000) {
      const started = performance.now();
      hub.publish("event", payload);
      slowest = Math.max(slowest, performance.now() - started);
      published++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    hub.publish("event", { last: true });
    expect(hub.stats.dropped).toBe(1);
    expect(hub.stats.clients).toBe(1);
    // publish never waited on the stalled client (a generous bound: it is a few µs).
    expect(slowest).toBeLessThan(250);
    expect(await healthyCount).toBe(published + 1);
    // Once it reads again, the stalled client finds its connection closed by the server.
    stalled.resume();
    for (let i = 0; i < 500 && !stalledClosed; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(stalledClosed).toBe(true);
    stalled.destroy();
  }, 60_000);

  it("refuses clients past maxClients with 503", async () => {
    const hub = new SseHub({ heartbeatMs: 0, maxClients: 1 });
    const port = await serve(hub);
    const first = await fetch(`http://127.0.0.1:${port}/`);
    const second = await fetch(`http://127.0.0.1:${port}/`);
    expect(second.status).toBe(503);
    expect(hub.stats.rejected).toBe(1);
    await first.body?.cancel();
  });

  it("validates its options", () => {
    expect(() => new SseHub({ replay: -1 })).toThrow(/replay/);
    expect(() => new SseHub({ maxBufferedBytes: 0 })).toThrow(/maxBufferedBytes/);
  });
});
