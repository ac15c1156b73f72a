/**
 * The route table of the compliance API: every route's method, path,
 * parameter schemas (zod) and handler. app.ts registers them and builds the
 * OpenAPI document from the same entries.
 *
 * @module
 */
import type { Request, Response } from "express";
import type * as Zod from "zod";
import { SEVERITIES, ALERT_STATUSES, type AlertStore } from "./alert-store.js";
import type { AuditBackend, ComplianceBackend, IngestReport, QueryWindow, RejectedRecord, ReportBackend } from "./backend.js";
import { type NdjsonLineError, splitNdjson } from "./ndjson.js";
import { type FieldError, HttpProblem } from "./problem.js";
import type { SseHub } from "./sse.js";

type Z = typeof Zod.z;
type Schema = Zod.ZodType;

/** What the handlers use. */
export interface RouteContext {
  readonly z: Z;
  readonly backend: ComplianceBackend;
  readonly alerts: AlertStore;
  readonly audit: AuditBackend | undefined;
  readonly reports: ReportBackend | undefined;
  readonly hub: SseHub;
  readonly ingest: (records: readonly unknown[], shape?: string) => Promise<IngestReport>;
  readonly singleLimit: number;
  readonly now: () => number;
}

/** One route. */
export interface Route {
  readonly method: "get" | "post" | "patch" | "delete";
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly params?: Schema;
  readonly query?: Schema;
  readonly body?: Schema;
  readonly bodyTypes: readonly string[];
  readonly status: number;
  readonly responseDescription: string;
  run(req: Request, res: Response): Promise<void>;
}

/** Parses `value` with `schema`, or throws a 400 naming every bad field under `where`. */
function check<T>(schema: Schema, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data as T;
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  throw new HttpProblem(400, `invalid ${where}: ${errors.map((e) => `${e.field} (${e.message})`).join("; ")}`, errors);
}

/** Rejections listed in a bulk answer at most (the counts stay exact). */
const MAX_LISTED_ERRORS = 1000;

/**
 * An NDJSON body as the bytes received: UTF-8 as they are (decoded line by
 * line), another declared charset decoded first; 415 for a charset this
 * runtime cannot decode.
 */
function ndjsonText(bytes: Uint8Array, contentType: string | undefined): string | Uint8Array {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? "")?.[1]?.toLowerCase();
  if (charset === undefined || charset === "utf-8" || charset === "utf8") return bytes;
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    throw new HttpProblem(415, `unsupported charset "${charset.toUpperCase()}"`);
  }
  return decoder.decode(bytes);
}

/**
 * The answer to a bulk NDJSON body: the report's counts, and the rejections
 * (lines that were not JSON, records the backend rejected) by their position
 * among the body's non-blank lines.
 */
function bulkAnswer(report: IngestReport, recordCount: number, bad: readonly NdjsonLineError[]): { accepted: number; duplicates: number; rejected: number; errors: RejectedRecord[] } {
  const rejectedCount = bad.length + report.rejected.length;
  const answer = { accepted: report.accepted, duplicates: report.duplicates, rejected: rejectedCount, errors: [] as RejectedRecord[] };
  if (rejectedCount === 0) return answer;
  // Record r is line item r when every line was JSON; otherwise count the bad lines before it.
  let itemOf: Int32Array | undefined;
  if (bad.length > 0) {
    itemOf = new Int32Array(recordCount);
    let item = 0;
    let b = 0;
    for (let r = 0; r < recordCount; r++, item++) {
      while (b < bad.length && bad[b]!.index === item) {
        b++;
        item++;
      }
      itemOf[r] = item;
    }
  }
  const errors: RejectedRecord[] = [];
  for (const line of bad) errors.push({ index: line.index, field: "body", reason: line.error });
  for (const r of report.rejected) errors.push({ ...r, index: itemOf === undefined ? r.index : itemOf[r.index]! });
  errors.sort((a, b) => a.index - b.index);
  answer.errors = errors.length > MAX_LISTED_ERRORS ? errors.slice(0, MAX_LISTED_ERRORS) : errors;
  return answer;
}

const WINDOW = /^[1-9][0-9]{0,8}[mhdw]$/;

export function buildRoutes(context: RouteContext): Route[] {
  const { z, backend, alerts } = context;
  const window = z
    .string()
    .regex(WINDOW, "expected a window such as 15m, 1h, 24h, 7d or 4w")
    .default("24h")
    .describe("how far back from now: <n> followed by m, h, d or w");
  const system = z.string().min(1, "expected a system name").max(256).describe("the system (service, database, asset)");
  const epoch = z.coerce.number().int("expected epoch milliseconds").min(0).max(8.64e15);
  const metric = z.object({ metric: z.string().min(1).max(128) });
  const rangeQuery = z
    .object({ from: epoch.describe("start, epoch ms (inclusive)"), to: epoch.describe("end, epoch ms (exclusive)") })
    .refine((q) => q.from < q.to, { message: "from must be before to", path: ["to"] });
  const alertFilter = {
    status: z.enum(ALERT_STATUSES as [string, ...string[]]).optional(),
    severity: z.enum(SEVERITIES as [string, ...string[]]).optional(),
    rule: z.string().max(256).optional(),
    system: z.string().max(256).optional(),
    user: z.string().max(256).optional(),
    from: epoch.optional(),
    to: epoch.optional(),
  };
  const toFilter = (q: { status?: string; severity?: string; rule?: string; system?: string; user?: string; from?: number; to?: number }) => ({
    ...(q.status === undefined ? {} : { status: q.status as (typeof ALERT_STATUSES)[number] }),
    ...(q.severity === undefined ? {} : { severity: q.severity as (typeof SEVERITIES)[number] }),
    ...(q.rule === undefined ? {} : { ruleId: q.rule }),
    ...(q.system === undefined ? {} : { system: q.system }),
    ...(q.user === undefined ? {} : { user: q.user }),
    ...(q.from === undefined ? {} : { from: q.from }),
    ...(q.to === undefined ? {} : { to: q.to }),
  });
  const json = ["application/json"];
  const routes: Route[] = [];
  const add = (route: Omit<Route, "bodyTypes" | "status" | "responseDescription"> & Partial<Pick<Route, "bodyTypes" | "status" | "responseDescription">>): void => {
    routes.push({ bodyTypes: json, status: 200, responseDescription: "OK", ...route });
  };

  // --- events -------------------------------------------------------------
  const shapeQuery = z.object({ shape: z.string().max(64).optional().describe("extraction shape; detected per record when absent") });
  add({
    method: "post",
    path: "/events",
    operationId: "ingestEvents",
    summary: "Ingest one event (a JSON object) or many (a JSON array, or NDJSON)",
    query: shapeQuery,
    body: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown()), z.string()]),
    bodyTypes: ["application/json", "application/x-ndjson"],
    responseDescription: "accepted, duplicates and rejected counts with the reasons",
    run: async (req, res) => {
      const { shape } = check<{ shape?: string }>(shapeQuery, req.query, "query");
      if (shape !== undefined && !backend.shapes().includes(shape)) {
        throw new HttpProblem(400, `unknown shape ${JSON.stringify(shape)}`, [{ field: "query.shape", message: `expected one of ${backend.shapes().join(", ")}` }]);
      }
      const body: unknown = req.body;
      if (typeof body === "string" || body instanceof Uint8Array) {
        const { records, bad } = splitNdjson(typeof body === "string" ? body : ndjsonText(body, req.headers["content-type"]));
        const report = await context.ingest(records, shape);
        res.json(bulkAnswer(report, records.length, bad));
        return;
      }
      if (Array.isArray(body)) {
        const report = await context.ingest(body, shape);
        res.json({ accepted: report.accepted, duplicates: report.duplicates, rejected: report.rejected.length, errors: report.rejected.slice(0, MAX_LISTED_ERRORS) });
        return;
      }
      if (body === null || typeof body !== "object" || req.headers["content-type"] === undefined) {
        throw new HttpProblem(415, "send application/json (an event or an array of events) or application/x-ndjson");
      }
      if (Number(req.headers["content-length"] ?? 0) > context.singleLimit) throw new HttpProblem(413, `one event may be at most ${context.singleLimit} bytes`);
      // One event: rejected means 400 and nothing ingested.
      const report = await context.ingest([body], shape);
      const problem = report.rejected[0];
      if (problem !== undefined) {
        const field = problem.field === undefined ? "body" : `body.${problem.field}`;
        throw new HttpProblem(400, `event rejected: ${problem.reason}`, [{ field, message: problem.reason }]);
      }
      res.status(202).json({ accepted: report.accepted, duplicates: report.duplicates, rejected: 0, alerts: report.alerts.map((a) => a.id) });
    },
  });

  // --- compliance queries --------------------------------------------------
  const windowOf = (w: string): QueryWindow => w;
  const distinctQuery = z.object({ system, window });
  add({
    method: "get",
    path: "/compliance/distinct/:metric",
    operationId: "distinct",
    summary: "Distinct count of a metric (users, ips, sessions) for a system and window, with its bounds",
    params: metric,
    query: distinctQuery,
    run: async (req, res) => {
      const { metric: name } = check<{ metric: string }>(metric, req.params, "path");
      const q = check<{ system: string; window: string }>(distinctQuery, req.query, "query");
      const answer = await backend.distinct(name, q.system, windowOf(q.window));
      res.json({
        metric: name,
        system: q.system,
        window: q.window,
        count: Math.round(answer.count),
        accuracy: { lower: answer.lower, upper: answer.upper, confidence: answer.confidence },
        covered: answer.covered,
      });
    },
  });
  const activityQuery = z.object({ user_id: z.string().min(1, "expected a user id").max(256), system, window });
  add({
    method: "get",
    path: "/compliance/activity/check",
    operationId: "activity",
    summary: "Did a user touch a system in the window (with the probability that a yes is false)",
    query: activityQuery,
    run: async (req, res) => {
      const q = check<{ user_id: string; system: string; window: string }>(activityQuery, req.query, "query");
      const answer = await backend.activity(q.user_id, q.system, windowOf(q.window));
      res.json({ user_id: q.user_id, system: q.system, window: q.window, accessed: answer.accessed, probability: answer.probability, covered: answer.covered });
    },
  });
  const topQuery = z.object({ system, window, k: z.coerce.number().int("expected an integer").min(1).max(1000).default(10) });
  add({
    method: "get",
    path: "/compliance/top/:metric",
    operationId: "top",
    summary: "Top-k items of a metric (users, failed-login IPs) for a system and window",
    params: metric,
    query: topQuery,
    run: async (req, res) => {
      const { metric: name } = check<{ metric: string }>(metric, req.params, "path");
      const q = check<{ system: string; window: string; k: number }>(topQuery, req.query, "query");
      const answer = await backend.top(name, q.system, q.k, windowOf(q.window));
      res.json({ metric: name, system: q.system, window: q.window, items: answer.items.map((e) => ({ item: e.item, count: e.count, error: e.error })), covered: answer.covered });
    },
  });
  const frequencyQuery = z.object({ system, window, value: z.string().min(1, "expected the value to count").max(1024) });
  add({
    method: "get",
    path: "/compliance/frequency/:metric",
    operationId: "frequency",
    summary: "Estimated count of one value of a frequency metric (event kinds), with its bounds",
    params: metric,
    query: frequencyQuery,
    run: async (req, res) => {
      const { metric: name } = check<{ metric: string }>(metric, req.params, "path");
      const q = check<{ system: string; window: string; value: string }>(frequencyQuery, req.query, "query");
      const answer = await backend.frequency(name, q.system, q.value, windowOf(q.window));
      res.json({ metric: name, system: q.system, window: q.window, value: q.value, count: answer.count, accuracy: { lower: answer.lower, upper: answer.upper, confidence: answer.confidence }, covered: answer.covered });
    },
  });
  add({
    method: "get",
    path: "/compliance/stats/:metric",
    operationId: "stats",
    summary: "Count, mean, standard deviation, min, max and quantiles of a numeric metric",
    params: metric,
    query: distinctQuery,
    run: async (req, res) => {
      const { metric: name } = check<{ metric: string }>(metric, req.params, "path");
      const q = check<{ system: string; window: string }>(distinctQuery, req.query, "query");
      res.json({ metric: name, system: q.system, window: q.window, ...(await backend.stats(name, q.system, windowOf(q.window))) });
    },
  });
  add({
    method: "get",
    path: "/compliance/systems",
    operationId: "systems",
    summary: "The systems seen, and the metric names by kind",
    run: async (_req, res) => {
      res.json({ systems: await backend.systems(), metrics: backend.metrics() });
    },
  });
  const minuteQuery = z.object({ minutes: z.coerce.number().int().min(1).max(1440).default(60) });
  add({
    method: "get",
    path: "/compliance/timeline",
    operationId: "eventTimeline",
    summary: "Events and alerts per minute over the last N minutes",
    query: minuteQuery,
    run: async (req, res) => {
      const { minutes } = check<{ minutes: number }>(minuteQuery, req.query, "query");
      const to = Math.floor(context.now() / 60_000) * 60_000 + 60_000;
      const from = to - minutes * 60_000;
      const [events, alertPoints] = await Promise.all([backend.eventTimeline(from, to), alerts.timeline({ granularity: "minute", from, to })]);
      res.json({ from, to, points: events.map((p, i) => ({ time: p.time, events: p.count, alerts: alertPoints[i]?.count ?? 0 })) });
    },
  });
  add({
    method: "get",
    path: "/compliance/snapshot",
    operationId: "snapshot",
    summary: "Every metric of every system for a period, as JSON",
    query: rangeQuery,
    run: async (req, res) => {
      const period = check<{ from: number; to: number }>(rangeQuery, req.query, "query");
      res.json(await backend.snapshot(period));
    },
  });

  // --- stream -------------------------------------------------------------
  add({
    method: "get",
    path: "/stream",
    operationId: "stream",
    summary: "Server-sent events: `events` (per ingest call), `alert`; resume with Last-Event-ID",
    responseDescription: "text/event-stream",
    run: async (req, res) => {
      context.hub.attach(req, res);
    },
  });

  // --- alerts -------------------------------------------------------------
  const listQuery = z.object({ ...alertFilter, limit: z.coerce.number().int().min(1).max(1000).default(50), offset: z.coerce.number().int().min(0).default(0) });
  add({
    method: "get",
    path: "/alerts",
    operationId: "listAlerts",
    summary: "Alerts, newest first, with filters and pagination",
    query: listQuery,
    run: async (req, res) => {
      const q = check<Parameters<typeof toFilter>[0] & { limit: number; offset: number }>(listQuery, req.query, "query");
      res.json(await alerts.list({ ...toFilter(q), limit: q.limit, offset: q.offset }));
    },
  });
  const filterQuery = z.object(alertFilter);
  add({
    method: "get",
    path: "/alerts/summary",
    operationId: "alertSummary",
    summary: "Alert counts by status, severity and rule",
    query: filterQuery,
    run: async (req, res) => {
      res.json(await alerts.summary(toFilter(check(filterQuery, req.query, "query"))));
    },
  });
  const timelineQuery = z
    .object({ ...alertFilter, granularity: z.enum(["minute", "hour"]).default("hour"), from: epoch, to: epoch })
    .refine((q) => q.from < q.to, { message: "from must be before to", path: ["to"] });
  add({
    method: "get",
    path: "/alerts/timeline",
    operationId: "alertTimeline",
    summary: "Alerts per minute or hour in [from, to)",
    query: timelineQuery,
    run: async (req, res) => {
      const q = check<{ granularity: "minute" | "hour"; from: number; to: number }>(timelineQuery, req.query, "query");
      res.json({ granularity: q.granularity, points: await alerts.timeline({ ...toFilter(q), granularity: q.granularity, from: q.from, to: q.to }) });
    },
  });
  add({
    method: "get",
    path: "/alerts/systems",
    operationId: "alertSystems",
    summary: "Alerts per system",
    query: filterQuery,
    run: async (req, res) => {
      res.json({ systems: await alerts.systems(toFilter(check(filterQuery, req.query, "query"))) });
    },
  });
  const idParams = z.object({ id: z.string().min(1).max(512) });
  add({
    method: "get",
    path: "/alerts/:id",
    operationId: "getAlert",
    summary: "One alert",
    params: idParams,
    run: async (req, res) => {
      const { id } = check<{ id: string }>(idParams, req.params, "path");
      const alert = await alerts.get(id);
      if (alert === undefined) throw new HttpProblem(404, `no alert with id ${JSON.stringify(id)}`);
      res.json(alert);
    },
  });
  const statusBody = z.object({ status: z.enum(["acknowledged", "resolved"]) }).strict();
  add({
    method: "patch",
    path: "/alerts/:id",
    operationId: "setAlertStatus",
    summary: "Move an alert forward: new → acknowledged → resolved",
    params: idParams,
    body: statusBody,
    run: async (req, res) => {
      const { id } = check<{ id: string }>(idParams, req.params, "path");
      const { status } = check<{ status: "acknowledged" | "resolved" }>(statusBody, req.body ?? {}, "body");
      const updated = await alerts.setStatus(id, status);
      context.hub.publish("alert-status", { id, status: updated.status });
      res.json(updated);
    },
  });

  // --- allow-list ---------------------------------------------------------
  add({
    method: "get",
    path: "/allowlist",
    operationId: "listAllowList",
    summary: "The IP allow-list (addresses and CIDR ranges)",
    run: async (_req, res) => {
      res.json({ entries: backend.allowList.entries() });
    },
  });
  const entryBody = z.object({ entry: z.string().min(1).max(64).describe("an IPv4/IPv6 address or CIDR range") }).strict();
  add({
    method: "post",
    path: "/allowlist",
    operationId: "addAllowList",
    summary: "Add an address or CIDR range; takes effect on the next event",
    body: entryBody,
    status: 201,
    run: async (req, res) => {
      const { entry } = check<{ entry: string }>(entryBody, req.body ?? {}, "body");
      let added: boolean;
      try {
        added = backend.allowList.add(entry);
      } catch (error) {
        throw new HttpProblem(400, (error as Error).message, [{ field: "body.entry", message: (error as Error).message }]);
      }
      res.status(added ? 201 : 200).json({ entry, added, entries: backend.allowList.entries() });
    },
  });
  const entryQuery = z.object({ entry: z.string().min(1).max(64) });
  add({
    method: "delete",
    path: "/allowlist",
    operationId: "removeAllowList",
    summary: "Remove an address or CIDR range; takes effect on the next event",
    query: entryQuery,
    run: async (req, res) => {
      const { entry } = check<{ entry: string }>(entryQuery, req.query, "query");
      let removed: boolean;
      try {
        removed = backend.allowList.remove(entry);
      } catch (error) {
        throw new HttpProblem(400, (error as Error).message, [{ field: "query.entry", message: (error as Error).message }]);
      }
      if (!removed) throw new HttpProblem(404, `${entry} is not on the allow-list`);
      res.json({ entry, removed, entries: backend.allowList.entries() });
    },
  });

  // --- audit --------------------------------------------------------------
  const audit = (): AuditBackend => {
    if (context.audit === undefined) throw new HttpProblem(404, "this server keeps no audit log");
    return context.audit;
  };
  const appendBody = z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown())).min(1).max(100_000)]);
  add({
    method: "post",
    path: "/audit/records",
    operationId: "appendAudit",
    summary: "Append one audit record (a JSON object) or many (an array)",
    body: appendBody,
    status: 201,
    run: async (req, res) => {
      const body = check<Record<string, unknown> | Record<string, unknown>[]>(appendBody, req.body, "body");
      const records = Array.isArray(body) ? body : [body];
      const { first, size } = await audit().append(records);
      res.status(201).json({ first, count: records.length, size });
    },
  });
  const indexParams = z.object({ index: z.coerce.number().int().min(0) });
  add({
    method: "get",
    path: "/audit/records/:index",
    operationId: "getAudit",
    summary: "One audit record",
    params: indexParams,
    run: async (req, res) => {
      const { index } = check<{ index: number }>(indexParams, req.params, "path");
      const record = audit().record(index);
      if (record === undefined) throw new HttpProblem(404, `no audit record ${index} (the log holds ${audit().size()})`);
      res.json(record);
    },
  });
  const inclusionQuery = z.object({ index: z.coerce.number().int().min(0), size: z.coerce.number().int().min(1).optional() });
  add({
    method: "get",
    path: "/audit/proof/inclusion",
    operationId: "inclusionProof",
    summary: "RFC 6962 inclusion proof of a record in the tree of a given size (the current one when absent)",
    query: inclusionQuery,
    run: async (req, res) => {
      const q = check<{ index: number; size?: number }>(inclusionQuery, req.query, "query");
      res.json(audit().inclusionProof(q.index, q.size));
    },
  });
  const consistencyQuery = z.object({ old: z.coerce.number().int().min(1), new: z.coerce.number().int().min(1).optional() });
  add({
    method: "get",
    path: "/audit/proof/consistency",
    operationId: "consistencyProof",
    summary: "RFC 6962 consistency proof between two tree sizes",
    query: consistencyQuery,
    run: async (req, res) => {
      const q = check<{ old: number; new?: number }>(consistencyQuery, req.query, "query");
      res.json(audit().consistencyProof(q.old, q.new));
    },
  });
  add({
    method: "get",
    path: "/audit/checkpoint",
    operationId: "checkpoint",
    summary: "The latest signed checkpoint (C2SP tlog-checkpoint in a signed note)",
    run: async (_req, res) => {
      res.json(await audit().checkpoint());
    },
  });
  const verifyQuery = z.object({ from: z.coerce.number().int().min(0).default(0), to: z.coerce.number().int().min(0).optional() });
  add({
    method: "get",
    path: "/audit/verify",
    operationId: "verifyAudit",
    summary: "Re-verify records [from, to): chain and tree; reports the first bad record and why",
    query: verifyQuery,
    run: async (req, res) => {
      const q = check<{ from: number; to?: number }>(verifyQuery, req.query, "query");
      res.json(await audit().verify(q.from, q.to ?? audit().size()));
    },
  });

  // --- reports ------------------------------------------------------------
  const reportQuery = z
    .object({ from: epoch, to: epoch, format: z.enum(["json", "csv", "pdf"]).default("json") })
    .refine((q) => q.from < q.to, { message: "from must be before to", path: ["to"] });
  add({
    method: "get",
    path: "/reports",
    operationId: "report",
    summary: "A compliance report for [from, to) as JSON, CSV or PDF",
    query: reportQuery,
    run: async (req, res) => {
      const q = check<{ from: number; to: number; format: "json" | "csv" | "pdf" }>(reportQuery, req.query, "query");
      if (context.reports === undefined) throw new HttpProblem(404, "this server produces no reports");
      if (!context.reports.formats.includes(q.format)) throw new HttpProblem(400, `format ${q.format} is not available`, [{ field: "query.format", message: `expected one of ${context.reports.formats.join(", ")}` }]);
      const report = await context.reports.generate({ from: q.from, to: q.to }, q.format);
      res.type(report.contentType);
      if (q.format !== "json") res.attachment(`compliance-report-${q.from}-${q.to}.${q.format}`);
      res.send(typeof report.body === "string" ? report.body : Buffer.from(report.body.buffer, report.body.byteOffset, report.body.byteLength));
    },
  });
  return routes;
}
