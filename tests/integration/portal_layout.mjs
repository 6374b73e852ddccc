// portal_layout.mjs CHROMIUM BASE PAGES.json SHOTS REF.json - see
// portal_layout.sh. With ZL_LAYOUT_UPDATE=1 the layout found is written
// to REF.json instead of being compared with it.
import { createRequire } from "node:module";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
const require = createRequire(process.env.NODE_PATH + "/");
const { chromium } = require("playwright-core");
const [exe, base, pagesF, shots, refF] = process.argv.slice(2);
const pages = JSON.parse(readFileSync(pagesF, "utf8"));
const update = process.env.ZL_LAYOUT_UPDATE === "1";
const ref = !update && existsSync(refF) ? JSON.parse(readFileSync(refF, "utf8")) : {};
const found = {};
// The reference layout: every block a reader sees as a box (the page's
// header, sections, headings, fact lists, paths, tables, forms, charts,
// banners), in reading order, each with its left edge and width. Heights
// follow the data; where a box starts across the page and how wide it is
// follow the style sheet, so a change there shows here.
const BOXES = "header, nav, main, footer, section, h1, h2, dl, ol, table, form, svg, img, .recall-banner, .warn, .story";
const sameLayout = (want, got) => {
  if (!want) return "no reference for this page";
  if (want.length !== got.length)
    return `${got.length} boxes, reference ${want.length}: ` +
      got.map((b) => b.k).join(" ") + " / " + want.map((b) => b.k).join(" ");
  for (let i = 0; i < want.length; i++) {
    const a = want[i], b = got[i];
    if (a.k !== b.k) return `box ${i} is ${b.k}, reference ${a.k}`;
    if (Math.abs(a.x - b.x) > 2 || Math.abs(a.w - b.w) > 2)
      return `${b.k} at x=${b.x} width ${b.w}, reference x=${a.x} width ${a.w}`;
  }
  return "";
};
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
    const boxes = await page.evaluate((sel) => [...document.querySelectorAll(sel)]
      .filter((e) => !e.closest("svg") || e.tagName.toLowerCase() === "svg")
      .map((e) => {
        const r = e.getBoundingClientRect();
        const c = typeof e.className === "string" && e.className ? "." + e.className.split(" ")[0] : "";
        return { k: e.tagName.toLowerCase() + (e.id ? "#" + e.id : c), x: Math.round(r.left), w: Math.round(r.width) };
      }), BOXES);
    const key = `${name}@${w}`;
    found[key] = boxes;
    if (!update) {
      const why = sameLayout(ref[key], boxes);
      expect(`${name} @${w}: the reference layout (${boxes.length} boxes)`, why === "", why);
    }
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
if (update) {
  writeFileSync(refF, JSON.stringify(found, null, 1) + "\n");
  console.log(`wrote the reference layout of ${Object.keys(found).length} pages to ${refF}`);
}
process.exit(fails ? 1 : 0);
