// Builds ComplianceEvent objects for the Sigma tests: every field present
// (undefined when not given), as the extraction configs produce them; time 0
// unless given. The one full-event builder is compliance-stream.ts's.
import type { ComplianceEvent } from "../../src/compliance/index.js";
import { makeEvent } from "./compliance-stream.js";

export function event(fields: Partial<ComplianceEvent> = {}): ComplianceEvent {
  return makeEvent({ time: 0, ...fields });
}
