/**
 * The CSV writer: RFC 4180 escaping, checked both by the exact bytes and by reading the output
 * back with an independent parser (papaparse), and formula neutralisation.
 */
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { type Cell, csvField, neutralise, toCsv } from "./csv";

function parse(text: string): string[][] {
  const result = Papa.parse<string[]>(text, { newline: "\r\n", skipEmptyLines: false });
  expect(result.errors).toEqual([]);
  // The document ends with CRLF, which papaparse reads as one last empty row.
  expect(result.data.at(-1)).toEqual([""]);
  return result.data.slice(0, -1);
}

describe("RFC 4180", () => {
  it("writes a header row and one CRLF-terminated line per row", () => {
    expect(toCsv(["a", "b"], [["x", 1], ["y", 2]])).toBe("a,b\r\nx,1\r\ny,2\r\n");
  });

  it("writes only the header for no rows", () => {
    expect(toCsv(["a", "b"], [])).toBe("a,b\r\n");
  });

  it("leaves plain text, numbers and decimals unquoted", () => {
    expect([csvField("Ventas"), csvField(12), csvField(23.4), csvField(0)]).toEqual(["Ventas", "12", "23.4", "0"]);
  });

  it("writes null as an empty field", () => {
    expect(toCsv(["a", "b", "c"], [[null, "x", null]])).toBe("a,b,c\r\n,x,\r\n");
  });

  it("quotes a field with a comma", () => {
    expect(csvField("Perez, Juan")).toBe('"Perez, Juan"');
  });

  it("quotes a field with a double quote and doubles the quote", () => {
    expect(csvField('Juan "el rápido"')).toBe('"Juan ""el rápido"""');
  });

  it("quotes a field with a line feed or a carriage return", () => {
    expect(csvField("línea 1\nlínea 2")).toBe('"línea 1\nlínea 2"');
    expect(csvField("a\r\nb")).toBe('"a\r\nb"');
  });

  it("keeps non-ASCII text as it is (UTF-8 is the response's encoding)", () => {
    expect(csvField("Atención al cliente — Mañana 😀")).toBe("Atención al cliente — Mañana 😀");
  });

  it("reads back, through an independent parser, exactly the cells written", () => {
    const rows: Cell[][] = [
      ["Perez, Juan", 'dice "hola"', "a\nb", "c\r\nd", "", "plain"],
      ["ñandú", ",", '"', "\r", "\n", " espacios "],
    ];
    expect(parse(toCsv(["c1", "c2", "c3", "c4", "c5", "c6"], rows))).toEqual([
      ["c1", "c2", "c3", "c4", "c5", "c6"],
      ...rows.map((row) => row.map((cell) => (cell === "\r" ? "'\r" : String(cell)))),
    ]);
  });
});

describe("formula neutralisation", () => {
  it.each(["=SUM(A1:A9)", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\tx", "\rx"])("prefixes %j with a quote", (text) => {
    expect(neutralise(text)).toBe(`'${text}`);
  });

  it("prefixes a dangerous text cell and still quotes it when it needs quoting", () => {
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvField("\r=1")).toBe(`"'\r=1"`);
  });

  it.each(["+15551234567", "+584121234567", "+442071838750"])("keeps the phone number %s as it is", (phone) => {
    expect(csvField(phone)).toBe(phone);
  });

  it.each(["+1555123456x", "+1 555 123 4567", "+0123456789", "+12345", "+1234567890123456", "+15551234567\n=1"])(
    "does not take %j for a phone number",
    (text) => {
      expect(neutralise(text)).toBe(`'${text}`);
    },
  );

  it("leaves text that only contains a formula character later on", () => {
    expect(neutralise("Ventas=Norte")).toBe("Ventas=Norte");
    expect(neutralise(" =1")).toBe(" =1");
    expect(neutralise("2026-11-24T14:03:00.000Z")).toBe("2026-11-24T14:03:00.000Z");
  });

  it("leaves numbers alone, negative ones too: they are values, not text", () => {
    expect(csvField(-3)).toBe("-3");
  });
});
