// portal_layout.mjs CHROMIUM BASE PAGES.json SHOTS - see portal_layout.sh.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
const require = createRequire(process.env.NODE_PATH + "/");
const { chromium } = require("playwright-core");
const [exe, base, pagesF, shots] = process.argv.slice(2);
const pages = JSON.parse(readFileSync(pagesF, "utf8"));
const sizes = [[390, 844], [1366, 900]];
let fails = 0;
const expect = (name, cond, detail) => {
  console.log((cond ? "ok - " : "FAILED - ") + name + (cond || !detail ? "" : ": " + detail));
  if (!cond) fails++;
};
const browser = await chromium.launch({ executablePath: exe, args: ["--no-sandbox"] });
for (const [w, h] of sizes) {
  const ctx = await browser.newContext({ viewport: { width: w, height: h }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  for (const [name, path] of pages) {
    const resp = await page.goto(base + path, { waitUntil: "load" });
    expect(`${name} @${w}: answered`, resp && resp.status() < 500, resp && resp.status());
    const m = await page.evaluate(() => {
      const vw = window.innerWidth;
      const wide = [...document.querySelectorAll("body *")]
        .filter((e) => e.getBoundingClientRect().right > vw + 1 && getComputedStyle(e).position !== "fixed")
        .map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : ""));
      // a date or a time split over two lines shows as one text run with
      // two client rects
      const broken = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n; (n = walker.nextNode()); ) {
        const re = /\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?/g;
        for (let x; (x = re.exec(n.data)); ) {
          const r = document.createRange();
          r.setStart(n, x.index);
          r.setEnd(n, x.index + x[0].length);
          const lines = new Set([...r.getClientRects()].map((q) => Math.round(q.top)));
          if (lines.size > 1) broken.push(x[0]);
        }
      }
      const order = ["recall-banner", "recall-lots", "unregistered", "product", "path"]
        .map((c) => document.querySelector("." + c + ", #" + c))
        .filter(Boolean)
        .map((e) => e.getBoundingClientRect().top);
      return {
        scroll: document.documentElement.scrollWidth, vw, wide: wide.slice(0, 5),
        broken, ordered: order.every((t, i) => i === 0 || order[i - 1] <= t),
        icon: !!document.querySelector('link[rel="icon"]'),
      };
    });
    expect(`${name} @${w}: no horizontal overflow`, m.scroll <= m.vw + 1 && m.wide.length === 0,
           `scrollWidth ${m.scroll} > ${m.vw}: ${m.wide.join(", ")}`);
    expect(`${name} @${w}: no date broken over two lines`, m.broken.length === 0, m.broken.join(", "));
    expect(`${name} @${w}: banner, product, path in reading order`, m.ordered);
    expect(`${name} @${w}: favicon named`, m.icon);
    await page.screenshot({ path: `${shots}/layout-${name}-${w}.png`, fullPage: true });
  }
  await ctx.close();
}
await browser.close();
process.exit(fails ? 1 : 0);
