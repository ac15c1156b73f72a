/**
 * The binary image of a `ComplianceMonitor` (docs/format.md, "Compliance
 * monitor"): one `createEnvelope` envelope holding a map whose `windows`
 * field is the `TimeWindows` image of the per-system buckets and whose
 * `rules` and `allowList` fields carry those components' own images.
 *
 * @module
 */
import { createEnvelope } from "../codec/envelope.js";
import { DecodeError } from "../errors.js";
import { describeValue } from "../sketches/sketch.js";

const FORMAT = "papertrail.compliance-monitor";
const VERSION = 1;
const FIELDS = ["format", "version", "metrics", "identities", "keyCheck", "defaultSystem", "invalid", "accepted", "windows", "rules", "allowList"] as const;
const envelope = createEnvelope({ maxDepth: 8 });

/** @internal */
export interface MonitorImage {
  /** The metric set's signature (names, kinds, fields, sketch parameters). */
  readonly metrics: string;
  readonly identities: "pseudonymized" | "plain";
  /** 16 hex digits of HMAC(key, a fixed text): tells whether a restoring key is the writer's. */
  readonly keyCheck: string | null;
  readonly defaultSystem: string | null;
  readonly invalid: number;
  readonly accepted: number;
  readonly windows: Uint8Array;
  readonly rules: Uint8Array | null;
  readonly allowList: Uint8Array | null;
}

/** @internal */
export function writeMonitorImage(image: MonitorImage): Uint8Array<ArrayBuffer> {
  return envelope.encode({ format: FORMAT, version: VERSION, ...image });
}

function fail(message: string): never {
  throw new DecodeError("invalid-field", `compliance monitor image: ${message}`);
}

const isCount = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/** @internal */
export function readMonitorImage(bytes: Uint8Array): MonitorImage & { mismatch(message: string): never } {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError("malformed", `compliance monitor image: expected a Uint8Array, got ${describeValue(bytes)}`);
  const value = envelope.decode(bytes);
  if (value === null || typeof value !== "object" || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) fail("not a map");
  const map = value as Record<string, unknown>;
  if (map["format"] !== FORMAT) throw new DecodeError("wrong-family", `compliance monitor image: format is ${describeValue(map["format"])}, not ${FORMAT}`);
  if (map["version"] !== VERSION) throw new DecodeError("unsupported-version", `compliance monitor image: version ${describeValue(map["version"])} (this library reads ${VERSION})`);
  for (const key of Object.keys(map)) if (!(FIELDS as readonly string[]).includes(key)) fail(`unknown field ${JSON.stringify(key)}`);
  const { metrics, identities, keyCheck, defaultSystem, invalid, accepted, windows, rules, allowList } = map;
  if (typeof metrics !== "string") fail("metrics must be a string");
  if (identities !== "pseudonymized" && identities !== "plain") fail(`identities must be "pseudonymized" or "plain", got ${describeValue(identities)}`);
  if (keyCheck !== null && (typeof keyCheck !== "string" || !/^[0-9a-f]{16}$/.test(keyCheck))) fail("keyCheck must be null or 16 hex digits");
  if (defaultSystem !== null && typeof defaultSystem !== "string") fail("defaultSystem must be a string or null");
  if (!isCount(invalid)) fail("invalid must be a count");
  if (!isCount(accepted)) fail("accepted must be a count");
  if (!(windows instanceof Uint8Array)) fail("windows must be bytes");
  if (rules !== null && !(rules instanceof Uint8Array)) fail("rules must be bytes or null");
  if (allowList !== null && !(allowList instanceof Uint8Array)) fail("allowList must be bytes or null");
  return {
    metrics,
    identities,
    keyCheck: keyCheck as string | null,
    defaultSystem: defaultSystem as string | null,
    invalid,
    accepted,
    windows,
    rules: rules as Uint8Array | null,
    allowList: allowList as Uint8Array | null,
    mismatch: (message: string): never => fail(message),
  };
}
