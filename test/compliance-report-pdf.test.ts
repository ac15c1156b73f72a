// Compliance reports as PDF: the bytes are a PDF, deterministic for a given
// creation date, and — with poppler-utils (Debian package; CI installs it) —
// pdftoppm renders a real page with ink on it (the PNG decoded here), pdftotext
// finds the report's content (the signed note's "—" intact, unencodable
// characters as "?" and said so), pdfinfo counts the pages of a long report.
// Without the binaries the tests skip with a message, unless CI=true.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import PDFDocument from "pdfkit";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidArgumentError, buildComplianceReport } from "../src/compliance/index.js";
import { renderComplianceReportPdf } from "../src/compliance/node/index.js";
import { toWinAnsi } from "../src/compliance/node/win-ansi-text.js";
import { FROM, HOUR, TO, alert, alerts, checkpoint, period, snapshot } from "./support/compliance-report-fixture.js";
import { decodePng, inkFraction } from "./support/png.js";

const hasPoppler = spawnSync("sh", ["-c", "command -v pdftoppm && command -v pdftotext && command -v pdfinfo"]).status === 0;
if (!hasPoppler) {
  if (process.env.CI === "true") throw new Error("pdftoppm, pdftotext or pdfinfo missing: CI must install poppler-utils");
  console.warn("SKIPPED: the PDF rendering checks need pdftoppm, pdftotext and pdfinfo (Debian package poppler-utils)");
}
const withPoppler = hasPoppler ? it : it.skip;

const dir = mkdtempSync(join(tmpdir(), "papertrail-report-pdf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

function writePdf(bytes: Uint8Array): string {
  const path = join(dir, `report-${files++}.pdf`);
  writeFileSync(path, bytes);
  return path;
}

/** Page `page` of the PDF as a decoded greyscale PNG at `dpi`. */
function renderPage(pdf: string, page: number, dpi = 40) {
  const prefix = join(dir, `page-${files++}`);
  run("pdftoppm", ["-png", "-gray", "-r", String(dpi), "-f", String(page), "-l", String(page), "-singlefile", pdf, prefix]);
  return decodePng(readFileSync(`${prefix}.png`));
}

/** Every page of the PDF as decoded greyscale PNGs (one pdftoppm run). */
function renderAllPages(pdf: string, dpi: number) {
  const prefix = join(dir, `pages-${files++}`);
  run("pdftoppm", ["-png", "-gray", "-r", String(dpi), pdf, prefix]);
  const names = readdirSync(dir).filter((name) => name.startsWith(`${basename(prefix)}-`) && name.endsWith(".png")).sort((a, b) => Number(/-(\d+)\.png$/.exec(a)?.[1]) - Number(/-(\d+)\.png$/.exec(b)?.[1]));
  return names.map((name) => decodePng(readFileSync(join(dir, name))));
}

function pageCount(pdf: string): number {
  return Number(/^Pages:\s+(\d+)$/m.exec(run("pdfinfo", [pdf]))?.[1]);
}

const report = buildComplianceReport({
  period,
  snapshot,
  alerts: [...alerts, alert({ ruleId: "foreign-name", severity: "medium", firstTime: FROM + 8 * HOUR, user: "Жанна", message: "login by Жанна from 東京 😀" })],
  dedup: { checked: 2_000_000, duplicates: 1234, falsePositiveRate: 1e-6 },
  checkpoint,
  title: "Access review — January",
  generatedAt: TO + 60_000,
});

describe("toWinAnsi", () => {
  it("keeps the WinAnsi characters, replaces the others one per code point, and counts them", () => {
    expect(toWinAnsi("café — 5 € “quoted” …")).toEqual({ text: "café — 5 € “quoted” …", replaced: 0 });
    expect(toWinAnsi("Жанна 東京 😀")).toEqual({ text: "????? ?? ?", replaced: 8 });
    expect(toWinAnsi("e\u0301")).toEqual({ text: "é", replaced: 0 }); // NFC first
    expect(toWinAnsi("a\uD800b\u0007")).toEqual({ text: "a?b?", replaced: 2 });
    expect(toWinAnsi("a\tb\r\nc\rd")).toEqual({ text: "a b c d", replaced: 0 });
    expect(toWinAnsi("a\r\nb\n", true)).toEqual({ text: "a\nb\n", replaced: 0 });
  });
});

describe("renderComplianceReportPdf", () => {
  it("writes a PDF file, the same bytes for the same report and creation date", async () => {
    const pdf = await renderComplianceReportPdf(report);
    const text = new TextDecoder("latin1").decode(pdf);
    expect(text.startsWith("%PDF-")).toBe(true);
    expect(text.trimEnd().endsWith("%%EOF")).toBe(true);
    expect(await renderComplianceReportPdf(report)).toEqual(pdf);
    const other = await renderComplianceReportPdf(report, { creationDate: new Date(TO + 1000) });
    expect(other).not.toEqual(pdf);
    expect(other.length).toBe(pdf.length); // only the dates and the file id derived from them differ
  });

  it("refuses bad options and things that are not reports", async () => {
    await expect(renderComplianceReportPdf(report, { pageSize: "A3" } as never)).rejects.toThrow(InvalidArgumentError);
    await expect(renderComplianceReportPdf(report, { font: "x" } as never)).rejects.toThrow('"font"');
    await expect(renderComplianceReportPdf(report, { creationDate: new Date(Number.NaN) })).rejects.toThrow("creationDate");
    await expect(renderComplianceReportPdf({ ...report, version: 2 } as never)).rejects.toThrow("report must be");
  });

  withPoppler("renders to a real page: pdftoppm's PNG of page 1 is A4 with text on it, unlike a blank page", async () => {
    const pdf = writePdf(await renderComplianceReportPdf(report));
    const page = renderPage(pdf, 1);
    // A4 is 595.28 × 841.89 pt; at 40 dpi that is 331 × 468 pixels.
    expect([page.width, page.height]).toEqual([331, 468]);
    const ink = inkFraction(page);
    // The PNG reader against pdftoppm's own raw greyscale (PGM, "P5 width height 255" then one byte a pixel) of the same page.
    const pgmPrefix = join(dir, `pgm-${files++}`);
    run("pdftoppm", ["-gray", "-r", "40", "-f", "1", "-l", "1", "-singlefile", pdf, pgmPrefix]);
    const pgm = readFileSync(`${pgmPrefix}.pgm`);
    const pgmHeader = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 32).toString("latin1"));
    expect(pgmHeader?.slice(1, 3).map(Number)).toEqual([page.width, page.height]);
    // pdftoppm 22 writes -gray PNGs as RGB with R = G = B; compare every sample with the grey level.
    const grey = pgm.subarray((pgmHeader?.[0] as string).length);
    expect(grey.length).toBe(page.width * page.height);
    let mismatches = 0;
    for (let i = 0; i < grey.length; i++) for (let c = 0; c < Math.min(page.channels, 3); c++) if (page.pixels[i * page.channels + c] !== grey[i]) mismatches++;
    expect(mismatches).toBe(0);
    // The checker itself: a blank page of the same size has no ink.
    const blankDoc = new PDFDocument({ size: "A4", info: { CreationDate: new Date(0) } });
    const chunks: Uint8Array[] = [];
    blankDoc.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    const ended = new Promise((resolve) => blankDoc.on("end", resolve));
    blankDoc.end();
    await ended;
    const blank = renderPage(writePdf(Buffer.concat(chunks)), 1);
    expect(inkFraction(blank)).toBe(0);
    expect(ink).toBeGreaterThan(0.02);
    expect(ink).toBeLessThan(0.5);
    const letter = renderPage(writePdf(await renderComplianceReportPdf(report, { pageSize: "LETTER" })), 1);
    expect([letter.width, letter.height]).toEqual([340, 440]);
  });

  withPoppler("holds the report's content, the signed note verbatim and unencodable characters as '?'", async () => {
    const pdf = writePdf(await renderComplianceReportPdf(report));
    const text = run("pdftotext", ["-layout", pdf, "-"]);
    for (const expected of [
      "Access review — January",
      "2026-01-05 00:00:00Z to 2026-01-06 00:00:00Z",
      "System: auth",
      "System: vpn",
      "203.0.113.7",
      "Brute force",
      "(renamed)",
      "root-login",
      "4312",
      "q0.99 = 30",
      "Dropped as duplicates: 1234",
      "audit.example.com/log",
      "login by ????? from ?? ?",
      'characters were outside the character set',
    ]) {
      expect(text, expected).toContain(expected);
    }
    // The note's lines come out whole, in order, em dash included.
    const compact = text.replace(/[ \t]+/g, " ");
    for (const line of checkpoint.note.trimEnd().split("\n").filter((l) => l !== "")) expect(compact).toContain(line);
    expect(text).toContain("13 characters were outside"); // 5 + 2 + 1 in the message, 5 in the user name
    expect(text).toMatch(/page 1 of \d+/);
    // The document's metadata is UTF-16: the title there is exact, whatever its script.
    const cyrillic = writePdf(await renderComplianceReportPdf({ ...report, title: "Отчёт — январь" }));
    expect(run("pdfinfo", [cyrillic])).toMatch(/^Title:\s+Отчёт — январь$/m);
    expect(run("pdftotext", [cyrillic, "-"])).toContain("????? — ??????");
  });

  withPoppler("a long report runs over many pages with table headers repeated, every page rendered", async () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      alert({ ruleId: `rule-${i % 7}`, severity: (["low", "high", "critical"] as const)[i % 3] as "low", firstTime: FROM + i * 60_000, groupKey: `g${i}`, message: `alert number ${i}: ${"lorem ipsum ".repeat(i % 30)}` }),
    );
    const frequencies = { path: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`/api/v1/resource/${i}`, 1000 - i])) };
    const long = buildComplianceReport({
      period,
      snapshot: { ...snapshot, systems: [{ ...(snapshot.systems[1] as (typeof snapshot.systems)[number]), frequencies }] },
      alerts: many,
      generatedAt: TO,
      maxAlerts: 300,
    });
    const pdf = writePdf(await renderComplianceReportPdf(long));
    const pages = pageCount(pdf);
    expect(pages).toBeGreaterThan(5);
    const text = run("pdftotext", ["-layout", pdf, "-"]);
    expect(text).toContain(`page ${pages} of ${pages}`);
    expect(text).toContain("and 450 more values");
    expect(text).toContain("100 less severe ones are counted above but not listed");
    // The alert table's header starts each page it spans.
    expect(text.split("First / last event").length - 1).toBeGreaterThan(3);
    const rendered = renderAllPages(pdf, 20);
    expect(rendered.length).toBe(pages);
    rendered.forEach((page, index) => expect(inkFraction(page), `page ${index + 1}`).toBeGreaterThan(0.005));
  });

  withPoppler("hostile cell content (huge, many lines, unbroken) is cut so that no row outgrows a page", async () => {
    const token = "A".repeat(3000);
    const hostile = buildComplianceReport({
      period,
      snapshot: { ...snapshot, systems: [{ ...(snapshot.systems[1] as (typeof snapshot.systems)[number]), top: { ips: [{ item: token, count: 1, error: 0 }] } }] },
      alerts: [
        alert({ ruleId: token, severity: "high", firstTime: FROM, message: "line\n".repeat(2000), user: token }),
        alert({ ruleId: "r", severity: "low", firstTime: FROM + 1, message: "word ".repeat(5000) }),
      ],
      generatedAt: TO,
    });
    const pdf = writePdf(await renderComplianceReportPdf(hostile));
    expect(pageCount(pdf)).toBeLessThanOrEqual(4);
    const text = run("pdftotext", [pdf, "-"]);
    expect(text.split("line\n").length - 1).toBeLessThan(20);
    expect(text).toContain("\u2026");
  });
});
