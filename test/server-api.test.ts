// The HTTP layer of the compliance server against a small exact backend:
// every route, its status codes, validation (400 problem+json naming the
// field), auth, rate limiting, body limits, and the OpenAPI document.
import { afterEach, describe, expect, it } from "vitest";
import { type ComplianceApp, createComplianceApp } from "../src/server/app.js";
import { fakeBackend } from "./support/fake-backend.js";

const NOW = Date.UTC(2026, 0, 5, 12);
const apps: ComplianceApp[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function start(options: Partial<Parameters<typeof createComplianceApp>[0]> = {}) {
  const backend = fakeBackend(() => NOW);
  const app = await createComplianceApp({ backend, rateLimit: false, dashboard: false, now: () => NOW, sse: { heartbeatMs: 0 }, ...options });
  apps.push(app);
  const { url } = await app.listen(0);
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const response = await fetch(`${url}/api/v1${path}`, init);
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, type: response.headers.get("content-type") ?? "", json: json as Record<string, unknown>, headers: response.headers };
  };
  return { app, backend, url, call };
}

const event = (i: number, extra: Record<string, unknown> = {}) => ({ user: `user${i % 7}`, system: i % 2 === 0 ? "billing" : "auth", ip: `10.0.0.${i % 5}`, kind: "login", time: NOW - 60_000, ...extra });

describe("POST /api/v1/events", () => {
  it("accepts one event (202), and answers 400 problem+json naming the field for a bad one, ingesting nothing", async () => {
    const { call, backend } = await start();
    expect((await call("POST", "/events", event(1))).status).toBe(202);
    const bad = await call("POST", "/events", { ...event(2), system: 42 });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain("application/problem+json");
    expect(bad.json).toMatchObject({ status: 400, title: "Bad Request", errors: [{ field: "body.system" }] });
    expect(backend.rows.length).toBe(1);
  });

  it("accepts a JSON array and NDJSON with per-record reasons, and counts duplicates", async () => {
    const { call, backend } = await start();
    const array = await call("POST", "/events", [event(1, { id: "a" }), { nope: true }, event(2, { id: "a" })]);
    expect(array.json).toMatchObject({ accepted: 1, duplicates: 1, rejected: 1, errors: [{ index: 1, field: "user" }] });
    const ndjson = [JSON.stringify(event(3)), "", "{not json", JSON.stringify({ ...event(4), time: "yesterday" }), JSON.stringify(event(5))].join("\n");
    const bulk = await call("POST", "/events", ndjson, { "content-type": "application/x-ndjson" });
    expect(bulk.status).toBe(200);
    expect(bulk.json).toMatchObject({ accepted: 2, rejected: 2, errors: [{ index: 1, field: "body" }, { index: 2, field: "time" }] });
    expect(backend.rows.length).toBe(3);
  });

  it("refuses bodies that are not JSON, too large, or of another media type", async () => {
    const { call, backend } = await start({ bodyLimit: { bulk: 1024 } });
    expect((await call("POST", "/events", "{broken", { "content-type": "application/json" })).json).toMatchObject({ status: 400, errors: [{ field: "body" }] });
    expect((await call("POST", "/events", [Array.from({ length: 100 }, (_, i) => event(i))])).status).toBe(413);
    expect((await call("POST", "/events", "user=alice", { "content-type": "application/x-www-form-urlencoded" })).status).toBe(415);
    expect((await call("POST", "/events?shape=nope", event(1))).json).toMatchObject({ errors: [{ field: "query.shape" }] });
    expect(backend.rows.length).toBe(0);
  });
});

describe("compliance queries", () => {
  it("answers distinct, activity, top, frequency and stats with the paths and shapes of the API", async () => {
    const { call } = await start();
    await call("POST", "/events", Array.from({ length: 20 }, (_, i) => event(i)));
    const distinct = await call("GET", "/compliance/distinct/users?system=billing&window=24h");
    expect(distinct.json).toMatchObject({ metric: "users", system: "billing", window: "24h", count: 7, accuracy: { lower: 7, upper: 7, confidence: 1 } });
    expect((await call("GET", "/compliance/activity/check?user_id=user0&system=billing&window=1h")).json).toMatchObject({ user_id: "user0", system: "billing", window: "1h", accessed: true, probability: 0 });
    expect((await call("GET", "/compliance/activity/check?user_id=mallory&system=billing")).json).toMatchObject({ accessed: false, window: "24h" });
    const top = await call("GET", "/compliance/top/users?system=auth&k=2&window=24h");
    expect(top.json).toMatchObject({ metric: "users", window: "24h", items: [{ item: "user1", count: 2 }, { item: "user3", count: 2 }] });
    expect((await call("GET", "/compliance/frequency/kinds?system=auth&value=login")).json).toMatchObject({ count: 10 });
    expect((await call("GET", "/compliance/stats/value?system=auth")).json).toMatchObject({ count: 10 });
    expect((await call("GET", "/compliance/systems")).json).toMatchObject({ systems: ["auth", "billing"] });
  });

  it.each([
    ["/compliance/distinct/users?window=24h", "query.system"],
    ["/compliance/distinct/users?system=a&window=yesterday", "query.window"],
    ["/compliance/top/users?system=a&k=0", "query.k"],
    ["/compliance/top/users?system=a&k=ten", "query.k"],
    ["/compliance/activity/check?system=a", "query.user_id"],
    ["/compliance/frequency/kinds?system=a", "query.value"],
    ["/compliance/snapshot?from=10&to=5", "query.to"],
  ])("GET %s is a 400 naming %s", async (path, field) => {
    const { call } = await start();
    const response = await call("GET", path);
    expect(response.status).toBe(400);
    expect(response.type).toContain("application/problem+json");
    expect((response.json.errors as { field: string }[]).map((e) => e.field)).toContain(field);
  });

  it("answers an unknown metric with 400 and an unknown route with 404", async () => {
    const { call } = await start();
    const unknown = await call("GET", "/compliance/distinct/planets?system=a");
    expect(unknown.status).toBe(400);
    expect(String(unknown.json.detail)).toContain("planets");
    expect((await call("GET", "/nothing")).status).toBe(404);
  });
});

describe("alerts", () => {
  it("stores the alerts of an ingest, lists, filters, pages, summarizes and moves them forward", async () => {
    const { call } = await start();
    await call("POST", "/events", [event(1, { kind: "attack", time: NOW - 120_000 }), event(2, { kind: "attack" }), event(3)]);
    const list = await call("GET", "/alerts?limit=1");
    expect(list.json).toMatchObject({ total: 2, limit: 1, offset: 0 });
    const id = (list.json.items as { id: string }[])[0]!.id;
    expect((await call("GET", `/alerts/${encodeURIComponent(id)}`)).json).toMatchObject({ id, status: "new" });
    expect((await call("PATCH", `/alerts/${encodeURIComponent(id)}`, { status: "acknowledged" })).json).toMatchObject({ status: "acknowledged" });
    expect((await call("PATCH", `/alerts/${encodeURIComponent(id)}`, { status: "resolved" })).json).toMatchObject({ status: "resolved" });
    const back = await call("PATCH", `/alerts/${encodeURIComponent(id)}`, { status: "acknowledged" });
    expect(back.status).toBe(409);
    expect((await call("PATCH", `/alerts/${encodeURIComponent(id)}`, { status: "new" })).json).toMatchObject({ status: 400, errors: [{ field: "body.status" }] });
    expect((await call("PATCH", "/alerts/nope", { status: "resolved" })).status).toBe(404);
    expect((await call("GET", "/alerts/nope")).status).toBe(404);
    expect((await call("GET", "/alerts/summary")).json).toMatchObject({ total: 2, byStatus: { new: 1, resolved: 1 } });
    expect((await call("GET", "/alerts?status=resolved")).json).toMatchObject({ total: 1 });
    expect((await call("GET", "/alerts?severity=urgent")).json).toMatchObject({ errors: [{ field: "query.severity" }] });
    const timeline = await call("GET", `/alerts/timeline?granularity=minute&from=${NOW - 180_000}&to=${NOW}`);
    expect((timeline.json.points as { count: number }[]).map((p) => p.count)).toEqual([0, 1, 1]);
    expect((await call("GET", "/alerts/systems")).json).toMatchObject({ systems: [{ system: "auth", total: 1 }, { system: "billing", total: 1 }] });
    const perMinute = await call("GET", "/compliance/timeline?minutes=3");
    expect((perMinute.json.points as { events: number; alerts: number }[]).map((p) => [p.events, p.alerts])).toEqual([[1, 1], [2, 1], [0, 0]]);
  });
});

describe("allow-list", () => {
  it("lists, adds (201, then 200 when present), refuses invalid entries, and removes (404 when absent); the next event sees it", async () => {
    const { call } = await start();
    expect((await call("POST", "/allowlist", { entry: "10.0.0.1" })).status).toBe(201);
    expect((await call("POST", "/allowlist", { entry: "10.0.0.1" })).json).toMatchObject({ added: false });
    expect((await call("POST", "/allowlist", { entry: "not an ip" })).json).toMatchObject({ status: 400, errors: [{ field: "body.entry" }] });
    expect((await call("POST", "/allowlist", { entry: "10.0.0.2", extra: 1 })).status).toBe(400);
    expect((await call("GET", "/allowlist")).json).toEqual({ entries: ["10.0.0.1"] });
    await call("POST", "/events", event(1, { kind: "attack", ip: "10.0.0.1" }));
    expect((await call("GET", "/alerts")).json).toMatchObject({ total: 0 });
    expect((await call("DELETE", "/allowlist?entry=10.0.0.1")).status).toBe(200);
    expect((await call("DELETE", "/allowlist?entry=10.0.0.1")).status).toBe(404);
    await call("POST", "/events", event(2, { kind: "attack", ip: "10.0.0.1" }));
    expect((await call("GET", "/alerts")).json).toMatchObject({ total: 1 });
  });
});

describe("security and limits", () => {
  it("requires an API key when configured (Bearer or X-API-Key), leaving /health open", async () => {
    const key = "k".repeat(32);
    const { call, url } = await start({ apiKeys: [key] });
    expect((await call("GET", "/alerts")).status).toBe(401);
    expect((await call("GET", "/alerts")).type).toContain("application/problem+json");
    expect((await call("GET", "/alerts", undefined, { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await call("GET", "/alerts", undefined, { authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await call("GET", "/alerts", undefined, { "x-api-key": key })).status).toBe(200);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it("rate-limits with 429 problem+json and RateLimit headers", async () => {
    const { call } = await start({ rateLimit: { windowMs: 60_000, limit: 3 } });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await call("GET", "/compliance/systems")).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await call("GET", "/compliance/systems");
    expect(limited.type).toContain("application/problem+json");
    expect(limited.headers.get("ratelimit-policy") ?? limited.headers.get("ratelimit")).not.toBeNull();
  });

  it("serves an OpenAPI 3.1 document describing every route with its parameters", async () => {
    const { call } = await start();
    const doc = (await call("GET", "/openapi.json")).json as { openapi: string; paths: Record<string, Record<string, { parameters?: { name: string; in: string; required: boolean }[] }>> };
    expect(doc.openapi).toBe("3.1.0");
    for (const path of ["/api/v1/events", "/api/v1/compliance/distinct/{metric}", "/api/v1/compliance/activity/check", "/api/v1/compliance/top/{metric}", "/api/v1/stream", "/api/v1/alerts/{id}", "/api/v1/allowlist", "/api/v1/audit/proof/inclusion", "/api/v1/reports"]) {
      expect(Object.keys(doc.paths), path).toContain(path);
    }
    const top = doc.paths["/api/v1/compliance/top/{metric}"]!.get!.parameters!;
    expect(top).toEqual(expect.arrayContaining([expect.objectContaining({ name: "metric", in: "path", required: true }), expect.objectContaining({ name: "system", in: "query", required: true }), expect.objectContaining({ name: "k", in: "query", required: false })]));
  });

  it("answers the audit and report routes with 404 when the server has none", async () => {
    const { call } = await start();
    expect((await call("GET", "/audit/checkpoint")).status).toBe(404);
    expect((await call("GET", `/reports?from=0&to=1`)).status).toBe(404);
  });
});

describe("GET /api/v1/stream", () => {
  it("streams alerts as server-sent events with ids", async () => {
    const { call, url } = await start();
    const response = await fetch(`${url}/api/v1/stream`);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    await call("POST", "/events", event(1, { kind: "attack" }));
    const reader = response.body!.getReader();
    let text = "";
    while (!text.includes("event: alert")) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/id: [0-9a-z]+-\d+\nevent: alert\ndata: \{"id":"attack:/);
    await reader.cancel();
  });
});
