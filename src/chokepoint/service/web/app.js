/* Chokepoint dashboard: plain JavaScript over the REST API (/api), charts with the local plotly.js. */
"use strict";

const state = {
  token: sessionStorage.getItem("chokepoint-token") || "",
  datasets: [],
  presets: [],
  runTimer: null,
  currentRun: null,
};

// ---------------------------------------------------------------- helpers

function $(id) { return document.getElementById(id); }

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function notice(message, kind = "error") {
  const box = $("notice");
  box.textContent = message;
  box.className = "notice " + kind;
  box.hidden = !message;
}

function fmt(value, digits = 3) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") {
    if (Number.isInteger(value)) return value.toLocaleString("en");
    const abs = Math.abs(value);
    if (abs >= 1e4) return value.toLocaleString("en", { maximumFractionDigits: 0 });
    return value.toLocaleString("en", { maximumSignificantDigits: digits });
  }
  return String(value);
}

function usd(value) {
  if (value === null || value === undefined) return "—";
  const abs = Math.abs(value);
  if (abs >= 1e9) return "$" + (value / 1e9).toFixed(2) + " bn";
  if (abs >= 1e6) return "$" + (value / 1e6).toFixed(2) + " m";
  if (abs >= 1e3) return "$" + (value / 1e3).toFixed(1) + " k";
  return "$" + value.toFixed(0);
}

function table(rows, columns, formats = {}) {
  if (!rows.length) return el("p", { class: "muted" }, "No rows.");
  const head = el("tr", {}, ...columns.map((c) => el("th", {}, c.label || c.key)));
  const body = rows.map((r) =>
    el("tr", {}, ...columns.map((c) => {
      const f = formats[c.key] || ((v) => fmt(v));
      return el("td", { class: typeof r[c.key] === "number" ? "num" : "" }, f(r[c.key], r));
    })));
  return el("table", {}, el("thead", {}, head), el("tbody", {}, ...body));
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (state.token) headers["Authorization"] = "Bearer " + state.token;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(options.json);
  }
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) {
    $("auth").hidden = false;
    throw new Error("This server needs a token: enter it at the top right.");
  }
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try {
      const body = await response.json();
      if (body.error) {
        message = body.error.message;
        if (body.error.problems && body.error.problems.length) {
          message += ": " + body.error.problems.map((p) => p.location + " | " + p.message).join("; ");
        }
      }
    } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return options.raw ? response : response.json();
}

function fillSelect(select, values, labelOf = (v) => v, keepFirst = false) {
  const first = keepFirst ? select.options[0] : null;
  select.innerHTML = "";
  if (first) select.append(first);
  for (const v of values) select.append(el("option", { value: v }, labelOf(v)));
}

const PLOT_CONFIG = { displaylogo: false, responsive: true };
const PALETTE = ["#1f5fa8", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#30638e",
  "#e07a5f", "#3d405b", "#81b29a", "#f2cc8f", "#9c6644"];

// ---------------------------------------------------------------- routing

function show(page) {
  for (const s of document.querySelectorAll(".page")) s.hidden = s.id !== "page-" + page;
  for (const a of document.querySelectorAll("nav a")) {
    a.classList.toggle("active", a.dataset.page === page || (page === "run" && a.dataset.page === "runs"));
  }
}

async function route() {
  notice("");
  if (state.runTimer) { clearTimeout(state.runTimer); state.runTimer = null; }
  const hash = location.hash || "#/chains";
  const parts = hash.slice(2).split("/");
  try {
    if (parts[0] === "runs" && parts[1]) { show("run"); await runView(decodeURIComponent(parts[1])); }
    else if (parts[0] === "runs") { show("runs"); await runsPage(); }
    else if (parts[0] === "scenarios") { show("scenarios"); await scenariosPage(); }
    else if (parts[0] === "chokepoints") { show("chokepoints"); await chokepointsPage(); }
    else { show("chains"); await chainsPage(); }
  } catch (err) {
    notice(err.message);
  }
}

async function loadBasics() {
  if (!state.datasets.length) state.datasets = await api("/api/datasets");
  if (!state.presets.length) state.presets = await api("/api/scenarios/presets");
}

// ---------------------------------------------------------------- chain explorer

async function chainsPage() {
  await loadBasics();
  const sel = $("chain-dataset");
  if (!sel.options.length) {
    fillSelect(sel, state.datasets.map((d) => d.name), (n) => n);
    const preferred = state.datasets.find((d) => d.name === "critical-chains");
    if (preferred) sel.value = preferred.name;
    sel.onchange = () => chainsDataset().catch((e) => notice(e.message));
    $("chain-chain").onchange = () => chainsDraw().catch((e) => notice(e.message));
    $("chain-weight").onchange = () => chainsDraw().catch((e) => notice(e.message));
    await chainsDataset();
  }
}

async function chainsDataset() {
  const name = $("chain-dataset").value;
  const detail = await api("/api/datasets/" + encodeURIComponent(name));
  $("chain-description").textContent = detail.description;
  fillSelect($("chain-chain"), detail.chains, (c) => c, true);
  // start on one chain (the rare-earth chain when there is one): the whole dataset is dense
  if (detail.chains.length) $("chain-chain").value = detail.chains.includes("rare-earths") ? "rare-earths" : detail.chains[0];
  await chainsDraw();
}

async function chainsDraw() {
  const name = $("chain-dataset").value;
  const chain = $("chain-chain").value;
  const q = chain ? "?chain=" + encodeURIComponent(chain) : "";
  const [stages, flows] = await Promise.all([
    api("/api/datasets/" + encodeURIComponent(name) + "/stages" + q),
    api("/api/datasets/" + encodeURIComponent(name) + "/flows" + q),
  ]);
  // stacked horizontal bars: one bar per stage, one segment per region
  const labels = stages.stages.map((s) => s.name.length > 34 ? s.name.slice(0, 33) + "…" : s.name);
  const regions = [...new Set(stages.stages.flatMap((s) => s.shares.map((x) => x.region)))];
  const top = regions.map((r) => ({
    r, total: stages.stages.reduce((a, s) => a + (s.shares.find((x) => x.region === r) || { share: 0 }).share, 0),
  })).sort((a, b) => b.total - a.total).map((x) => x.r);
  const traces = top.map((r, i) => ({
    type: "bar", orientation: "h", name: r, y: labels,
    x: stages.stages.map((s) => (s.shares.find((x) => x.region === r) || { share: 0 }).share * 100),
    marker: { color: PALETTE[i % PALETTE.length] },
    hovertemplate: r + ": %{x:.1f}%<extra></extra>",
  }));
  Plotly.react("chain-shares", traces, {
    barmode: "stack", margin: { l: 10, r: 10, t: 10, b: 40 }, height: Math.max(300, 30 * labels.length + 140),
    xaxis: { title: { text: "share of world output (%)" }, range: [0, 100] },
    yaxis: { autorange: "reversed", automargin: true },
    legend: { orientation: "h", y: -0.12, yanchor: "top" },
  }, PLOT_CONFIG);
  $("chain-stages").replaceChildren(table(stages.stages, [
    { key: "name", label: "Stage" }, { key: "stage", label: "Tier" },
    { key: "top_region", label: "Top producer" }, { key: "top_share", label: "Top share" },
    { key: "hhi", label: "HHI" }, { key: "output", label: "Output/day" }, { key: "unit", label: "Unit" },
  ], { top_share: (v) => (v * 100).toFixed(1) + "%", hhi: (v) => fmt(v * 10000, 4) }));
  // Sankey
  const weight = $("chain-weight").value;
  const stageColor = { raw: "#9c6644", processed: "#edae49", material: "#00798c", component: "#1f5fa8",
    end: "#d1495b", equipment: "#8d6a9f", energy: "#3d405b" };
  Plotly.react("chain-sankey", [{
    type: "sankey", arrangement: "snap",
    node: { label: flows.nodes.map((n) => n.id), pad: 12, thickness: 14,
      color: flows.nodes.map((n) => stageColor[n.stage] || "#888") },
    link: { source: flows.links.map((l) => l.source), target: flows.links.map((l) => l.target),
      value: flows.links.map((l) => Math.max(l[weight], 1e-9)),
      color: "rgba(31,95,168,0.25)" },
  }], { margin: { l: 10, r: 10, t: 10, b: 10 }, height: 520 }, PLOT_CONFIG);
}

// ---------------------------------------------------------------- scenario builder

async function scenariosPage() {
  await loadBasics();
  const sel = $("sc-preset");
  if (!sel.options.length) {
    fillSelect(sel, state.presets.map((p) => p.name));
    $("sc-load").onclick = () => scenarioLoad().catch((e) => notice(e.message));
    $("sc-validate").onclick = () => scenarioValidate().catch((e) => notice(e.message));
    $("sc-run").onclick = () => scenarioRun().catch((e) => notice(e.message));
    await scenarioLoad();
    scenarioInstruments().catch(() => {});
  }
}

async function scenarioLoad() {
  const preset = await api("/api/scenarios/presets/" + encodeURIComponent($("sc-preset").value));
  $("sc-yaml").value = preset.yaml;
  $("sc-description").textContent = preset.description;
  $("sc-result").textContent = "Loaded preset " + preset.name + ". Edit it, then validate.";
  $("sc-result").className = "muted";
}

async function scenarioValidate() {
  const out = await api("/api/scenarios/validate", { method: "POST", json: { yaml: $("sc-yaml").value } });
  const box = $("sc-result");
  if (out.valid) {
    box.className = "ok";
    box.replaceChildren(el("p", {}, "✔ Valid: " + out.name + " on " + out.dataset + ", " + out.horizon_days +
      " days, " + out.members + " member(s), " + out.instruments + " instrument(s)."),
    table(out.instrument_list, [
      { key: "key", label: "Instrument" }, { key: "type", label: "Type" }, { key: "actor", label: "Actor" },
      { key: "products", label: "Products" }, { key: "targets", label: "Targets" },
      { key: "start_day", label: "From day" }, { key: "end_day", label: "To day" },
    ], {
      products: (v) => v.join(", "),
      targets: (v) => (v.length ? v.join(", ") : "(default)"),
      end_day: (v) => (v === null ? "horizon" : fmt(v)),
    }));
  } else {
    box.className = "bad";
    box.replaceChildren(el("p", {}, "✘ " + out.problems.length + " problem(s):"),
      table(out.problems, [{ key: "location", label: "Where" }, { key: "message", label: "Problem" }]));
  }
  return out;
}

async function scenarioRun() {
  const check = await scenarioValidate();
  if (!check.valid) return;
  const run = await api("/api/runs", { method: "POST", json: { scenario_yaml: $("sc-yaml").value } });
  location.hash = "#/runs/" + run.run_id;
}

async function scenarioInstruments() {
  const schema = await api("/api/scenarios/schema");
  const rows = [];
  for (const def of Object.values(schema.$defs || {})) {
    const t = def.properties && def.properties.type;
    const name = t && (t.const || (t.enum && t.enum[0]));
    if (name) {
      const text = (def.description || "").replace(/``/g, "").replace(/\s+/g, " ").trim();
      const sentence = text.split(/(?<=\.)\s/)[0];
      rows.push({ type: name, what: sentence });
    }
  }
  rows.sort((a, b) => a.type.localeCompare(b.type));
  $("sc-instruments").replaceChildren(table(rows, [{ key: "type", label: "type" }, { key: "what", label: "What it does" }]));
}

// ---------------------------------------------------------------- runs

function statusBadge(status) {
  return el("span", { class: "badge " + status }, status);
}

async function runsPage() {
  await loadBasics();
  const sel = $("runs-preset");
  if (!sel.options.length) {
    fillSelect(sel, state.presets.map((p) => p.name), (n) => {
      const p = state.presets.find((x) => x.name === n);
      return n + (p && p.dataset ? "  [" + p.dataset + "]" : "");
    });
    $("runs-submit").onclick = async () => {
      try {
        const run = await api("/api/runs", { method: "POST", json: { preset: sel.value } });
        location.hash = "#/runs/" + run.run_id;
      } catch (e) { notice(e.message); }
    };
  }
  const runs = await api("/api/runs?limit=200");
  const rows = runs.map((r) => Object.assign({}, r));
  $("runs-table").replaceChildren(table(rows, [
    { key: "run_id", label: "Run" }, { key: "scenario", label: "Scenario" }, { key: "dataset", label: "Dataset" },
    { key: "status", label: "Status" }, { key: "progress", label: "Progress" }, { key: "created_at", label: "Submitted" },
    { key: "error", label: "Note" },
  ], {
    run_id: (v) => el("a", { href: "#/runs/" + v }, v),
    status: (v) => statusBadge(v),
    progress: (v) => Math.round(v * 100) + "%",
    created_at: (v) => (v || "").slice(0, 19),
  }));
  if (runs.some((r) => r.status === "queued" || r.status === "running")) {
    state.runTimer = setTimeout(() => runsPage().catch((e) => notice(e.message)), 1500);
  }
}

async function runView(runId) {
  state.currentRun = runId;
  $("run-title").textContent = "Run " + runId;
  $("run-results").hidden = true;
  $("run-report").disabled = true;
  $("run-cancel").onclick = async () => {
    try { await api("/api/runs/" + runId + "/cancel", { method: "POST" }); await runView(runId); }
    catch (e) { notice(e.message); }
  };
  $("run-report").onclick = () => downloadReport(runId).catch((e) => notice(e.message));
  await runPoll(runId);
}

async function runPoll(runId) {
  if (state.currentRun !== runId || location.hash !== "#/runs/" + runId) return;
  const run = await api("/api/runs/" + runId);
  const pct = Math.round(run.progress * 100);
  $("run-status").replaceChildren(
    el("p", {}, "Scenario ", el("b", {}, run.scenario), " on ", el("b", {}, run.dataset), " — ",
      statusBadge(run.status), " ", el("span", { id: "run-pct" }, pct + "%"),
      run.phase ? el("span", { class: "muted" }, " · " + run.phase) : ""),
    run.error ? el("p", { class: "bad" }, run.error) : el("span"));
  $("run-progress").style.width = pct + "%";
  $("run-progress").className = "bar " + run.status;
  $("run-cancel").hidden = !(run.status === "queued" || run.status === "running");
  if (run.status === "queued" || run.status === "running") {
    state.runTimer = setTimeout(() => runPoll(runId).catch((e) => notice(e.message)), 700);
    return;
  }
  if (run.status === "finished") await runResults(runId);
}

async function runResults(runId) {
  const summary = await api("/api/runs/" + runId + "/metrics");
  const m = summary.metrics;
  $("run-results").hidden = false;
  $("run-report").disabled = false;
  const regions = [...new Set((m.output_lost || []).map((r) => r.region))].sort();
  const products = [...new Set((m.output_lost || []).map((r) => r.product))].sort();
  fillSelect($("run-region"), regions, (v) => v, true);
  fillSelect($("run-product"), products, (v) => v, true);
  const redraw = () => runOutputPlot(runId).catch((e) => notice(e.message));
  $("run-by").onchange = redraw; $("run-region").onchange = redraw; $("run-product").onchange = redraw;
  await runOutputPlot(runId);

  const pain = (m.time_to_pain || []).filter((r) => r.day !== null).sort((a, b) => a.day - b.day);
  const never = (m.time_to_pain || []).length - pain.length;
  const painCols = [{ key: "region", label: "Region" }, { key: "product", label: "Industry" }, { key: "day", label: "Day" }];
  if (pain.length && pain[0].member !== undefined) painCols.unshift({ key: "member", label: "Member" });
  const painBox = [table(pain, painCols)];
  if (never) painBox.push(el("p", { class: "muted" }, never + " other (region, industry) pairs never fall below 95%."));
  const painDiv = el("div", { id: "pain-table", class: "scroll" }, ...painBox);
  $("run-pain").replaceChildren(painDiv);

  const lost = (m.output_lost || []).filter((r) => Math.abs(r.value_usd) > 0).sort((a, b) => b.value_usd - a.value_usd).slice(0, 15);
  $("run-lost").replaceChildren(table(lost, [
    { key: "region", label: "Region" }, { key: "product", label: "Industry" },
    { key: "units", label: "Units" }, { key: "unit", label: "Unit" }, { key: "value_usd", label: "Value" },
  ], { value_usd: usd }));

  const prices = (m.prices || []).slice().sort((a, b) => b.peak_index - a.peak_index).slice(0, 15);
  $("run-prices").replaceChildren(table(prices, [
    { key: "region", label: "Region" }, { key: "product", label: "Market" },
    { key: "peak_index", label: "Peak index" }, { key: "peak_day", label: "Peak day" },
  ]));
  const moved = prices.filter((p) => Math.abs(p.peak_index - 1) > 1e-3).slice(0, 6);
  const answers = await Promise.all(moved.map((p) => api("/api/runs/" + runId +
    "/series?variable=market_price&by=region,product&region=" + encodeURIComponent(p.region) +
    "&product=" + encodeURIComponent(p.product))));
  const lines = answers.flatMap((s) => s.lines.map((line) => ({
    type: "scatter", mode: "lines", name: line.key.region + " " + line.key.product, x: s.days, y: line.values,
  })));
  Plotly.react("run-prices-plot", lines, {
    margin: { l: 50, r: 10, t: 10, b: 40 }, height: 320, xaxis: { title: { text: "day" } },
    yaxis: { title: { text: "price index (1 = baseline)" } }, legend: { orientation: "h", y: -0.3 },
    annotations: lines.length ? [] : [{ text: "No price moved by more than 0.1%", showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5 }],
  }, PLOT_CONFIG);
}

async function runOutputPlot(runId) {
  const by = $("run-by").value;
  let q = "/api/runs/" + runId + "/series?variable=output&relative=true&value=true&by=" + by;
  if ($("run-region").value) q += "&region=" + encodeURIComponent($("run-region").value);
  if ($("run-product").value) q += "&product=" + encodeURIComponent($("run-product").value);
  const s = await api(q);
  // show the lines that move (and at most 12), most affected first
  const lines = s.lines.map((l) => ({ l, low: Math.min(...l.values.filter((v) => v !== null)) }))
    .sort((a, b) => a.low - b.low);
  const moving = lines.filter((x) => x.low < 0.999);
  const chosen = (moving.length ? moving : lines).slice(0, 12);
  const traces = chosen.map(({ l }, i) => ({
    type: "scatter", mode: "lines", x: s.days, y: l.values.map((v) => (v === null ? null : v * 100)),
    name: Object.values(l.key).join(" "), line: { color: PALETTE[i % PALETTE.length] },
  }));
  Plotly.react("run-output", traces, {
    margin: { l: 55, r: 10, t: 10, b: 40 }, height: 420,
    xaxis: { title: { text: "day" } }, yaxis: { title: { text: "output (% of baseline)" } },
    shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: 95, y1: 95, line: { dash: "dot", color: "#999" } }],
    legend: { orientation: "h", y: -0.2 },
  }, PLOT_CONFIG);
}

async function downloadReport(runId) {
  const response = await api("/api/runs/" + runId + "/report", { raw: true });
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: "chokepoint-" + runId + ".html" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---------------------------------------------------------------- chokepoints

async function chokepointsPage() {
  await loadBasics();
  const sel = $("cp-dataset");
  if (!sel.options.length) {
    fillSelect(sel, state.datasets.map((d) => d.name));
    const preferred = state.datasets.find((d) => d.name === "critical-chains");
    if (preferred) sel.value = preferred.name;
    sel.onchange = () => exposureOptions().catch((e) => notice(e.message));
    $("cp-rank").onclick = () => rankChokepoints().catch((e) => notice(e.message));
    $("ex-show").onclick = () => exposurePlot().catch((e) => notice(e.message));
    $("lv-show").onclick = () => leveragePlot().catch((e) => notice(e.message));
    await exposureOptions();
  }
}

async function rankChokepoints() {
  const name = $("cp-dataset").value;
  $("cp-table").textContent = "Simulating…";
  const q = "?share_threshold=" + $("cp-share").value + "&stop_days=" + $("cp-stop").value +
    "&horizon_days=" + $("cp-horizon").value + "&top=20";
  const t = await api("/api/analysis/" + encodeURIComponent(name) + "/chokepoints" + q);
  $("cp-table").className = "";
  $("cp-table").replaceChildren(table(t.rows, [
    { key: "region", label: "Region" }, { key: "product", label: "Stage" }, { key: "share", label: "Share" },
    { key: "world_value_lost_usd", label: "World value lost" },
    { key: "hardest_hit_region", label: "Hardest hit" }, { key: "regions_hit", label: "Regions hit" },
  ], { share: (v) => (v * 100).toFixed(0) + "%", world_value_lost_usd: usd }),
  ...t.notes.map((n) => el("p", { class: "muted" }, n)));
  const rows = t.rows.slice(0, 15).reverse();
  Plotly.react("cp-plot", [{
    type: "bar", orientation: "h", y: rows.map((r) => r.region + " " + r.product),
    x: rows.map((r) => r.world_value_lost_usd / 1e9), marker: { color: "#d1495b" },
    hovertemplate: "%{y}: $%{x:.2f} bn<extra></extra>",
  }], { margin: { l: 200, r: 10, t: 10, b: 40 }, height: Math.max(260, 26 * rows.length + 60),
    xaxis: { title: { text: "world output value lost (USD bn)" } } }, PLOT_CONFIG);
}

async function exposureOptions() {
  const detail = await api("/api/datasets/" + encodeURIComponent($("cp-dataset").value));
  fillSelect($("ex-origin"), detail.regions.map((r) => r.region), (r) => r);
  if (detail.regions.some((r) => r.region === "CHN")) $("ex-origin").value = "CHN";
  const upstream = detail.products.filter((p) => ["raw", "processed", "material", "component"].includes(p.stage));
  fillSelect($("ex-stage"), upstream.map((p) => p.product), (p) => p);
}

async function exposurePlot() {
  const name = $("cp-dataset").value;
  const m = await api("/api/analysis/" + encodeURIComponent(name) + "/exposure?origin=" +
    encodeURIComponent($("ex-origin").value) + "&stage=" + encodeURIComponent($("ex-stage").value));
  Plotly.react("ex-plot", [{
    type: "heatmap", z: m.values.map((row) => row.map((v) => (v === null ? null : v * 100))),
    x: m.columns, y: m.rows, colorscale: "Reds", zmin: 0, zmax: 100,
    colorbar: { title: { text: "%" } }, hovertemplate: "%{y} %{x}: %{z:.1f}%<extra></extra>",
  }], { margin: { l: 80, r: 10, t: 30, b: 120 }, height: 520, title: { text: m.title, font: { size: 13 } } }, PLOT_CONFIG);
}

async function leveragePlot() {
  const name = $("cp-dataset").value;
  $("lv-pairs").textContent = "Simulating…";
  const regions = $("lv-regions").value.replace(/\s+/g, "");
  const m = await api("/api/analysis/" + encodeURIComponent(name) + "/leverage?regions=" +
    encodeURIComponent(regions) + "&horizon_days=" + $("lv-horizon").value);
  const z = m.damage_usd.map((row) => row.map((v) => (v === null ? null : v / 1e9)));
  const text = m.instrument.map((row, i) => row.map((ins, j) => (ins === null ? "" :
    ins + "<br>own cost " + usd(m.own_cost_usd[i][j]) + "<br>pain day " + fmt(m.time_to_pain_day[i][j]))));
  Plotly.react("lv-plot", [{
    type: "heatmap", z, x: m.regions, y: m.regions, text, colorscale: "YlOrRd", reversescale: true,
    colorbar: { title: { text: "USD bn" } },
    hovertemplate: "%{y} → %{x}: $%{z:.2f} bn<br>%{text}<extra></extra>",
  }], { margin: { l: 60, r: 10, t: 30, b: 60 }, height: 460,
    xaxis: { title: { text: "target" } }, yaxis: { title: { text: "actor" }, autorange: "reversed" },
    title: { text: "Damage of each actor's strongest instrument (" + m.horizon_days + " days)", font: { size: 13 } },
  }, PLOT_CONFIG);
  $("lv-pairs").className = "";
  $("lv-pairs").replaceChildren(table(m.pairs, [
    { key: "region_a", label: "A" }, { key: "region_b", label: "B" },
    { key: "damage_a_to_b_usd", label: "A→B damage" }, { key: "damage_b_to_a_usd", label: "B→A damage" },
    { key: "symmetry", label: "Symmetry" }, { key: "stronger", label: "Stronger" },
  ], { damage_a_to_b_usd: usd, damage_b_to_a_usd: usd, symmetry: (v) => fmt(v, 2) }),
  ...m.notes.map((n) => el("p", { class: "muted" }, n)));
}

// ---------------------------------------------------------------- start

$("token").value = state.token;
$("auth").onsubmit = (event) => {
  event.preventDefault();
  state.token = $("token").value.trim();
  sessionStorage.setItem("chokepoint-token", state.token);
  state.datasets = []; state.presets = [];
  for (const s of document.querySelectorAll("select")) if (s.id.endsWith("dataset") || s.id.endsWith("preset")) s.innerHTML = "";
  route();
};
window.addEventListener("hashchange", route);
route();
