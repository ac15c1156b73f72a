// The compliance server on its own, configured from the environment:
//   PORT (5000), HOST (127.0.0.1), DATABASE_URL (alerts in PostgreSQL),
//   REDIS_URL (sketches in Redis, shared by several servers),
//   PAPERTRAIL_API_KEYS (comma-separated), PAPERTRAIL_PSEUDONYM_KEY,
//   PAPERTRAIL_DEDUP_KEY (16 bytes, base64), PAPERTRAIL_IDENTITIES=plain.
//
//   npm run build && node examples/server/index.mjs
import { configFromEnv, startServer } from "./start.mjs";

const server = await startServer(configFromEnv());
console.log(`PaperTrail compliance server on ${server.url} (dashboard at ${server.url}/, API at ${server.url}/api/v1, OpenAPI at ${server.url}/api/v1/openapi.json)`);
const stop = async () => {
  await server.app.close();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
