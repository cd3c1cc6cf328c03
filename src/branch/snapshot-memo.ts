/**
 * The Durable Object's memo of its serialized snapshots, one per set of options: a read between
 * two changes returns the same JSON string (and ETag) without building or serializing anything.
 * The metrics text is memoized beside them (`text`).
 */
import type { StatusBody } from "../schemas/status";
import type { SnapshotOptions } from "./snapshot";

export type SerializedSnapshot = { json: string; etag: string };

type Built = { body: StatusBody; validUntil: number };
type Entry = SerializedSnapshot & { version: number; validUntil: number };

/** `departamento` comes from the query: cap how many option sets are remembered. */
const MAX_ENTRIES = 32;

export function optionsKey(options: SnapshotOptions): string {
  return `${options.detalle ? 1 : 0}:${options.departamento ?? ""}`;
}

/** FNV-1a, to tell option sets apart in an ETag without putting user text in a header. */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(36);
}

export class SnapshotMemo {
  private readonly entries = new Map<string, Entry>();

  clear(): void {
    this.entries.clear();
  }

  /** The memoized snapshot for these options if still true at `now`, else `build()`'s, remembered. */
  get(options: SnapshotOptions, version: number, now: number, build: () => Built): SerializedSnapshot {
    return this.text(optionsKey(options), version, now, () => {
      const { body, validUntil } = build();
      return { text: JSON.stringify(body), validUntil };
    });
  }

  /**
   * Any other serialized representation of the state (the metrics text), under its own `key`
   * (one that `optionsKey` never gives), memoized the same way.
   */
  text(key: string, version: number, now: number, build: () => { text: string; validUntil: number }): SerializedSnapshot {
    const current = this.entries.get(key);
    if (current && current.version === version && now < current.validUntil) return current;

    const { text, validUntil } = build();
    // The build instant and version name the bytes: a strong validator for this URL's body.
    const entry: Entry = {
      json: text,
      etag: `"${version}-${now.toString(36)}-${shortHash(key)}"`,
      version,
      validUntil,
    };
    if (!current && this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, entry);
    return entry;
  }
}
