/**
 * The compliance server as an Express 5 application: the HTTP API over a
 * {@link ComplianceBackend}, the alert store, server-sent events, the audit
 * log and reports, and the dashboard's static files.
 *
 * Every route is declared once in a table (method, path, zod schemas of its
 * parameters, handler): the same table registers the Express handlers,
 * validates requests and produces the OpenAPI 3.1 document served at
 * `/api/v1/openapi.json`. Express, zod and express-rate-limit are optional
 * peer dependencies, loaded when the app is created.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Express, NextFunction, Request, Response } from "express";
import type * as Zod from "zod";
import { InvalidArgumentError, PaperTrailError } from "../errors.js";
import { ApiKeys } from "./api-key.js";
import { type AlertStore, AlertStoreError, MemoryAlertStore } from "./alert-store.js";
import type { AuditBackend, ComplianceBackend, IngestReport, ReportBackend } from "./backend.js";
import { HttpProblem, PROBLEM_JSON } from "./problem.js";
import { buildRoutes, type RouteContext } from "./routes.js";
import { SseHub, type SseHubOptions } from "./sse.js";

/**
 * Options of {@link createComplianceApp}.
 *
 * @example
 * ```ts
 * import type { ComplianceAppOptions } from "papertrail/server";
 * const hardened: Partial<ComplianceAppOptions> = { apiKeys: ["a-key-of-at-least-16-chars"], rateLimit: { windowMs: 60_000, limit: 600 } };
 * hardened.rateLimit; // => { windowMs: 60000, limit: 600 }
 * ```
 */
export interface ComplianceAppOptions {
  readonly backend: ComplianceBackend;
  /** Where alerts are kept; in memory when absent. */
  readonly alerts?: AlertStore;
  readonly audit?: AuditBackend;
  /** Appends a summary of every alert (id, rule, severity, group, count, times, message) to the audit log; on when `audit` is given. */
  readonly auditAlerts?: boolean;
  readonly reports?: ReportBackend;
  /** API keys; when given, every `/api/v1` request needs one (`Authorization: Bearer` or `X-API-Key`). */
  readonly apiKeys?: readonly string[];
  /** Requests per window per client address on `/api/v1`; `false` turns the limit off. 6000 a minute when absent. */
  readonly rateLimit?: false | { readonly windowMs: number; readonly limit: number };
  /** Largest request body, bytes. 1 MiB for one event, 32 MiB for bulk bodies when absent. */
  readonly bodyLimit?: { readonly single?: number; readonly bulk?: number };
  readonly sse?: SseHubOptions;
  /** The dashboard's directory; the shipped dashboard when absent, `false` for none. */
  readonly dashboard?: string | false;
  /** Clock, for tests. */
  readonly now?: () => number;
}

/**
 * A created app, its parts, and a way to stop it.
 *
 * @example
 * ```ts
 * import type { ComplianceApp } from "papertrail/server";
 * const stop = (app: ComplianceApp): Promise<void> => app.close();
 * typeof stop; // => "function"
 * ```
 */
export interface ComplianceApp {
  readonly express: Express;
  readonly hub: SseHub;
  readonly alerts: AlertStore;
  /** The OpenAPI 3.1 document. */
  readonly openapi: Record<string, unknown>;
  /** Ingests records as `POST /api/v1/events` does (alerts stored and streamed); for demos and workers in the same process. */
  ingest(records: readonly unknown[], shape?: string): Promise<IngestReport>;
  /** Starts listening; resolves with the bound address. */
  listen(port?: number, host?: string): Promise<{ readonly port: number; readonly host: string; readonly url: string }>;
  /** Stops listening, ends event streams and closes the alert store. */
  close(): Promise<void>;
}

/**
 * Creates the compliance server.
 *
 * @example
 * ```ts
 * import { createComplianceApp, createComplianceBackend } from "papertrail/server";
 * const app = await createComplianceApp({ backend: createComplianceBackend({ monitor: { identities: "plain" } }), rateLimit: false, dashboard: false });
 * const { url } = await app.listen(0);
 * (await fetch(`${url}/health`)).status; // => 200
 * await app.close();
 * ```
 */
export async function createComplianceApp(options: ComplianceAppOptions): Promise<ComplianceApp> {
  const [{ default: express }, zod, { rateLimit }] = await Promise.all([import("express"), import("zod"), import("express-rate-limit")]);
  const z = zod.z ?? zod;
  const now = options.now ?? Date.now;
  const backend = options.backend;
  const alerts = options.alerts ?? new MemoryAlertStore({ now });
  const hub = new SseHub(options.sse);
  const keys = options.apiKeys === undefined ? undefined : new ApiKeys(options.apiKeys);
  const singleLimit = options.bodyLimit?.single ?? 1 << 20;
  const bulkLimit = options.bodyLimit?.bulk ?? 32 << 20;
  const started = now();

  const ingest = async (records: readonly unknown[], shape?: string): Promise<IngestReport> => {
    const report = await backend.ingest(records, shape);
    if (report.alerts.length > 0) {
      await alerts.put(report.alerts);
      if (options.audit !== undefined && options.auditAlerts !== false) {
        await options.audit.append(
          report.alerts.map((a) => ({ type: "alert", id: a.id, rule: a.ruleId, severity: a.severity, group: a.groupKey, count: a.count, firstTime: a.firstTime, lastTime: a.lastTime, message: a.message })),
        );
      }
      for (const alert of report.alerts) hub.publish("alert", alert);
    }
    if (report.events.length > 0) {
      // One message per ingest call: the count and the latest few events, so a
      // bulk load of 100,000 events is one message, not 100,000.
      hub.publish("events", { accepted: report.accepted, duplicates: report.duplicates, rejected: report.rejected.length, latest: report.events.slice(-20) });
    }
    return report;
  };

  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);
  app.set("query parser", "simple");

  app.get("/health", async (_req: Request, res: Response) => {
    res.json({ status: "ok", uptimeMs: now() - started, stream: hub.stats, counters: await backend.counters() });
  });

  const api = express.Router();
  if (options.rateLimit !== false) {
    const limits = options.rateLimit ?? { windowMs: 60_000, limit: 6000 };
    api.use(
      rateLimit({
        windowMs: limits.windowMs,
        limit: limits.limit,
        standardHeaders: "draft-8",
        legacyHeaders: false,
        handler: (_req: Request, _res: Response, next: NextFunction) => next(new HttpProblem(429, `more than ${limits.limit} requests in ${limits.windowMs} ms; retry later`)),
      }),
    );
  }
  if (keys !== undefined) {
    api.use((req: Request, _res: Response, next: NextFunction) => {
      if (keys.accepts(ApiKeys.fromHeaders(req.headers))) next();
      else next(new HttpProblem(401, "a valid API key is required (Authorization: Bearer <key> or X-API-Key)"));
    });
  }
  api.use(express.json({ limit: bulkLimit, type: ["application/json", "application/*+json"], strict: false }));
  // NDJSON stays bytes (routes.ts finds the lines in them and decodes each
  // line by itself): express.text would decode the body to one string first,
  // a second copy of up to `bulk` bytes for nothing.
  api.use(express.raw({ limit: bulkLimit, type: ["application/x-ndjson", "application/jsonl", "application/jsonlines"] }));

  const context: RouteContext = { z, backend, alerts, audit: options.audit, reports: options.reports, hub, ingest, singleLimit, now };
  const routes = buildRoutes(context);
  for (const route of routes) {
    api[route.method](route.path, async (req: Request, res: Response) => {
      await route.run(req, res);
    });
  }
  const openapi = openApiDocument(z, routes, keys !== undefined);
  api.get("/openapi.json", (_req: Request, res: Response) => {
    res.json(openapi);
  });
  api.use((req: Request, _res: Response, next: NextFunction) => next(new HttpProblem(404, `no route ${req.method} ${req.baseUrl}${req.path}`)));
  app.use("/api/v1", api);

  const dashboard = options.dashboard ?? shippedDashboard();
  if (dashboard !== false && dashboard !== undefined) app.use(express.static(dashboard, { index: "index.html", maxAge: 0 }));

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const problem = toProblem(error);
    if (problem.status >= 500) console.error(error);
    res.status(problem.status).type(PROBLEM_JSON).send(JSON.stringify(problem.toJSON(req.originalUrl)));
  });

  let server: Server | undefined;
  return {
    express: app,
    hub,
    alerts,
    openapi,
    ingest,
    listen: (port = 5000, host = "127.0.0.1") =>
      new Promise((resolve, reject) => {
        const listening = app.listen(port, host, (error?: Error) => {
          if (error !== undefined) return reject(error);
          const address = listening.address() as AddressInfo;
          const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
          resolve({ port: address.port, host: address.address, url: `http://${shown}:${address.port}` });
        });
        server = listening;
      }),
    close: async () => {
      hub.close();
      if (server !== undefined) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      await alerts.close();
    },
  };
}

function toProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof AlertStoreError) return new HttpProblem(error.code === "not-found" ? 404 : 409, error.message);
  if (error instanceof InvalidArgumentError) return new HttpProblem(400, error.message);
  if (error instanceof PaperTrailError) return new HttpProblem(400, error.message);
  // body-parser's errors carry `type` and `status`.
  const parserError = error as { type?: string; status?: number; message?: string };
  if (parserError?.type === "entity.too.large") return new HttpProblem(413, "the request body is larger than the server accepts");
  if (parserError?.type === "entity.parse.failed") return new HttpProblem(400, "the request body is not valid JSON", [{ field: "body", message: "not valid JSON" }]);
  if (parserError?.type === "encoding.unsupported" || parserError?.type === "charset.unsupported") return new HttpProblem(415, parserError.message ?? "unsupported encoding");
  if (typeof parserError?.status === "number" && parserError.status >= 400 && parserError.status < 500) return new HttpProblem(parserError.status, parserError.message ?? "bad request");
  return new HttpProblem(500, "internal error");
}

/** The dashboard directory shipped in the package (dashboard/ beside dist/), if present. */
function shippedDashboard(): string | undefined {
  for (const candidate of [join(moduleDir(), "..", "..", "dashboard"), join(moduleDir(), "..", "dashboard")]) {
    try {
      readFileSync(join(candidate, "index.html"));
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function moduleDir(): string {
  // tsup's shims give the CommonJS build an import.meta.url too.
  return dirname(fileURLToPath(import.meta.url));
}

/** The OpenAPI 3.1 document of the route table. */
function openApiDocument(z: typeof Zod.z, routes: ReturnType<typeof buildRoutes>, secured: boolean): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const problem = { description: "problem details (RFC 9457)", content: { [PROBLEM_JSON]: { schema: { $ref: "#/components/schemas/Problem" } } } };
  for (const route of routes) {
    const path = `/api/v1${route.path.replace(/:([A-Za-z_]+)/g, "{$1}")}`;
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ["path", route.params],
      ["query", route.query],
    ] as const) {
      if (schema === undefined) continue;
      const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, property] of Object.entries(json.properties ?? {})) {
        parameters.push({ name, in: where, required: where === "path" || (json.required ?? []).includes(name), schema: property });
      }
    }
    paths[path] ??= {};
    paths[path]![route.method] = {
      summary: route.summary,
      operationId: route.operationId,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body !== undefined
        ? { requestBody: { required: true, content: Object.fromEntries(route.bodyTypes.map((type) => [type, { schema: z.toJSONSchema(route.body!, { io: "input", unrepresentable: "any" }) }])) } }
        : {}),
      responses: { [String(route.status)]: { description: route.responseDescription }, "400": problem, ...(secured ? { "401": problem } : {}), "429": problem },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "PaperTrail compliance API", version: "1" },
    servers: [{ url: "/" }],
    paths,
    components: {
      schemas: {
        Problem: {
          type: "object",
          properties: {
            type: { type: "string" },
            title: { type: "string" },
            status: { type: "integer" },
            detail: { type: "string" },
            instance: { type: "string" },
            errors: { type: "array", items: { type: "object", properties: { field: { type: "string" }, message: { type: "string" } }, required: ["field", "message"] } },
          },
          required: ["type", "title", "status"],
        },
      },
      ...(secured ? { securitySchemes: { bearer: { type: "http", scheme: "bearer" }, apiKey: { type: "apiKey", in: "header", name: "X-API-Key" } } } : {}),
    },
    ...(secured ? { security: [{ bearer: [] }, { apiKey: [] }] } : {}),
  };
}

