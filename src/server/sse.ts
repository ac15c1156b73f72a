/**
 * Server-sent events (WHATWG HTML, "Server-sent events") for the live
 * stream: one serialization per message shared by every client, event ids
 * with `Last-Event-ID` resume from a bounded replay buffer, `retry`, comment
 * heartbeats, and the headers that keep proxies and compression middleware
 * from buffering the stream (`Cache-Control: no-transform`,
 * `X-Accel-Buffering: no`).
 *
 * A slow client never stalls ingest: `publish` only appends to each
 * client's socket buffer, and a client whose unsent bytes pass
 * `maxBufferedBytes` is disconnected (counted in `stats.dropped`), so memory
 * stays below clients × maxBufferedBytes. It reconnects with its last id and
 * resumes from the replay buffer, or gets a `reset` event when what it
 * missed is gone.
 *
 * Ids are `<boot>-<sequence>`: `boot` names this process's run, so an id from
 * before a restart is recognized as unknown rather than mistaken for a
 * recent one.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { InvalidArgumentError } from "../errors.js";

/**
 * Options of {@link SseHub}.
 *
 * @example
 * ```ts
 * import type { SseHubOptions } from "papertrail/server";
 * const options: SseHubOptions = { replay: 500, heartbeatMs: 10_000, maxBufferedBytes: 256 * 1024 };
 * options.replay; // => 500
 * ```
 */
export interface SseHubOptions {
  /** Messages kept for `Last-Event-ID` resume. 1000 when absent. */
  readonly replay?: number;
  /** Reconnection delay sent to clients (`retry:`), ms. 3000 when absent. */
  readonly retryMs?: number;
  /** Interval of comment heartbeats, ms (0 turns them off). 15,000 when absent. */
  readonly heartbeatMs?: number;
  /** Unsent bytes a client may hold before it is disconnected. 1 MiB when absent. */
  readonly maxBufferedBytes?: number;
  /** Clients at once; beyond it a new client gets 503. 1000 when absent. */
  readonly maxClients?: number;
}

/**
 * Counters of an {@link SseHub}.
 *
 * @example
 * ```ts
 * import type { SseStats } from "papertrail/server";
 * const idle: SseStats = { clients: 0, published: 0, dropped: 0, rejected: 0, resumed: 0, resets: 0 };
 * idle.clients; // => 0
 * ```
 */
export interface SseStats {
  /** Clients connected now. */
  readonly clients: number;
  /** Messages published. */
  readonly published: number;
  /** Clients disconnected because they read too slowly. */
  readonly dropped: number;
  /** Clients refused because `maxClients` were connected. */
  readonly rejected: number;
  /** Reconnections resumed from the replay buffer. */
  readonly resumed: number;
  /** Reconnections whose missed messages were no longer buffered (sent a `reset` event). */
  readonly resets: number;
}

interface Message {
  readonly sequence: number;
  readonly frame: string;
}

const EVENT_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * A broadcaster of server-sent events to many HTTP clients.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { SseHub } from "papertrail/server";
 * const hub = new SseHub({ heartbeatMs: 0 });
 * const server = createServer((req, res) => hub.attach(req, res)).listen(0, "127.0.0.1");
 * await new Promise((resolve) => server.once("listening", resolve));
 * const { port } = server.address() as { port: number };
 * const response = await fetch(`http://127.0.0.1:${port}/`);
 * response.headers.get("content-type"); // => "text/event-stream; charset=utf-8"
 * hub.publish("alert", { rule: "brute-force" });
 * const reader = response.body!.getReader();
 * let text = "";
 * while (!text.includes("brute-force")) text += new TextDecoder().decode((await reader.read()).value);
 * text.includes('event: alert\ndata: {"rule":"brute-force"}'); // => true
 * await reader.cancel();
 * hub.close();
 * server.close();
 * ```
 */
export class SseHub {
  private readonly replay: number;
  private readonly retryMs: number;
  private readonly maxBufferedBytes: number;
  private readonly maxClients: number;
  private readonly boot: string;
  private readonly clients = new Set<ServerResponse>();
  /** Ring of the latest `replay` messages; message n sits at slot n % replay. */
  private readonly ring: (Message | undefined)[];
  private sequence = 0;
  private readonly heartbeat: ReturnType<typeof setInterval> | undefined;
  private counters = { published: 0, dropped: 0, rejected: 0, resumed: 0, resets: 0 };

  constructor(options: SseHubOptions = {}) {
    this.replay = positiveInteger("replay", options.replay ?? 1000, true);
    this.retryMs = positiveInteger("retryMs", options.retryMs ?? 3000, false);
    this.maxBufferedBytes = positiveInteger("maxBufferedBytes", options.maxBufferedBytes ?? 1 << 20, false);
    this.maxClients = positiveInteger("maxClients", options.maxClients ?? 1000, false);
    const heartbeatMs = positiveInteger("heartbeatMs", options.heartbeatMs ?? 15_000, true);
    this.ring = new Array<Message | undefined>(this.replay);
    this.boot = Date.now().toString(36);
    if (heartbeatMs > 0) {
      this.heartbeat = setInterval(() => this.broadcast(":\n\n"), heartbeatMs);
      this.heartbeat.unref();
    }
  }

  /** The hub's counters. */
  get stats(): SseStats {
    return { clients: this.clients.size, ...this.counters };
  }

  /**
   * Serves one client: writes the headers and `retry`, replays what it
   * missed (after the `Last-Event-ID` header, or a `lastEventId` query
   * parameter for clients that cannot set headers), then streams live.
   */
  attach(req: IncomingMessage, res: ServerResponse): void {
    if (this.clients.size >= this.maxClients) {
      this.counters.rejected++;
      res.writeHead(503, { "Content-Type": "text/plain; charset=utf-8", "Retry-After": String(Math.ceil(this.retryMs / 1000)) });
      res.end("too many event-stream clients\n");
      return;
    }
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      "X-Accel-Buffering": "no",
      ...(req.httpVersionMajor < 2 ? { Connection: "keep-alive" } : {}),
    });
    req.socket.setNoDelay(true);
    let preamble = `retry: ${this.retryMs}\n\n`;
    const lastId = lastEventId(req);
    if (lastId !== undefined) {
      const missed = this.since(lastId);
      if (missed === undefined) {
        this.counters.resets++;
        preamble += `event: reset\ndata: {"reason":"missed events are no longer buffered"}\n\n`;
      } else {
        this.counters.resumed++;
        for (const message of missed) preamble += message.frame;
      }
    }
    res.write(preamble);
    this.clients.add(res);
    const forget = (): void => {
      this.clients.delete(res);
    };
    res.once("close", forget);
    res.once("error", forget);
  }

  /**
   * Sends `data` (JSON-serialized once) as an event named `event` to every
   * client, and keeps it for resume. Returns the message id.
   */
  publish(event: string, data: unknown): string {
    if (!EVENT_NAME.test(event)) throw new InvalidArgumentError(`event name must be 1-64 characters of A-Z a-z 0-9 _ . : -, got ${JSON.stringify(event)}`);
    const json = JSON.stringify(data) ?? "null";
    const sequence = ++this.sequence;
    const id = `${this.boot}-${sequence}`;
    // JSON.stringify escapes newlines inside strings, so `json` is one line.
    const frame = `id: ${id}\nevent: ${event}\ndata: ${json}\n\n`;
    if (this.replay > 0) this.ring[sequence % this.replay] = { sequence, frame };
    this.counters.published++;
    this.broadcast(frame);
    return id;
  }

  /** Ends every client's stream and stops the heartbeat. */
  close(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private broadcast(frame: string): void {
    for (const res of this.clients) {
      if (res.writableLength > this.maxBufferedBytes) {
        // The client reads too slowly: its unsent bytes would grow without
        // bound. Disconnect it; it resumes with Last-Event-ID.
        this.counters.dropped++;
        this.clients.delete(res);
        res.destroy();
        continue;
      }
      res.write(frame);
    }
  }

  /** The buffered messages after `id`, or undefined when some are gone or the id is foreign. */
  private since(id: string): Message[] | undefined {
    const dash = id.lastIndexOf("-");
    if (dash < 0 || id.slice(0, dash) !== this.boot) return undefined;
    const sequence = Number(id.slice(dash + 1));
    if (!Number.isSafeInteger(sequence) || sequence < 0 || sequence > this.sequence) return undefined;
    // Messages sequence+1 .. this.sequence must all still be in the ring.
    if (this.sequence - sequence > this.replay) return undefined;
    const missed: Message[] = [];
    for (let n = sequence + 1; n <= this.sequence; n++) missed.push(this.ring[n % this.replay]!);
    return missed;
  }
}

function lastEventId(req: IncomingMessage): string | undefined {
  const header = req.headers["last-event-id"];
  if (typeof header === "string" && header !== "") return header;
  const query = req.url?.indexOf("?") ?? -1;
  if (query >= 0) {
    const value = new URLSearchParams(req.url!.slice(query + 1)).get("lastEventId");
    if (value !== null && value !== "") return value;
  }
  return undefined;
}

function positiveInteger(name: string, value: number, zeroAllowed: boolean): number {
  if (!Number.isSafeInteger(value) || value < (zeroAllowed ? 0 : 1)) {
    throw new InvalidArgumentError(`${name} must be ${zeroAllowed ? "a non-negative" : "a positive"} integer, got ${String(value)}`);
  }
  return value;
}
