// Lighthouse on signed-in console pages, for bench/bench_console.py.
//
//   node run.mjs <console url> <username> <password> <path> [<path> ...]
//
// Debian's Chromium (CHROME_PATH) through puppeteer-core: sign in once through the sign-in
// page (SRP against the local pool), then Lighthouse's mobile run (slow 4G, a 4x slower CPU)
// on each path with storage kept, so every page opens signed in, with Lighthouse's default
// throttling method "simulate" (an unthrottled load, then the slow device estimated from it;
// THROTTLING=simulate,devtools adds the run with the slow network and CPU applied for real). Each is
// measured RUNS times (default 3) and the run with the median performance score is kept, as
// Lighthouse advises for its run-to-run variance. Prints one JSON object: per path the
// category scores, the failing audits, every JavaScript request and the host's benchmark
// index (how fast this machine was at the time).
import { writeFileSync } from "node:fs";
import lighthouse from "lighthouse";
import puppeteer from "puppeteer-core";

const [consoleUrl, username, password, ...paths] = process.argv.slice(2);
if (!consoleUrl || !paths.length) {
  console.error("usage: node run.mjs <console url> <username> <password> <path> [...]");
  process.exit(2);
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
  ],
});

try {
  const page = await browser.newPage();
  await page.goto(`${consoleUrl}/sign-in`, { waitUntil: "networkidle0" });
  await page.type("input[name=username]", username);
  await page.type("input[name=password]", password);
  await Promise.all([page.waitForSelector("h1#page-title", { timeout: 60_000 }), page.click("button[type=submit]")]);

  const results = {};
  const runs = Math.max(1, Number(process.env.RUNS || 3));
  const methods = (process.env.THROTTLING || "simulate").split(",");
  for (const path of paths) {
   results[path] = {};
   for (const method of methods) {
    const measured = [];
    for (let i = 0; i < runs; i++) {
      measured.push(
        await lighthouse(
          `${consoleUrl}${path}`,
          { output: "json", logLevel: "error", disableStorageReset: true, throttlingMethod: method, onlyCategories: ["performance", "accessibility", "best-practices"] },
          undefined,
          page,
        ),
      );
    }
    measured.sort((a, b) => (a.lhr.categories.performance.score ?? 0) - (b.lhr.categories.performance.score ?? 0));
    const runnerResult = measured[Math.floor(measured.length / 2)];
    const lhr = runnerResult.lhr;
    // LIGHTHOUSE_REPORT_DIR=...: the whole report of each page, to look into a number.
    if (process.env.LIGHTHOUSE_REPORT_DIR) writeFileSync(`${process.env.LIGHTHOUSE_REPORT_DIR}/${path.replace(/[^a-z0-9]+/gi, "_") || "root"}-${method}.json`, runnerResult.report);
    const failing = Object.values(lhr.audits)
      .filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode !== "informative" && a.scoreDisplayMode !== "notApplicable")
      .map((a) => `${a.id} (${a.displayValue ?? a.score})`);
    results[path][method] = {
      scores: Object.fromEntries(Object.entries(lhr.categories).map(([id, c]) => [id, Math.round((c.score ?? 0) * 100)])),
      metrics: {
        fcp_ms: lhr.audits["first-contentful-paint"]?.numericValue,
        lcp_ms: lhr.audits["largest-contentful-paint"]?.numericValue,
        tbt_ms: lhr.audits["total-blocking-time"]?.numericValue,
        cls: lhr.audits["cumulative-layout-shift"]?.numericValue,
      },
      failing,
      scripts: (lhr.audits["network-requests"]?.details?.items ?? []).filter((r) => r.resourceType === "Script").map((r) => r.url),
      runtimeError: lhr.runtimeError?.message ?? null,
      runs: measured.map((r) => Math.round((r.lhr.categories.performance.score ?? 0) * 100)),
      benchmarkIndex: lhr.environment?.benchmarkIndex ?? null,
    };
   }
  }
  console.log(JSON.stringify(results));
} finally {
  await browser.close();
}
