// Builds the compliance server from configuration: the embedded pipeline, or
// sketches in Redis shared by several servers (REDIS_URL), alerts in memory or
// in PostgreSQL (DATABASE_URL), API keys, and the port and address to listen
// on. examples/server/index.mjs and the demo both use it.
import { randomBytes } from "node:crypto";
import { AuditLog } from "papertrail/compliance";
import { generateNoteKey, NoteSigner, openFileAuditLog } from "papertrail/compliance/node";
import { RedisSketchStore } from "papertrail/redis";
import {
  createAuditBackend,
  createComplianceApp,
  createComplianceBackend,
  createRedisComplianceBackend,
  createReportBackend,
  MemoryAlertStore,
  PostgresAlertStore,
} from "papertrail/server";

/**
 * @param {{ port?: number, host?: string, databaseUrl?: string, redisUrl?: string, apiKeys?: string[], pseudonymKey?: string, dedupKey?: string, dedupCapacity?: number, identities?: "plain" | "pseudonymized", auditFile?: string, auditOrigin?: string, auditKey?: string, log?: (line: string) => void }} config
 */
export async function startServer(config = {}) {
  const log = config.log ?? ((line) => console.log(line));
  const identities = config.identities ?? "pseudonymized";
  let pseudonymKey = config.pseudonymKey;
  if (identities === "pseudonymized" && pseudonymKey === undefined) {
    pseudonymKey = randomBytes(32).toString("base64");
    log("pseudonyms: no PAPERTRAIL_PSEUDONYM_KEY given, so a key was generated for this run (pseudonyms change at restart)");
  }
  const dedupKey = config.dedupKey === undefined ? randomBytes(16) : Buffer.from(config.dedupKey, "base64");
  if (dedupKey.length !== 16) throw new Error("PAPERTRAIL_DEDUP_KEY must be 16 bytes in base64");
  let backend;
  let redis;
  if (config.redisUrl) {
    // Sketches, systems, totals, per-minute counts and dedup marks in Redis, shared by every
    // server on it; rules and the allow-list stay per process. The store gets its own
    // connection: its transactions WATCH keys on it. Every server needs the same pseudonym key.
    const { createClient } = await import("redis");
    const client = createClient({ url: config.redisUrl });
    client.on("error", (error) => log(`redis: ${error.message}`));
    await client.connect();
    const storeClient = client.duplicate();
    storeClient.on("error", (error) => log(`redis (store): ${error.message}`));
    await storeClient.connect();
    redis = { client, storeClient };
    backend = createRedisComplianceBackend({ client, store: new RedisSketchStore(storeClient), identities, ...(identities === "plain" ? {} : { pseudonymKey }) });
    log("sketches: Redis (REDIS_URL), shared by every server on it; rules and the allow-list per process");
  } else {
    backend = createComplianceBackend({
      monitor: identities === "plain" ? { identities } : { identities, pseudonymKey },
      // Sized for a million distinct event ids an hour at a false-positive rate of 1e-6 (about 4 MB).
      dedup: { key: new Uint8Array(dedupKey), capacity: config.dedupCapacity ?? 1_000_000, ttl: 3_600_000 },
    });
    log("sketches: in memory (embedded; set REDIS_URL to share them between servers)");
  }
  const alerts = config.databaseUrl ? await PostgresAlertStore.connect(config.databaseUrl, { onIdleError: (error) => log(`postgres: ${error.message}`) }) : new MemoryAlertStore();
  log(`alerts: ${config.databaseUrl ? "PostgreSQL (DATABASE_URL)" : "in memory"}`);
  // The audit log: a JSON-lines file (PAPERTRAIL_AUDIT_FILE) or memory; checkpoints signed with PAPERTRAIL_AUDIT_KEY or a key made for this run.
  const origin = config.auditOrigin ?? "papertrail.local/audit";
  let signerKey = config.auditKey;
  if (signerKey === undefined) {
    const keys = generateNoteKey(origin);
    signerKey = keys.signerKey;
    log(`audit: checkpoints signed with a key generated for this run; verifier key ${keys.verifierKey}`);
  }
  const auditLog = config.auditFile ? openFileAuditLog(config.auditFile, { origin }) : new AuditLog({ origin });
  const audit = createAuditBackend({ log: auditLog, signers: [NoteSigner.fromKey(signerKey)] });
  const dedup = "pipeline" in backend ? backend.pipeline.dedup : undefined;
  const reports = createReportBackend({
    backend,
    alerts,
    audit,
    dedup: () => (dedup === undefined ? undefined : { checked: dedup.stats.checked, duplicates: dedup.stats.duplicates, falsePositiveRate: dedup.stats.falsePositiveBound }),
  });
  const app = await createComplianceApp({ backend, alerts, audit, reports, apiKeys: config.apiKeys?.length ? config.apiKeys : undefined });
  const address = await app.listen(config.port ?? 5000, config.host ?? "127.0.0.1");
  if (redis !== undefined) {
    // Closing the app closes the Redis connections too.
    const close = app.close;
    app.close = async () => {
      await close();
      await Promise.all([redis.client.close(), redis.storeClient.close()]);
    };
  }
  return { app, backend, ...address };
}

/** The configuration from the environment (PORT, HOST, DATABASE_URL, REDIS_URL, PAPERTRAIL_API_KEYS, PAPERTRAIL_PSEUDONYM_KEY, PAPERTRAIL_DEDUP_KEY). */
export function configFromEnv(env = process.env) {
  const port = env.PORT === undefined ? 5000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${env.PORT}`);
  return {
    port,
    host: env.HOST ?? "127.0.0.1",
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    apiKeys: env.PAPERTRAIL_API_KEYS ? env.PAPERTRAIL_API_KEYS.split(",").map((key) => key.trim()).filter(Boolean) : undefined,
    pseudonymKey: env.PAPERTRAIL_PSEUDONYM_KEY || undefined,
    dedupKey: env.PAPERTRAIL_DEDUP_KEY || undefined,
    identities: env.PAPERTRAIL_IDENTITIES === "plain" ? "plain" : "pseudonymized",
    auditFile: env.PAPERTRAIL_AUDIT_FILE || undefined,
    auditOrigin: env.PAPERTRAIL_AUDIT_ORIGIN || undefined,
    auditKey: env.PAPERTRAIL_AUDIT_KEY || undefined,
  };
}
