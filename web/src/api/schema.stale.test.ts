// @vitest-environment node
/** The generated client must be what openapi-typescript makes of today's docs/openapi.json:
 * after `make openapi` changes the document, `npm run generate:client` (and a commit) is due. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";

it("src/api/schema.gen.ts is generated from docs/openapi.json as it is now", () => {
  const web = resolve(__dirname, "../..");
  const out = join(mkdtempSync(join(tmpdir(), "schema-")), "schema.gen.ts");
  execFileSync(process.execPath, [join(web, "node_modules/openapi-typescript/bin/cli.js"), join(web, "../docs/openapi.json"), "-o", out], { cwd: web, stdio: "pipe" });
  const committed = readFileSync(join(web, "src/api/schema.gen.ts"), "utf8");
  const fresh = readFileSync(out, "utf8");
  expect(committed === fresh, "src/api/schema.gen.ts is stale: run `npm run generate:client` in web/ and commit it").toBe(true);
});
