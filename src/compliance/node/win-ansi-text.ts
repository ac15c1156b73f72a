/**
 * Text for the 14 standard PDF fonts (Helvetica, Courier...), which pdfkit
 * writes in WinAnsiEncoding (Windows code page 1252, PDF 1.7 Annex D.2):
 * one byte per character, 217 printable characters. pdfkit itself writes a
 * character outside that set as its raw code (garbage, silently), so every
 * string goes through {@link toWinAnsi} first.
 *
 * @module
 */

// Code points of the printable CP1252 characters in 0x80-0x9F (the rest of
// the set is ASCII 0x20-0x7E and Latin-1 0xA0-0xFF): € ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž
// ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ.
const CP1252_EXTRA = new Set([
  0x20ac, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x017d, 0x2018, 0x2019,
  0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x017e, 0x0178,
]);

/** What replaces a character the standard fonts cannot show. */
export const REPLACEMENT = "?";

/**
 * `text` with every character the standard fonts cannot show replaced by
 * `?` (one per code point, so a lone surrogate or an emoji is one `?`),
 * and the number replaced. Text is NFC-normalized first, so a letter
 * written with a combining accent ("e" + U+0301) becomes the one Latin-1
 * character ("é") when there is one. Tabs become spaces; with `multiline`,
 * CR LF and CR become LF and LF is kept, otherwise line breaks become
 * spaces; other control characters are replaced.
 */
export function toWinAnsi(text: string, multiline = false): { readonly text: string; readonly replaced: number } {
  let out = "";
  let replaced = 0;
  const normalized = text.normalize("NFC").replace(/\r\n?/g, "\n");
  for (const char of normalized) {
    const code = char.codePointAt(0) as number;
    if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || CP1252_EXTRA.has(code)) out += char;
    else if (code === 0x09) out += " ";
    else if (code === 0x0a) out += multiline ? "\n" : " ";
    else {
      out += REPLACEMENT;
      replaced++;
    }
  }
  return { text: out, replaced };
}
