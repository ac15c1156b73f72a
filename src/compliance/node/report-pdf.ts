/**
 * A compliance report as PDF, drawn with pdfkit. pdfkit is an optional
 * peer dependency, loaded on the first render: the rest of
 * `papertrail/compliance/node` works without it.
 *
 * Text uses the standard PDF fonts (Helvetica, Courier for hashes and the
 * signed note), which are not embedded and show only the WinAnsi (CP1252)
 * characters: any other character is printed as `?` and the last page says
 * how many were (see win-ansi-text.ts). The JSON and CSV forms of the same
 * report keep the exact text.
 *
 * @module
 */
import type PDFDocument from "pdfkit";
import { InvalidArgumentError, PaperTrailError } from "../../errors.js";
import { checkOptionKeys } from "../../sketches/sketch.js";
import type { AlertCounts, ComplianceReport } from "../report.js";
import { REPLACEMENT, toWinAnsi } from "./win-ansi-text.js";

/**
 * Options of {@link renderComplianceReportPdf}.
 *
 * - `creationDate`: the PDF's creation date (its `/CreationDate` and the
 *   file identifier derived from it). Defaults to the report's
 *   `generatedAt`, so rendering the same report twice gives the same bytes.
 * - `pageSize`: `"A4"` (default) or `"LETTER"`.
 *
 * @example
 * ```ts
 * import type { ReportPdfOptions } from "papertrail/compliance/node";
 * const options: ReportPdfOptions = { creationDate: new Date(Date.UTC(2026, 0, 6)), pageSize: "LETTER" };
 * options.pageSize; // => "LETTER"
 * ```
 */
export interface ReportPdfOptions {
  readonly creationDate?: Date | undefined;
  readonly pageSize?: "A4" | "LETTER" | undefined;
}

/** Rows of a frequency metric printed before "… n more" (the JSON and CSV hold them all). */
const MAX_FREQUENCY_ROWS = 50;
/** Characters and lines of one table cell printed before an ellipsis: a row never outgrows a page. */
const MAX_CELL_CHARS = 600;
const MAX_CELL_LINES = 12;
const FONT = "Helvetica";
const BOLD = "Helvetica-Bold";
const MONO = "Courier";
/** Courier's advance width: 600/1000 em for every glyph (its AFM metrics). */
const COURIER_ADVANCE = 0.6;
const GREY = "#666666";

interface Column {
  readonly header: string;
  /** Share of the text width. */
  readonly width: number;
  readonly align?: "left" | "right";
  readonly mono?: boolean;
}

function formatTime(time: number | null): string {
  if (time === null) return "-";
  return new Date(time).toISOString().replace("T", " ").replace(".000Z", "Z");
}

/** The present ones of an alert's system, user and group, one a line, or "-". */
function whoAndWhere(system: string | null, user: string | null, groupKey: string): string {
  const lines: string[] = [];
  if (system !== null) lines.push(system);
  if (user !== null) lines.push(`user ${user}`);
  if (groupKey !== "") lines.push(`group ${groupKey}`);
  return lines.length === 0 ? "-" : lines.join("\n");
}

/** "1 alert", "2 alerts". */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** Integers as they are; other numbers to 6 significant digits; `null` as "-". */
function formatNumber(value: number | null): string {
  if (value === null) return "-";
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

/** Draws the report on a pdfkit document: one method per section. */
class ReportWriter {
  /** Characters printed as `?`. */
  replaced = 0;

  constructor(private readonly doc: PDFKit.PDFDocument) {}

  private get left(): number {
    return this.doc.page.margins.left;
  }

  private get width(): number {
    return this.doc.page.width - this.doc.page.margins.left - this.doc.page.margins.right;
  }

  private get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }

  /** WinAnsi-safe text, counting replacements. */
  private safe(text: string, multiline = false): string {
    const result = toWinAnsi(text, multiline);
    this.replaced += result.replaced;
    return result.text;
  }

  /** Starts a new page unless `height` points fit below the cursor. */
  private room(height: number): void {
    if (this.doc.y + height > this.bottom) this.doc.addPage();
  }

  heading(text: string, size: number): void {
    this.room(size * 4);
    this.doc.moveDown(0.6).font(BOLD).fontSize(size).fillColor("black").text(this.safe(text), this.left, this.doc.y, { width: this.width });
    this.doc.moveDown(0.2);
  }

  paragraph(text: string, options: { grey?: boolean; size?: number } = {}): void {
    const size = options.size ?? 10;
    this.room(size * 2);
    this.doc.font(FONT).fontSize(size).fillColor(options.grey === true ? GREY : "black").text(this.safe(text), this.left, this.doc.y, { width: this.width });
    this.doc.fillColor("black");
  }

  /** Label–value lines. */
  facts(pairs: readonly (readonly [string, string])[]): void {
    for (const [label, value] of pairs) {
      this.room(14);
      this.doc.font(BOLD).fontSize(10).text(`${this.safe(label)}: `, this.left, this.doc.y, { continued: true, width: this.width });
      this.doc.font(FONT).text(this.safe(value));
    }
  }

  /** Monospace text kept line for line: the font shrinks (down to 5 pt) until the longest line fits. */
  mono(text: string): void {
    const safe = this.safe(text, true).replace(/\n$/, "");
    const longest = Math.max(1, ...safe.split("\n").map((line) => line.length));
    const size = Math.max(5, Math.min(9, this.width / (longest * COURIER_ADVANCE)));
    this.room(size * 3);
    this.doc.font(MONO).fontSize(size).fillColor("black").text(safe, this.left, this.doc.y, { width: this.width, lineGap: 1 });
    this.doc.font(FONT);
  }

  /** A table whose header repeats at the top of every page it spans. */
  table(columns: readonly Column[], rows: readonly (readonly string[])[]): void {
    const doc = this.doc;
    const widths = columns.map((column) => column.width * this.width);
    const pad = 2;
    const cellText = (text: string): string => {
      const lines = this.safe(text, true).split("\n");
      const kept = lines.length > MAX_CELL_LINES ? [...lines.slice(0, MAX_CELL_LINES - 1), "\u2026"] : lines;
      const joined = kept.join("\n");
      return joined.length > MAX_CELL_CHARS ? `${joined.slice(0, MAX_CELL_CHARS - 1)}\u2026` : joined;
    };
    const fontOf = (column: Column, header: boolean): string => (header ? BOLD : column.mono === true ? MONO : FONT);
    const heightOf = (cells: readonly string[], header: boolean): number =>
      pad * 2 +
      Math.max(
        ...cells.map((cell, i) => {
          const column = columns[i] as Column;
          doc.font(fontOf(column, header)).fontSize(8);
          return doc.heightOfString(cell === "" ? " " : cell, { width: (widths[i] as number) - pad * 2 });
        }),
      );
    const draw = (cells: readonly string[], header: boolean, height: number): void => {
      const y = doc.y;
      let x = this.left;
      if (header) doc.rect(x, y, this.width, height).fillColor("#eeeeee").fill();
      doc.fillColor("black");
      cells.forEach((cell, i) => {
        const column = columns[i] as Column;
        doc.font(fontOf(column, header)).fontSize(8);
        doc.text(cell, x + pad, y + pad, { width: (widths[i] as number) - pad * 2, align: column.align ?? "left" });
        x += widths[i] as number;
      });
      doc.moveTo(this.left, y + height).lineTo(this.left + this.width, y + height).lineWidth(0.3).strokeColor("#bbbbbb").stroke();
      doc.x = this.left;
      doc.y = y + height;
    };
    const header = columns.map((column) => this.safe(column.header));
    const headerHeight = heightOf(header, true);
    const body = rows.map((row) => row.map(cellText));
    const heights = body.map((row) => heightOf(row, false));
    this.room(headerHeight + (heights[0] ?? 0));
    draw(header, true, headerHeight);
    body.forEach((row, i) => {
      const height = heights[i] as number;
      if (doc.y + height > this.bottom) {
        doc.addPage();
        draw(header, true, headerHeight);
      }
      draw(row, false, height);
    });
    doc.moveDown(0.5);
  }

  titleSection(report: ComplianceReport): void {
    const doc = this.doc;
    doc.font(BOLD).fontSize(22).text(this.safe(report.title), this.left, doc.y, { width: this.width });
    doc.moveDown(0.3);
    this.paragraph("PaperTrail compliance report", { grey: true, size: 11 });
    doc.moveDown(0.8);
    const a = report.alerts.total;
    this.facts([
      ["Period", `${formatTime(report.period.from)} to ${formatTime(report.period.to)} (end excluded)`],
      ["Generated", formatTime(report.generatedAt)],
      ["Snapshot taken", formatTime(report.snapshotGeneratedAt)],
      ["Identities", report.pseudonymized ? "keyed pseudonyms" : "as recorded (not pseudonymized)"],
      ["Systems", String(report.systems.length)],
      ["Alerts", `${plural(a.alerts, "alert")}, ${a.summaries} cooldown ${a.summaries === 1 ? "summary" : "summaries"}, ${a.suppressed} suppressed`],
      ["Duplicate events dropped", report.dedup === null ? "not reported" : `${report.dedup.duplicates} of ${report.dedup.checked} checked`],
      ["Audit checkpoint", report.checkpoint === null ? "not included" : `${report.checkpoint.origin}, ${report.checkpoint.size} records`],
    ]);
  }

  systems(report: ComplianceReport): void {
    this.heading("Systems", 16);
    if (report.systems.length === 0) this.paragraph("The snapshot holds no system.");
    for (const s of report.systems) {
      this.heading(`System: ${s.system}`, 13);
      this.facts([
        ["Events", formatNumber(s.events)],
        ["Covered", `${formatTime(s.covered.from)} to ${formatTime(s.covered.to)}`],
      ]);
      if (s.distinct.length > 0) {
        this.heading("Distinct counts", 11);
        this.table(
          [{ header: "Metric", width: 0.36 }, { header: "Estimate", width: 0.16, align: "right" }, { header: "Lower", width: 0.16, align: "right" }, { header: "Upper", width: 0.16, align: "right" }, { header: "Confidence", width: 0.16, align: "right" }],
          s.distinct.map((d) => [d.metric, formatNumber(d.estimate), formatNumber(d.lower), formatNumber(d.upper), formatNumber(d.confidence)]),
        );
      }
      for (const t of s.top) {
        this.heading(`Top ${t.metric}`, 11);
        this.table(
          [{ header: "#", width: 0.08, align: "right" }, { header: "Item", width: 0.56 }, { header: "Count", width: 0.18, align: "right" }, { header: "Overestimate at most", width: 0.18, align: "right" }],
          t.entries.map((e, i) => [String(i + 1), e.item, formatNumber(e.count), formatNumber(e.error)]),
        );
      }
      for (const f of s.frequencies) {
        this.heading(`Frequencies: ${f.metric}`, 11);
        this.table(
          [{ header: "Value", width: 0.7 }, { header: "Count", width: 0.3, align: "right" }],
          f.values.slice(0, MAX_FREQUENCY_ROWS).map((v) => [v.value, formatNumber(v.count)]),
        );
        if (f.values.length > MAX_FREQUENCY_ROWS) this.paragraph(`... and ${f.values.length - MAX_FREQUENCY_ROWS} more values (all of them are in the JSON and CSV reports).`, { grey: true, size: 8 });
      }
      if (s.stats.length > 0) {
        this.heading("Statistics", 11);
        this.table(
          [
            { header: "Metric", width: 0.2 }, { header: "Count", width: 0.1, align: "right" }, { header: "Mean", width: 0.12, align: "right" }, { header: "Std dev", width: 0.12, align: "right" },
            { header: "Min", width: 0.12, align: "right" }, { header: "Max", width: 0.12, align: "right" }, { header: "Quantiles", width: 0.22 },
          ],
          s.stats.map((st) => [
            st.metric, formatNumber(st.count), formatNumber(st.mean), formatNumber(st.stddev), formatNumber(st.min), formatNumber(st.max),
            st.quantiles.map((q) => `q${q.q} = ${formatNumber(q.value)}`).join(", "),
          ]),
        );
      }
    }
  }

  alerts(report: ComplianceReport): void {
    const a = report.alerts;
    this.heading("Alerts", 16);
    this.paragraph(
      `${plural(a.total.alerts, "alert")} and ${a.total.summaries} cooldown ${a.total.summaries === 1 ? "summary" : "summaries"} fired in the period ` +
        `(${plural(a.total.suppressed, "further alert")} suppressed by cooldowns); ${plural(a.outsidePeriod, "alert")} given fired outside it and ${a.outsidePeriod === 1 ? "is" : "are"} not counted.`,
    );
    const countColumns: Column[] = [
      { header: "Alerts", width: 0.09, align: "right" }, { header: "Summaries", width: 0.11, align: "right" }, { header: "Suppressed", width: 0.11, align: "right" },
      { header: "First event", width: 0.17 }, { header: "Last event", width: 0.17 },
    ];
    const counts = (c: AlertCounts): string[] => [String(c.alerts), String(c.summaries), String(c.suppressed), formatTime(c.firstTime), formatTime(c.lastTime)];
    this.heading("By severity", 11);
    this.table([{ header: "Severity", width: 0.35 }, ...countColumns], a.bySeverity.map((s) => [s.severity, ...counts(s)]));
    this.heading("By rule", 11);
    if (a.byRule.length === 0) this.paragraph("No rule fired in the period.");
    else
      this.table(
        [{ header: "Rule", width: 0.2 }, { header: "Severity", width: 0.15 }, ...countColumns],
        a.byRule.map((r) => [`${r.ruleId}\n${r.title}`, r.severity, ...counts(r)]),
      );
    if (a.list.length > 0) {
      this.heading("Alert list", 11);
      if (a.omitted > 0) this.paragraph(`The ${a.list.length} most severe alerts, in time order; ${a.omitted} less severe ones are counted above but not listed.`, { grey: true, size: 8 });
      this.table(
        [{ header: "First / last event", width: 0.2 }, { header: "Severity", width: 0.11 }, { header: "Rule", width: 0.15 }, { header: "System / user / group", width: 0.18 }, { header: "Message", width: 0.36 }],
        a.list.map((x) => [
          `${formatTime(x.firstTime)}\n${formatTime(x.lastTime)}`,
          x.type === "summary" ? `${x.severity} (summary)` : x.severity,
          x.ruleId,
          whoAndWhere(x.system, x.user, x.groupKey),
          x.suppressed > 0 ? `${x.message} (${x.suppressed} suppressed)` : x.message,
        ]),
      );
    }
  }

  dedup(report: ComplianceReport): void {
    this.heading("Duplicate events", 16);
    const d = report.dedup;
    if (d === null) {
      this.paragraph("Not reported.");
      return;
    }
    this.facts([
      ["Events checked", String(d.checked)],
      ["Dropped as duplicates", String(d.duplicates)],
      ["False-positive rate", String(d.falsePositiveRate)],
      ["Real events dropped by a false positive, expected at most", formatNumber(d.falseDropsExpectedAtMost)],
    ]);
  }

  checkpoint(report: ComplianceReport): void {
    this.heading("Audit checkpoint", 16);
    const c = report.checkpoint;
    if (c === null) {
      this.paragraph("Not included.");
      return;
    }
    this.facts([
      ["Origin", c.origin],
      ["Records", String(c.size)],
    ]);
    this.paragraph("Root hash (base64):");
    this.mono(c.root);
    this.doc.moveDown(0.5);
    this.paragraph("Signed note, verbatim (C2SP signed note: checkpoint body, blank line, signature lines):");
    this.doc.moveDown(0.3);
    this.mono(c.note);
  }

  /** Footer on every page ("title · page i of n"); call after all content, with buffered pages. */
  footers(title: string): void {
    const doc = this.doc;
    const range = doc.bufferedPageRange();
    const text = toWinAnsi(title).text; // already counted in the title section
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      // Writing inside the bottom margin would make pdfkit start a new page: lift the margin while writing.
      const margin = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      doc.font(FONT).fontSize(8).fillColor(GREY);
      doc.text(`${text} - page ${i + 1} of ${range.count}`, this.left, doc.page.height - margin / 2 - 4, { width: this.width, align: "center", lineBreak: false });
      doc.page.margins.bottom = margin;
    }
    doc.fillColor("black");
  }
}

let pdfKit: Promise<typeof PDFDocument> | undefined;

/** pdfkit's document class, imported once, or an error saying to install it. */
function loadPdfKit(): Promise<typeof PDFDocument> {
  pdfKit ??= import("pdfkit").then(
    (module) => module.default,
    (error: unknown) => {
      pdfKit = undefined;
      throw new PaperTrailError(`renderComplianceReportPdf needs the optional peer dependency pdfkit (npm install pdfkit): ${String(error)}`);
    },
  );
  return pdfKit;
}

/**
 * Renders a compliance report (from `buildComplianceReport`) as a PDF and
 * resolves with its bytes: a title section with the period and generation
 * time, then per system its distinct counts with bounds, top lists,
 * frequencies and statistics; the alerts by severity and by rule and the
 * alert list; the dedup drops; the audit checkpoint with its signed note in
 * monospace. Long tables continue on the next page with their header
 * repeated; every page has a footer with the title and page number.
 *
 * Characters outside the standard fonts' WinAnsi set (Cyrillic, CJK,
 * emoji...) are printed as `?`, and a closing line says how many were; the
 * JSON and CSV forms keep the exact text. The output is deterministic: the
 * same report and options give the same bytes (see {@link ReportPdfOptions}).
 * pdfkit (an optional peer dependency) is imported on the first call; without
 * it the promise rejects with a `PaperTrailError` saying to install it.
 *
 * @example
 * ```ts
 * import { buildComplianceReport } from "papertrail/compliance";
 * import { renderComplianceReportPdf } from "papertrail/compliance/node";
 * const period = { from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 6) };
 * const report = buildComplianceReport({ period, snapshot: { period, generatedAt: period.to, pseudonymized: true, systems: [] }, alerts: [], generatedAt: period.to });
 * const pdf = await renderComplianceReportPdf(report);
 * new TextDecoder().decode(pdf.subarray(0, 5)); // => "%PDF-"
 * ```
 */
export async function renderComplianceReportPdf(report: ComplianceReport, options: ReportPdfOptions = {}): Promise<Uint8Array> {
  checkOptionKeys("renderComplianceReportPdf", options, ["creationDate", "pageSize"]);
  if (report === null || typeof report !== "object" || report.format !== "papertrail-compliance-report" || report.version !== 1) {
    throw new InvalidArgumentError(`report must be a compliance report of version 1 (from buildComplianceReport)`);
  }
  const creationDate = options.creationDate ?? new Date(report.generatedAt);
  if (!(creationDate instanceof Date) || Number.isNaN(creationDate.getTime())) throw new InvalidArgumentError(`creationDate must be a valid Date`);
  const pageSize = options.pageSize ?? "A4";
  if (pageSize !== "A4" && pageSize !== "LETTER") throw new InvalidArgumentError(`pageSize must be "A4" or "LETTER", got ${String(pageSize)}`);

  const PDFKit = await loadPdfKit();
  const doc = new PDFKit({
    size: pageSize,
    margins: { top: 56, bottom: 56, left: 50, right: 50 },
    bufferPages: true,
    info: {
      Title: report.title, // document metadata is UTF-16 (PDF 1.7 §7.9.2.2): the exact title
      Author: "PaperTrail",
      Subject: `Compliance report ${formatTime(report.period.from)} to ${formatTime(report.period.to)}`,
      CreationDate: creationDate,
    },
  });
  const chunks: Uint8Array[] = [];
  const done = new Promise<Uint8Array>((resolve, reject) => {
    doc.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    doc.on("end", () => {
      const bytes = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.length;
      }
      resolve(bytes);
    });
    doc.on("error", reject);
  });

  const writer = new ReportWriter(doc);
  writer.titleSection(report);
  writer.systems(report);
  writer.alerts(report);
  writer.dedup(report);
  writer.checkpoint(report);
  if (writer.replaced > 0) {
    doc.moveDown(1);
    writer.paragraph(
      `${writer.replaced} character${writer.replaced === 1 ? " was" : "s were"} outside the character set of this PDF's standard fonts (WinAnsi) and ${writer.replaced === 1 ? "is" : "are"} printed as "${REPLACEMENT}"; the JSON and CSV forms of this report hold the exact text.`,
      { grey: true, size: 8 },
    );
  }
  writer.footers(report.title);
  doc.end();
  return done;
}
