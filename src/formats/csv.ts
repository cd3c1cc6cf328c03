/**
 * CSV for BI tools and spreadsheets: RFC 4180 (CRLF line ends, a header row, fields quoted when they
 * hold a comma, a quote, CR or LF), and text cells neutralised against formula injection.
 *
 * No byte-order mark: Power BI / Power Query, Looker Studio and Tableau read UTF-8 without one (and
 * the response says `charset=utf-8`), while a BOM ends up inside the first column's name for scripts
 * and many parsers. Only Excel opening a downloaded file by double-click needs it; Excel's own
 * "Datos > Desde texto/CSV" import detects UTF-8.
 */

export type Cell = string | number | null;

export const CSV_CONTENT_TYPE = "text/csv; charset=utf-8";

/** An international phone number (E.164): a spreadsheet reads it as a number, never as a formula. */
const PHONE = /^\+[1-9]\d{6,14}$/;

/** What makes Excel, LibreOffice or Google Sheets evaluate a text cell as a formula (OWASP's list). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell a spreadsheet would take for a formula gets a leading `'`; phone numbers stay as they are. */
export function neutralise(text: string): string {
  return FORMULA_START.test(text) && !PHONE.test(text) ? `'${text}` : text;
}

/** One field: numbers as they are, null as an empty field, text neutralised and quoted when needed. */
export function csvField(cell: Cell): string {
  if (cell === null) return "";
  if (typeof cell === "number") return String(cell);
  const text = neutralise(cell);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The whole document: the header row, then one line per row, each ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [header, ...rows].map((row) => `${row.map(csvField).join(",")}\r\n`).join("");
}
