/**
 * The refusal `loadSigmaRules` throws for a rule it cannot load exactly.
 *
 * @module
 */
import { brand } from "../../brand.js";
import { InvalidArgumentError } from "../../errors.js";

/**
 * Thrown by {@link loadSigmaRules} when a rule uses a construct outside the
 * supported subset (docs/sigma.md) or is malformed: the rule is refused at
 * load time rather than loaded half-understood. `rule` names the rule (its
 * title, id and name as far as known) and `construct` the offending part
 * (a modifier, a condition token, a correlation key...).
 *
 * @example
 * ```ts
 * import { InvalidArgumentError, SigmaRuleError, loadSigmaRules } from "papertrail/compliance";
 * let caught: unknown;
 * try {
 *   loadSigmaRules("title: Encoded\ndetection:\n  selection:\n    CommandLine|base64: whoami\n  condition: selection\n");
 * } catch (e) { caught = e; }
 * caught instanceof SigmaRuleError && caught instanceof InvalidArgumentError; // => true
 * (caught as SigmaRuleError).construct; // => "modifier base64"
 * (caught as SigmaRuleError).rule; // => "\"Encoded\""
 * ```
 */
export class SigmaRuleError extends InvalidArgumentError {
  override readonly name: string = "SigmaRuleError";
  /** The rule: its title, id and name as far as the document gives them. */
  readonly rule: string;
  /** The construct that was refused (`modifier base64`, `condition`, `correlation type`...). */
  readonly construct: string;

  constructor(rule: string, construct: string, detail: string) {
    super(`Sigma rule ${rule}: ${construct}: ${detail}`);
    this.rule = rule;
    this.construct = construct;
  }
}

brand(SigmaRuleError, "SigmaRuleError");
