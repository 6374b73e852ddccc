// spc_live.js - the live SPC stream page (/spc/{stream}, server/portal_spc.c):
// follows /api/spc/{stream}/events with the page's ticket (a browser's
// EventSource cannot send a token; server/spc_api.c gives the rule), adds
// each new alarm and measurement to the page's tables, redraws the chart
// when a point completes, and reconnects with the renewed ticket the feed
// sends. Data from the feed is set as text, never as markup.
(function () {
  "use strict";
  var live = document.getElementById("spc-live");
  if (!live || !window.EventSource || !live.dataset.ticket) return;
  var name = live.dataset.stream, ticket = live.dataset.ticket;
  var after = live.dataset.alarms, per = +live.dataset.per || 1;
  var en = live.dataset.lang === "en";
  var status = document.getElementById("spc-live-status");
  var base = "/api/spc/" + encodeURIComponent(name);
  var es = null, fails = 0, drawing = false, redraw = false;

  function say(zh, eng) { status.textContent = en ? eng : zh; }
  function bump(id, v) {
    var e = document.getElementById(id);
    if (e) e.textContent = v === undefined ? String(+e.textContent + 1) : String(v);
  }
  function cell(tr, text) {
    var td = document.createElement("td");
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }
  function addAlarm(a) {
    var table = document.getElementById("spc-alarms");
    var none = document.getElementById("spc-noalarms");
    if (none) none.remove();
    var tr = document.createElement("tr");
    tr.className = "spc-new";
    cell(tr, String(a.alarm));
    var rule = cell(tr, a.rule + " (" + a.chart + ")");
    if (a.limits_version > 1)
      rule.appendChild(document.createTextNode(" " + (en ? "limits v" : "控制限版本 ") + a.limits_version));
    cell(tr, a.first + "\u2013" + a.last);
    cell(tr, a.time);
    var what = cell(tr, en ? a.text_en : a.text_zh);
    (a.codes || (a.code ? [a.code] : [])).forEach(function (c) {
      what.appendChild(document.createElement("br"));
      what.appendChild(document.createTextNode((en ? "Lot: " : "批次：") + c));
    });
    var body = table.tBodies[0];
    body.insertBefore(tr, body.firstChild);
    bump("spc-nalarms", a.alarm);
  }
  function addMeasurement(m) {
    var body = document.getElementById("spc-recent").tBodies[0];
    var tr = document.createElement("tr");
    tr.className = "spc-new";
    cell(tr, String(m.seq));
    cell(tr, m.time);
    cell(tr, m.n ? m.value + " / " + m.n : String(m.value));
    cell(tr, m.code || "");
    body.insertBefore(tr, body.firstChild);
    while (body.rows.length > 10) body.deleteRow(body.rows.length - 1);
    bump("spc-nmeas", m.seq);
    if (m.seq % per === 0) {
      bump("spc-npoints", m.seq / per);
      drawChart();
    }
  }
  // One chart request at a time; a point that completes meanwhile asks
  // for one more.
  function drawChart() {
    if (drawing) { redraw = true; return; }
    drawing = true;
    fetch(base + "/chart.svg?last=500&lang=" + (en ? "en" : "zh") + "&ticket=" + encodeURIComponent(ticket))
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (svg) {
        if (svg && svg.lastIndexOf("<svg", 0) === 0) {
          var fig = document.getElementById("spc-chart");
          var doc = new DOMParser().parseFromString(svg, "image/svg+xml");
          if (fig && !doc.querySelector("parsererror")) fig.replaceChildren(document.importNode(doc.documentElement, true));
        }
      })
      .catch(function () {})
      .then(function () {
        drawing = false;
        if (redraw) { redraw = false; drawChart(); }
      });
  }
  function open() {
    es = new EventSource(base + "/events?ticket=" + encodeURIComponent(ticket) + "&after=" + after);
    es.addEventListener("open", function () { fails = 0; say("实时更新中", "Live"); });
    es.addEventListener("ticket", function (e) { ticket = e.data; });
    es.addEventListener("alarm", function (e) {
      after = e.lastEventId || after;
      addAlarm(JSON.parse(e.data));
    });
    es.addEventListener("measurement", function (e) { addMeasurement(JSON.parse(e.data)); });
    es.onerror = function () {
      // the server ends a feed now and then, and a ticket expires: open a
      // new one with the latest ticket; after a few failures, stop
      es.close();
      if (++fails <= 5) {
        say("正在重新连接…", "Reconnecting…");
        setTimeout(open, 2000);
      } else {
        say("实时更新已中断，请刷新页面。", "Live updates stopped: reload the page.");
      }
    };
  }
  say("正在连接…", "Connecting…");
  open();
})();
