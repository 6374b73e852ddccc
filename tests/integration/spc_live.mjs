// spc_live.mjs CHROMIUM URL TOKEN SHOTS - see spc_live_browser.sh.
import { createRequire } from "node:module";
const require = createRequire(process.env.NODE_PATH + "/");
const { chromium } = require("playwright-core");
const [exe, base, token, shots] = process.argv.slice(2);
let fails = 0;
const check = (name, cond, extra = "") => {
  console.log(`${cond ? "ok" : "FAILED"} - ${name}${extra ? ": " + extra : ""}`);
  if (!cond) fails++;
};
const browser = await chromium.launch({ executablePath: exe, args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
const withAuth = [];
const feeds = [];
// the token goes on the page's own request only, as a proxy would add it
await page.route(`${base}/spc/bore**`, (route) =>
  route.continue({ headers: { ...route.request().headers(), authorization: `Bearer ${token}` } }));
page.on("request", (req) => {
  const u = new URL(req.url());
  if (u.pathname.startsWith("/api/")) {
    if (req.headers()["authorization"]) withAuth.push(u.pathname);
    if (u.pathname.endsWith("/events")) feeds.push(u.searchParams.get("ticket"));
  }
});
await page.goto(`${base}/spc/bore?lang=en`);
await page.evaluate(() => { window.__notReloaded = true; });
const status = page.locator("#spc-live-status");
await status.filter({ hasText: "Live" }).waitFor({ timeout: 5000 });
check("the page's feed is open", true);
const dots = () => page.evaluate(() => document.querySelectorAll("#spc-chart svg circle").length);
const before = await dots();
const post = (body) => fetch(`${base}/api/spc/bore`, {
  method: "POST",
  headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
  body: JSON.stringify(body),
}).then((r) => r.json());
// an in-control measurement: a new row and a new point on the chart
await post({ measurements: [{ value: 10.01, code: "(01)09506000134352(10)LOT7" }] });
await page.locator("#spc-recent tbody tr").first().filter({ hasText: "10.01" }).waitFor({ timeout: 5000 });
check("a new measurement appears", (await page.locator("#spc-recent tbody tr").first().textContent()).includes("LOT7"));
check("the measurement count follows", (await page.locator("#spc-nmeas").textContent()) === "6");
await page.waitForFunction((n) => document.querySelectorAll("#spc-chart svg circle").length > n, before, { timeout: 5000 })
  .then(() => check("the chart has the new point", true), () => check("the chart has the new point", false, `${before} circles`));
// wait through a renewal and a reconnect (the feed ends after 4 s, the
// browser retries 2 s later): up to 12 s, not a fixed sleep that a fast
// machine finishes before the reconnect
for (let t = 0; t < 120 && feeds.length < 2; t++) await page.waitForTimeout(100);
check("the page reconnected with a renewed ticket", feeds.length >= 2 && feeds[1] !== feeds[0], `${feeds.length} feeds`);
// an alarm
const res = await post({ measurements: [{ value: 11.5, code: "(01)09506000134352(10)LOT8" }] });
// beyond the I chart's limits, and its moving range beyond the MR chart's
check("the POST raised alarms", res.alarms && res.alarms.length === 2, JSON.stringify(res.alarms && res.alarms.map((a) => a.chart)));
const row = page.locator("#spc-alarms tbody tr").first();
await row.filter({ hasText: "nelson1" }).waitFor({ timeout: 5000 })
  .then(() => check("the alarm appears without a reload", true), () => check("the alarm appears without a reload", false));
check("the alarm names its lot", (await row.textContent()).includes("LOT8"));
await page.locator("#spc-alarms tbody tr").nth(1).waitFor({ timeout: 5000 }).catch(() => {});
check("both alarms listed", (await page.locator("#spc-alarms tbody tr").count()) === 2);
check("the alarm count follows", (await page.locator("#spc-nalarms").textContent()) === "2");
check("no reload happened", await page.evaluate(() => window.__notReloaded === true));
check("the browser's own requests carry no token", withAuth.length === 0, withAuth.join(" "));
await page.screenshot({ path: `${shots}/spc-live.png`, fullPage: true });
await browser.close();
process.exit(fails ? 1 : 0);
