// trace_svg.mjs CHROMIUM SHOTS FILE.svg... - see trace_svg.sh: in each
// picture every text of a box lies inside the box, and no two boxes
// overlap; a screenshot of each is kept.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
const require = createRequire(process.env.NODE_PATH + "/");
const { chromium } = require("playwright-core");
const [exe, shots, ...files] = process.argv.slice(2);
let fails = 0;
const browser = await chromium.launch({ executablePath: exe, args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
for (const f of files) {
  await page.setContent(readFileSync(f, "utf8"), { waitUntil: "load" });
  const m = await page.evaluate(() => {
    const boxes = [...document.querySelectorAll("svg > g")].map((g) => {
      const r = g.querySelector("rect").getBBox();
      const out = [...g.querySelectorAll("text")]
        .map((t) => t.getBBox())
        .filter((b) => b.x < r.x || b.x + b.width > r.x + r.width + 0.5 ||
                       b.y < r.y || b.y + b.height > r.y + r.height + 0.5);
      return { r, out: out.length, text: g.textContent.slice(0, 60) };
    });
    const spill = boxes.filter((b) => b.out).map((b) => b.text);
    const overlap = [];
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].r, b = boxes[j].r;
        if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height)
          overlap.push(boxes[i].text + " / " + boxes[j].text);
      }
    return { n: boxes.length, spill, overlap };
  });
  const name = basename(f, ".svg");
  console.log(`${name}: ${m.n} boxes`);
  if (m.n === 0) { console.log(`FAILED - ${name}: no boxes`); fails++; }
  if (m.spill.length) { console.log(`FAILED - ${name}: text outside its box: ${m.spill.slice(0, 3).join(" | ")}`); fails++; }
  if (m.overlap.length) { console.log(`FAILED - ${name}: boxes overlap: ${m.overlap.slice(0, 3).join(" | ")}`); fails++; }
  await page.screenshot({ path: `${shots}/trace-${name}.png`, fullPage: true });
}
await browser.close();
process.exit(fails ? 1 : 0);
