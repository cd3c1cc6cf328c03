/**
 * The repository documents itself (README.md, docs/): no tracked file refers to anything outside
 * it, every relative link of the documentation points to a file that exists (and to a heading that
 * exists, when it names one), and every `docs/….md#section` cited in code or tests is a real
 * section. Runs in Node, on the tracked files; any failure exits non-zero.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const tracked = execFileSync("git", ["ls-files"], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean);
const TEXT = /\.(md|ts|mjs|js|json|toml|html|txt|yml|yaml|example|d\.ts)$|(^|\/)(run|\.gitignore)$/;
// Spelled in pieces so this file does not match itself.
const OUTSIDE = [["..", "shared"].join("/"), ["CONT", "RACT"].join("")];

let failures = 0;
function check(name, problems) {
  if (problems.length) {
    failures += 1;
    console.error(`FAIL ${name}\n  ${problems.join("\n  ")}`);
  } else {
    console.log(`ok   ${name}`);
  }
}

const read = (file) => readFileSync(join(root, file), "utf8");
const textFiles = tracked.filter((file) => TEXT.test(file) && existsSync(join(root, file)));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens (accents kept). */
function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, "")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors of a Markdown file's headings, outside fenced code. */
function anchors(file) {
  const found = new Set();
  let fenced = false;
  for (const line of read(file).split("\n")) {
    if (/^```/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) found.add(slug(heading[1]));
  }
  return found;
}

/** Markdown links and images of a file, outside fenced code: `[text](target)`. */
function links(file) {
  const found = [];
  let fenced = false;
  for (const line of read(file).split("\n")) {
    if (/^```/.test(line)) fenced = !fenced;
    if (fenced) continue;
    for (const match of line.matchAll(/\]\(([^)\s]+)\)/g)) found.push(match[1]);
  }
  return found;
}

check(
  "no tracked file refers to anything outside the repository",
  textFiles.flatMap((file) =>
    read(file)
      .split("\n")
      .flatMap((line, index) => (OUTSIDE.some((word) => line.includes(word)) ? [`${file}:${index + 1}: ${line.trim()}`] : [])),
  ),
);

const documentation = tracked.filter((file) => file.endsWith(".md"));
check(
  "every relative link of the documentation points to a file, and to a heading of it",
  documentation.flatMap((file) =>
    links(file).flatMap((target) => {
      if (/^[a-z]+:/i.test(target)) return [];
      const [path, anchor] = target.split("#");
      const resolved = path ? normalize(join(dirname(file), decodeURIComponent(path))) : file;
      if (!existsSync(join(root, resolved))) return [`${file}: ${target} (no file ${resolved})`];
      if (anchor && resolved.endsWith(".md") && !anchors(resolved).has(decodeURIComponent(anchor))) {
        return [`${file}: ${target} (no heading #${anchor} in ${resolved})`];
      }
      return [];
    }),
  ),
);

check(
  "every docs/….md#section cited in the code is a heading of that document",
  textFiles.flatMap((file) =>
    [...read(file).matchAll(/docs\/([\w-]+\.md)#([\p{L}\p{N}_-]+)/gu)].flatMap(([citation, name, anchor]) => {
      const doc = `docs/${name}`;
      if (!existsSync(join(root, doc))) return [`${file}: ${citation} (no ${doc})`];
      return anchors(doc).has(anchor) ? [] : [`${file}: ${citation} (no heading #${anchor})`];
    }),
  ),
);

check(
  "the README links every document in docs/",
  tracked
    .filter((file) => /^docs\/[^/]+\.md$/.test(file))
    .filter((file) => !read("README.md").includes(`](${file})`))
    .map((file) => `README.md does not link ${file}`),
);

console.log(`repository: ${failures ? `${failures} check(s) failed` : "every check passed"}`);
process.exit(failures ? 1 : 0);
