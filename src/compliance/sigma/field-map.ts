/**
 * Sigma field names → {@link EventField}: the default map and how a name
 * without an entry is resolved.
 *
 * @module
 */
import type { EventField } from "../event.js";
import { isEventField } from "./field-accessor.js";

/**
 * The field mapping `loadSigmaRules` starts from: common Sigma / Windows /
 * ECS / application-log field names onto the normalized fields of
 * {@link ComplianceEvent}. A name maps here only where the normalized field
 * means the same thing; any other name reads the original record
 * (`raw.<name>`, dot-separated as a path), so `EventID` reads
 * `raw.EventID`. Field names are case-sensitive, as in Sigma. Override or
 * extend it with the `fieldMap` option (docs/sigma.md, "Field mapping").
 *
 * @example
 * ```ts
 * import { SIGMA_DEFAULT_FIELD_MAP } from "papertrail/compliance";
 * SIGMA_DEFAULT_FIELD_MAP.TargetUserName; // => "user"
 * SIGMA_DEFAULT_FIELD_MAP["source.ip"]; // => "ip"
 * SIGMA_DEFAULT_FIELD_MAP.EventID; // => undefined
 * ```
 */
export const SIGMA_DEFAULT_FIELD_MAP: Readonly<Record<string, EventField>> = Object.freeze({
  // who
  User: "user",
  user: "user",
  "user.name": "user",
  UserName: "user",
  username: "user",
  user_id: "user",
  TargetUserName: "user",
  // source address
  SourceIp: "ip",
  SourceIP: "ip",
  SourceAddress: "ip",
  src_ip: "ip",
  "source.ip": "ip",
  "client.ip": "ip",
  ClientIP: "ip",
  IpAddress: "ip",
  ip: "ip",
  // what happened
  EventType: "kind",
  event_type: "kind",
  "event.action": "kind",
  kind: "kind",
  // status as written, and normalized
  Status: "status",
  status: "status",
  outcome: "outcome",
  "event.outcome": "outcome",
  // log fields
  Level: "level",
  level: "level",
  "log.level": "level",
  Message: "message",
  message: "message",
  // system / service
  System: "system",
  system: "system",
  Service: "system",
  service: "system",
  "service.name": "system",
  // session
  SessionId: "session",
  session: "session",
  session_id: "session",
  "session.id": "session",
  // the event's number and time
  value: "value",
  time: "time",
});

/**
 * Resolves a Sigma field name: the map's entry; else the name itself when it
 * already is an event field (`metrics.cpu`, `raw.metadata.ip`); else
 * `raw.<name>`, or `undefined` when `strict` (the caller refuses the rule).
 */
export function resolveSigmaField(name: string, map: Readonly<Record<string, EventField>>, strict: boolean): EventField | undefined {
  if (Object.prototype.hasOwnProperty.call(map, name)) return map[name];
  if (name.startsWith("metrics.") || name.startsWith("raw.")) return isEventField(name) ? name : undefined;
  if (strict) return undefined;
  const path = `raw.${name}`;
  return isEventField(path) ? path : undefined;
}
