// Builds ComplianceEvent objects for the Sigma tests: every field present
// (undefined when not given), as the extraction configs produce them.
import type { ComplianceEvent } from "../../src/compliance/index.js";

export function event(fields: Partial<ComplianceEvent> = {}): ComplianceEvent {
  return {
    kind: "log",
    time: 0,
    user: undefined,
    system: undefined,
    ip: undefined,
    session: undefined,
    status: undefined,
    outcome: undefined,
    level: undefined,
    message: undefined,
    value: undefined,
    metrics: undefined,
    id: undefined,
    raw: {},
    ...fields,
  };
}
