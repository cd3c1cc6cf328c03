/**
 * Secrets are stored only as SHA-256 hashes and compared in constant time: both sides are hashed
 * first, so the comparison never depends on the secret's length or content.
 */
const encoder = new TextEncoder();

/** Bytes as lowercase hex, two digits each. */
export function hex(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** Compares two hex digests of equal length in constant time. */
export function digestsEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.byteLength !== right.byteLength) return false;
  return crypto.subtle.timingSafeEqual(left, right);
}

/** Hashes the presented secret and compares it with a stored hash in constant time. */
export async function secretMatches(presented: string, storedHash: string): Promise<boolean> {
  return digestsEqual(await sha256Hex(presented), storedHash);
}

/** A URL-safe random secret carrying `bytes * 8` bits of entropy. */
export function randomSecret(bytes = 24): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomId(): string {
  return hex(crypto.getRandomValues(new Uint8Array(8)));
}
