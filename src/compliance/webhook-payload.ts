/**
 * Alerts as Slack and Discord webhook JSON, within each service's size
 * limits (Slack Block Kit: header text 150 characters, section text 3,000,
 * at most 10 section fields of 2,000; Discord embeds: title 256,
 * description 4,096, at most 25 fields, field name 256, field value 1,024,
 * footer 2,048, 6,000 in all, message content 2,000).
 *
 * @module
 */
import type { Alert, Severity } from "./alert.js";
import type { ComplianceEvent } from "./event.js";

/** Cuts `text` to at most `max` UTF-16 units, ending in "…", never splitting a surrogate pair. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** Discord and Slack refuse empty texts (field values, titles, section text): a dash stands for "nothing". */
function nonEmpty(text: string): string {
  return text.trim() === "" ? "—" : text;
}

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

function evidenceLine(event: ComplianceEvent): string {
  const parts = [iso(event.time), event.kind];
  if (event.user !== undefined) parts.push(`user=${event.user}`);
  if (event.ip !== undefined) parts.push(`ip=${event.ip}`);
  if (event.system !== undefined) parts.push(`system=${event.system}`);
  if (event.status !== undefined) parts.push(`status=${event.status}`);
  if (event.value !== undefined) parts.push(`value=${event.value}`);
  return parts.join(" ");
}

/** The latest evidence events, one line each, within `max` characters. */
function evidenceText(alert: Alert, max: number): string {
  const lines: string[] = [];
  let length = 0;
  for (let i = alert.evidence.length - 1; i >= 0 && lines.length < 5; i--) {
    const line = truncate(evidenceLine(alert.evidence[i]!), 200);
    if (length + line.length + 1 > max) break;
    lines.unshift(line);
    length += line.length + 1;
  }
  return lines.join("\n");
}

/** The alert's facts as (name, value) pairs, in display order. */
function facts(alert: Alert): [string, string][] {
  const list: [string, string][] = [
    ["Severity", alert.severity],
    ["Rule", alert.ruleId],
  ];
  if (alert.groupKey !== "") list.push(["Group", alert.groupKey]);
  if (alert.system !== undefined) list.push(["System", alert.system]);
  if (alert.user !== undefined) list.push(["User", alert.user]);
  list.push(["Count", String(alert.count)]);
  if (alert.value !== undefined) list.push(["Value", String(alert.value)]);
  list.push(["Window", `${iso(alert.window.from)} – ${iso(alert.window.to)}`]);
  if (alert.type === "summary" || alert.suppressed > 0) list.push(["Suppressed", String(alert.suppressed)]);
  return list;
}

function headline(alert: Alert): string {
  return alert.type === "summary" ? `Summary: ${alert.title}` : alert.title;
}

/** Slack mrkdwn: `&`, `<` and `>` must be escaped (also keeps `<!channel>` out). */
function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Code-block text that cannot close its block early. */
function fenceSafe(text: string): string {
  return text.replace(/```/g, "`\u200b``");
}

/**
 * The Slack incoming-webhook payload of an alert: `text` (the notification
 * fallback) and Block Kit `blocks` — a header, the message, the facts as
 * section fields, the evidence as a code block, and the alert id.
 *
 * @example
 * ```ts
 * import { formatSlackPayload, type Alert } from "papertrail/compliance";
 * const alert: Alert = {
 *   id: "bf:203.0.113.7:1767603600000", type: "alert", ruleId: "brute-force", title: "Brute force", severity: "high",
 *   groupKey: "203.0.113.7", group: { ip: "203.0.113.7" }, system: "auth", user: undefined,
 *   window: { from: 1767603600000, to: 1767603900000 }, count: 5, value: undefined,
 *   firstTime: 1767603600000, lastTime: 1767603840000, suppressed: 0,
 *   message: "5 failed logins from 203.0.113.7 within 300 s", evidence: [], tags: [],
 * };
 * const payload = formatSlackPayload(alert);
 * payload.text; // => "[HIGH] Brute force: 5 failed logins from 203.0.113.7 within 300 s"
 * payload.blocks[0]; // => { type: "header", text: { type: "plain_text", text: "Brute force" } }
 * ```
 */
export function formatSlackPayload(alert: Alert): SlackPayload {
  const blocks: SlackBlock[] = [
    { type: "header", text: { type: "plain_text", text: truncate(nonEmpty(headline(alert)), 150) } },
    { type: "section", text: { type: "mrkdwn", text: truncate(slackEscape(nonEmpty(alert.message)), 3000) } },
    {
      type: "section",
      fields: facts(alert)
        .slice(0, 10)
        .map(([name, value]) => ({ type: "mrkdwn" as const, text: truncate(`*${name}*\n${slackEscape(value)}`, 2000) })),
    },
  ];
  const evidence = evidenceText(alert, 2900);
  if (evidence !== "") blocks.push({ type: "section", text: { type: "mrkdwn", text: `\`\`\`${fenceSafe(slackEscape(evidence))}\`\`\`` } });
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: truncate(slackEscape(nonEmpty(`${alert.id}${alert.tags.length > 0 ? ` · ${alert.tags.join(", ")}` : ""}`)), 3000) }] });
  return { text: truncate(`[${alert.severity.toUpperCase()}] ${headline(alert)}: ${alert.message}`, 3000), blocks };
}

/**
 * A Slack Block Kit block as {@link formatSlackPayload} writes them.
 *
 * @example
 * ```ts
 * import type { SlackBlock } from "papertrail/compliance";
 * const block: SlackBlock = { type: "section", text: { type: "mrkdwn", text: "*hi*" } };
 * block.type; // => "section"
 * ```
 */
export type SlackBlock =
  | { readonly type: "header"; readonly text: { readonly type: "plain_text"; readonly text: string } }
  | { readonly type: "section"; readonly text: { readonly type: "mrkdwn"; readonly text: string } }
  | { readonly type: "section"; readonly fields: readonly { readonly type: "mrkdwn"; readonly text: string }[] }
  | { readonly type: "context"; readonly elements: readonly { readonly type: "mrkdwn"; readonly text: string }[] };

/**
 * The JSON body posted to a Slack incoming webhook.
 *
 * @example
 * ```ts
 * import type { SlackPayload } from "papertrail/compliance";
 * const payload: SlackPayload = { text: "hello", blocks: [] };
 * payload.text; // => "hello"
 * ```
 */
export interface SlackPayload {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

const SEVERITY_COLORS: Record<Severity, number> = {
  informational: 0x95a5a6,
  low: 0x3498db,
  medium: 0xf1c40f,
  high: 0xe67e22,
  critical: 0xe74c3c,
};

/**
 * The Discord webhook payload of an alert: one embed (title, message,
 * colour by severity, the facts as inline fields, the evidence, the alert
 * id in the footer, the last event time as the timestamp), and
 * `allowed_mentions: { parse: [] }` so that text in an alert can never ping
 * `@everyone` or a role.
 *
 * @example
 * ```ts
 * import { formatDiscordPayload, type Alert } from "papertrail/compliance";
 * const alert: Alert = {
 *   id: "spike::1767603600000", type: "summary", ruleId: "error-spike", title: "Error spike", severity: "medium",
 *   groupKey: "", group: {}, system: "api", user: undefined,
 *   window: { from: 1767603600000, to: 1767603780000 }, count: 20, value: undefined,
 *   firstTime: 1767603600000, lastTime: 1767603700000, suppressed: 4312,
 *   message: "seen 4,312 more times", evidence: [], tags: [],
 * };
 * const embed = formatDiscordPayload(alert).embeds[0]!;
 * [embed.title, embed.color]; // => ["Summary: Error spike", 0xf1c40f]
 * embed.fields.find((f) => f.name === "Suppressed")?.value; // => "4312"
 * ```
 */
export function formatDiscordPayload(alert: Alert): DiscordPayload {
  const fields: DiscordField[] = facts(alert).map(([name, value]) => ({ name, value: truncate(nonEmpty(value), 256), inline: name !== "Window" }));
  const evidence = evidenceText(alert, 1000);
  if (evidence !== "") fields.push({ name: "Evidence", value: truncate(`\`\`\`\n${fenceSafe(evidence)}\n\`\`\``, 1024), inline: false });
  return {
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: truncate(nonEmpty(headline(alert)), 256),
        description: truncate(nonEmpty(alert.message), 2000),
        color: SEVERITY_COLORS[alert.severity] ?? SEVERITY_COLORS.medium,
        fields: fields.slice(0, 25),
        footer: { text: truncate(nonEmpty(alert.id), 256) },
        timestamp: iso(alert.lastTime),
      },
    ],
  };
}

/**
 * A field of a Discord embed.
 *
 * @example
 * ```ts
 * import type { DiscordField } from "papertrail/compliance";
 * const field: DiscordField = { name: "Severity", value: "high", inline: true };
 * field.value; // => "high"
 * ```
 */
export interface DiscordField {
  readonly name: string;
  /** At most 1,024 characters. */
  readonly value: string;
  readonly inline: boolean;
}

/**
 * The JSON body posted to a Discord webhook.
 *
 * @example
 * ```ts
 * import type { DiscordPayload } from "papertrail/compliance";
 * const payload: DiscordPayload = { allowed_mentions: { parse: [] }, embeds: [] };
 * payload.embeds.length; // => 0
 * ```
 */
export interface DiscordPayload {
  readonly content?: string;
  readonly allowed_mentions: { readonly parse: readonly string[] };
  readonly embeds: readonly {
    readonly title: string;
    readonly description: string;
    readonly color: number;
    readonly fields: readonly DiscordField[];
    readonly footer: { readonly text: string };
    readonly timestamp: string;
  }[];
}
