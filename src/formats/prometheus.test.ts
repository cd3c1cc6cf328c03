/** The Prometheus text writer: escaping, number formatting, one HELP/TYPE per family, and the faults it refuses. */
import { describe, expect, it } from "vitest";
import { escapeHelp, escapeLabelValue, formatValue, writeExposition } from "./prometheus";

describe("escaping", () => {
  it("escapes a label value's backslash, double quote and line feed, and nothing else", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue("Atención, ñandú {x}=1 #2")).toBe("Atención, ñandú {x}=1 #2");
  });

  it("escapes a HELP text's backslash and line feed, leaving quotes", () => {
    expect(escapeHelp('uno\\dos\n"tres"')).toBe('uno\\\\dos\\n"tres"');
  });
});

describe("numbers", () => {
  it("writes integers and decimals plainly, and the special values by name", () => {
    expect(formatValue(0)).toBe("0");
    expect(formatValue(-0)).toBe("0");
    expect(formatValue(4711)).toBe("4711");
    expect(formatValue(0.842)).toBe("0.842");
    expect(formatValue(NaN)).toBe("NaN");
    expect(formatValue(Infinity)).toBe("+Inf");
    expect(formatValue(-Infinity)).toBe("-Inf");
  });
});

describe("writeExposition", () => {
  it("writes each family's HELP and TYPE once, then all its samples, one per line", () => {
    const text = writeExposition([
      { name: "a_total", help: "Uno", type: "gauge", samples: [{ labels: { x: "1" }, value: 1 }, { labels: { x: "2" }, value: 2 }] },
      { name: "b", help: "Dos", type: "gauge", samples: [{ labels: {}, value: 3 }] },
    ]);
    expect(text).toBe('# HELP a_total Uno\n# TYPE a_total gauge\na_total{x="1"} 1\na_total{x="2"} 2\n# HELP b Dos\n# TYPE b gauge\nb 3\n');
  });

  it("keeps a family with no samples as its HELP and TYPE", () => {
    expect(writeExposition([{ name: "c", help: "Tres", type: "gauge", samples: [] }])).toBe("# HELP c Tres\n# TYPE c gauge\n");
  });

  it("refuses a family written twice, a duplicate series and names the format does not allow", () => {
    const family = { name: "a", help: "h", type: "gauge" as const, samples: [] };
    expect(() => writeExposition([family, family])).toThrow(/twice/);
    expect(() => writeExposition([{ ...family, samples: [{ labels: { x: "1" }, value: 1 }, { labels: { x: "1" }, value: 2 }] }])).toThrow(/duplicate/);
    expect(() => writeExposition([{ ...family, name: "1a" }])).toThrow(/metric name/);
    expect(() => writeExposition([{ ...family, samples: [{ labels: { "a-b": "1" }, value: 1 }] }])).toThrow(/label name/);
    expect(() => writeExposition([{ ...family, samples: [{ labels: { __name__: "1" }, value: 1 }] }])).toThrow(/label name/);
  });
});
