// The playground page. The server trains the network and measures everything;
// this script sends the learner's settings and draws what comes back.
"use strict";

const CLASS_COLOURS = ["#CC79A7", "#009E73", "#8C6D31"];
const STATE_NAMES = { d: "dead", s: "saturated", f: "flowing" };
const LOG_LOW = -8; // the gradient bars span 1e-8 .. 1e1 of the output's gradient
const LOG_HIGH = 1;
// Where 10^e sits along a gradient bar, from 0 (1e-8) to 1 (1e1).
const logPosition = (e) => (e - LOG_LOW) / (LOG_HIGH - LOG_LOW);
const MAX_POINTS = 2000; // curve points kept; older ones are thinned out

const $ = (id) => document.getElementById(id);
const settingInputs = () => Array.from(document.querySelectorAll("[data-setting]"));

const page = {
  socket: null,
  run: null, // the "run" message: settings, data, network
  state: null, // the latest "state" message
  history: [], // [step, loss, accuracy, dead share]
  presets: {},
  colours: null, // the renderer's colours, from the server
  sent: 0, // settings messages sent
};

// ------------------------------------------------------------ messages

function connect() {
  const socket = new WebSocket(`ws://${location.host}/ws`);
  page.socket = socket;
  socket.addEventListener("message", (event) => receive(JSON.parse(event.data)));
  socket.addEventListener("close", () => {
    showMessage("The connection to the playground's server was lost: is it still running? Reload the page to reconnect.");
  });
}

function send(message) {
  if (page.socket && page.socket.readyState === WebSocket.OPEN) {
    page.socket.send(JSON.stringify(message));
  }
}

// Each settings message has an id, so that a run started for an older one
// (the learner kept typing) does not clear what the newer one showed.
function sendSettings() {
  const settings = {};
  for (const input of settingInputs()) settings[input.dataset.setting] = input.value;
  page.sent += 1;
  send({ type: "settings", id: page.sent, settings });
}

function receive(message) {
  if (message.type === "hello") hello(message);
  else if (message.type === "run") newRun(message);
  else if (message.type === "state") newState(message);
  else if (message.type === "invalid") invalid(message);
  else if (message.type === "error") showMessage(message.message);
}

function hello(message) {
  fillSelect($("dataset"), message.datasets, "moons");
  fillSelect($("activation"), message.activations, "relu");
  fillSelect($("init"), message.inits, "he");
  fillSelect($("optimizer"), Object.keys(message.optimizers), "sgd", message.optimizers);
  $("saturated-rule").textContent = message.saturated_rule;
  useColours(message.colours);
  page.presets = message.presets;
  const preset = $("preset");
  for (const [key, p] of Object.entries(message.presets)) {
    preset.append(new Option(p.title, key));
  }
  sendSettings();
}

// The renderer's colours: CSS variables for dead and saturated cells, a blue from
// pale to deep for flowing ones, and one colour per gradient class for the bars.
function useColours(colours) {
  page.colours = colours;
  const root = document.documentElement.style;
  root.setProperty("--dead", colours.dead);
  root.setProperty("--saturated", colours.saturated);
  root.setProperty("--flowing", colours.gradient.flowing);
  for (const cell of document.querySelectorAll("#unit-legend .unit.flowing")) {
    cell.style.backgroundColor = flowingColour(Number(cell.dataset.share));
  }
  const legend = $("gradient-legend");
  legend.replaceChildren();
  for (const [state, text] of Object.entries(colours.gradient_rules)) {
    const item = document.createElement("li");
    item.innerHTML = '<span class="swatch"></span> <span></span>';
    item.children[0].style.backgroundColor = colours.gradient[state];
    item.children[1].textContent = text;
    legend.append(item);
  }
}

// The renderer's flowing blue: from pale (passes on no example) to deep (on all).
function flowingColour(share) {
  const { flowing_pale: pale, flowing_deep: deep } = page.colours;
  const channel = (i) => Math.round(pale[i] + (deep[i] - pale[i]) * share);
  return `#${[0, 1, 2].map((i) => channel(i).toString(16).padStart(2, "0")).join("")}`;
}

function fillSelect(select, values, chosen, labels) {
  const current = select.value || chosen;
  select.replaceChildren(...values.map((v) => new Option(labels ? labels[v] : v, v)));
  select.value = values.includes(current) ? current : values[0];
}

function newRun(message) {
  page.run = message;
  page.history = [];
  page.state = null;
  // The inputs keep what the learner typed; the run is for the latest settings
  // sent (or a reset), so an earlier complaint no longer applies.
  if (message.id === null || message.id === page.sent) {
    for (const input of settingInputs()) input.classList.remove("invalid");
    hideMessage();
  }
  buildNetwork(message.network);
}

function newState(state) {
  page.state = state;
  const last = page.history[page.history.length - 1];
  if (!last || last[0] !== state.step) {
    page.history.push([state.step, state.loss, state.accuracy, state.dead_share]);
    if (page.history.length > MAX_POINTS) page.history = page.history.filter((_, i) => i % 2 === 0);
  }
  $("steps").textContent = state.step;
  $("loss").textContent = state.loss === null ? "NaN" : state.loss.toPrecision(4);
  $("accuracy").textContent = state.accuracy === null ? "-" : `${(100 * state.accuracy).toFixed(1)}%`;
  $("play").classList.toggle("on", state.playing);
  if (state.diverged) showMessage(`The run diverged: ${state.diverged}. Lower the learning rate and press reset.`);
  drawBoundary();
  drawCurves();
  drawDeadShare();
  updateNetwork(state.layers);
}

function invalid(message) {
  for (const input of settingInputs()) {
    input.classList.toggle("invalid", input.dataset.setting === message.field);
  }
  showMessage(`${message.message}. The run goes on with the previous settings.`);
}

function showMessage(text) {
  const box = $("message");
  box.textContent = text;
  box.hidden = false;
}

function hideMessage() {
  $("message").hidden = true;
}

// ------------------------------------------------------------- network

function buildNetwork(layers) {
  const list = $("network");
  list.replaceChildren();
  list.append(ioRow("input", "2 coordinates (x, y)"));
  layers.forEach((layer, i) => {
    const row = document.createElement("li");
    row.className = "layer";
    const name = document.createElement("div");
    name.className = "name";
    name.innerHTML = `layer ${i + 1}: <b></b><small></small>`;
    name.querySelector("b").textContent = layer.activation;
    name.querySelector("small").textContent = `${layer.units} units`;
    const strip = document.createElement("div");
    strip.className = "strip";
    for (let u = 0; u < layer.units; u++) {
      const cell = document.createElement("div");
      cell.className = "unit flowing";
      cell.dataset.layer = i;
      cell.dataset.unit = u;
      strip.append(cell);
    }
    const bar = document.createElement("div");
    bar.className = "gradbar";
    bar.innerHTML = '<div class="track"><div class="fill"></div></div><span class="value"></span>';
    for (let e = LOG_LOW; e <= LOG_HIGH; e += 2) {
      const tick = document.createElement("div");
      tick.className = "tick";
      tick.style.left = `${100 * logPosition(e)}%`;
      bar.querySelector(".track").append(tick);
    }
    row.append(name, strip, bar);
    list.append(row);
  });
  const scale = document.createElement("li");
  scale.className = "io";
  scale.innerHTML = '<div class="name">gradient scale</div><div class="scale"></div>';
  for (let e = LOG_LOW; e <= LOG_HIGH; e += 2) {
    const label = document.createElement("span");
    label.style.left = `${100 * logPosition(e)}%`;
    label.textContent = e === 0 ? "1" : `1e${e}`;
    scale.querySelector(".scale").append(label);
  }
  list.append(scale);
  const classes = page.run ? page.run.classes : 2;
  list.append(ioRow("output", `${classes} logits (gradient 1: the reference)`));
}

function ioRow(title, text) {
  const row = document.createElement("li");
  row.className = "io";
  row.innerHTML = '<div class="name"></div><div></div>';
  row.children[0].textContent = title;
  row.children[1].textContent = text;
  return row;
}

function updateNetwork(layers) {
  const rows = document.querySelectorAll("#network li.layer");
  layers.forEach((layer, i) => {
    const row = rows[i];
    if (!row) return;
    const cells = row.querySelectorAll(".unit");
    for (let u = 0; u < cells.length; u++) {
      const state = STATE_NAMES[layer.states[u]];
      cells[u].className = `unit ${state}`;
      const share = layer.unit_passing[u];
      cells[u].style.backgroundColor = state === "flowing" ? flowingColour(share === null ? 0 : share) : "";
    }
    const r = layer.grad_rel;
    const fill = row.querySelector(".fill");
    const value = row.querySelector(".value");
    // coloured by its class relative to the output's, as in the renderer's layer view
    fill.style.backgroundColor = page.colours.gradient[layer.grad_class];
    row.dataset.gradient = layer.grad_class;
    if (r === null || r <= 0) {
      fill.style.width = "0";
      value.textContent = r === 0 ? "0: dead" : `- ${layer.grad_class}`;
    } else {
      const x = logPosition(Math.log10(r));
      fill.style.width = `${100 * Math.min(1, Math.max(0, x))}%`;
      const shown = r >= 0.01 ? r.toPrecision(2) : r.toExponential(1);
      value.textContent = `\u00d7 ${shown} ${layer.grad_class}`;
    }
  });
}

function showTooltip(event) {
  const cell = event.target.closest(".strip .unit");
  const tip = $("tooltip");
  if (!cell || !page.state) {
    tip.hidden = true;
    return;
  }
  const layer = page.state.layers[Number(cell.dataset.layer)];
  const u = Number(cell.dataset.unit);
  if (!layer) return;
  const fmt = (v) => {
    if (v === null) return "NaN";
    return v === 0 || Math.abs(v) >= 0.01 ? Number(v.toPrecision(3)).toString() : v.toExponential(2);
  };
  tip.innerHTML = "";
  const lines = [
    [`layer ${Number(cell.dataset.layer) + 1}, unit ${u + 1}`, STATE_NAMES[layer.states[u]]],
    ["gradient / output's (RMS)", fmt(layer.unit_grad_rel[u])],
    ["mean |f'(x)| / peak", fmt(layer.unit_derivative[u])],
    ["passes gradient on", `${(100 * layer.unit_passing[u]).toFixed(0)}% of examples`],
    ["mean output", fmt(layer.unit_output[u])],
  ];
  for (const [k, v] of lines) {
    const line = document.createElement("div");
    line.innerHTML = "<b></b>: <span></span>";
    line.children[0].textContent = k;
    line.children[1].textContent = v;
    tip.append(line);
  }
  tip.hidden = false;
  tip.style.left = `${event.clientX + 14}px`;
  tip.style.top = `${event.clientY + 14}px`;
}

// -------------------------------------------------------------- charts

function drawBoundary() {
  const canvas = $("boundary");
  const ctx = canvas.getContext("2d");
  const { extent, points, labels, classes } = page.run;
  const b = page.state.boundary;
  const W = canvas.width;
  const H = canvas.height;
  const cw = W / b.size;
  const ch = H / b.size;
  ctx.clearRect(0, 0, W, H);
  for (let r = 0; r < b.size; r++) {
    for (let c = 0; c < b.size; c++) {
      const k = r * b.size + c;
      // confidence from chance (1/classes) to certain (1) sets the tint's strength
      const p = (b.confidence[k] / 100 - 1 / classes) / (1 - 1 / classes);
      ctx.fillStyle = tint(CLASS_COLOURS[b.classes[k]], 0.1 + 0.45 * Math.max(0, p));
      ctx.fillRect(Math.floor(c * cw), Math.floor(H - (r + 1) * ch), Math.ceil(cw) + 1, Math.ceil(ch) + 1);
    }
  }
  const [x0, y0, x1, y1] = extent;
  for (let i = 0; i < labels.length; i++) {
    const x = ((points[2 * i] - x0) / (x1 - x0)) * W;
    const y = H - ((points[2 * i + 1] - y0) / (y1 - y0)) * H;
    ctx.beginPath();
    ctx.arc(x, y, 3.2, 0, 2 * Math.PI);
    ctx.fillStyle = CLASS_COLOURS[labels[i]];
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#fff";
    ctx.stroke();
  }
}

// The colour `hex` mixed with white: opaque, so neighbouring cells leave no seams.
function tint(hex, strength) {
  const mix = (i) => Math.round(255 + (parseInt(hex.slice(i, i + 2), 16) - 255) * strength);
  return `rgb(${mix(1)}, ${mix(3)}, ${mix(5)})`;
}

function drawAxes(ctx, W, H, pad, label) {
  ctx.strokeStyle = "#999";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(pad.l, pad.t);
  ctx.lineTo(pad.l, H - pad.b);
  ctx.lineTo(W - pad.r, H - pad.b);
  ctx.stroke();
  ctx.fillStyle = "#555";
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "right";
  ctx.fillText(label, W - pad.r, H - 3);
}

function plotLine(ctx, xs, ys, colour, xmax, toY, pad, W) {
  ctx.strokeStyle = colour;
  ctx.lineWidth = 1.6;
  ctx.beginPath();
  let started = false;
  for (let i = 0; i < xs.length; i++) {
    if (ys[i] === null || !Number.isFinite(ys[i])) continue;
    const x = pad.l + (xmax > 0 ? xs[i] / xmax : 0) * (W - pad.l - pad.r);
    const y = toY(ys[i]);
    if (started) ctx.lineTo(x, y);
    else ctx.moveTo(x, y);
    started = true;
  }
  ctx.stroke();
}

// A cleared chart over the run's history, its axes drawn, steps along x.
function startChart(id) {
  const canvas = $(id);
  const ctx = canvas.getContext("2d");
  const W = canvas.width;
  const H = canvas.height;
  const pad = { l: 34, r: 30, t: 8, b: 18 };
  ctx.clearRect(0, 0, W, H);
  const h = page.history;
  const steps = h.map((p) => p[0]);
  const xmax = Math.max(1, steps[steps.length - 1] || 1);
  drawAxes(ctx, W, H, pad, `step ${xmax}`);
  return { ctx, W, H, pad, h, steps, xmax };
}

function drawCurves() {
  const { ctx, W, H, pad, h, steps, xmax } = startChart("curves");
  // loss on a log scale, left axis; accuracy 0..1, right axis
  const losses = h.map((p) => p[1]).filter((v) => v !== null && v > 0);
  const hi = Math.log10(Math.max(...losses, 1));
  const lo = Math.min(Math.log10(Math.min(...losses, 1)), hi - 1);
  const top = Math.ceil(hi);
  const bottom = Math.floor(lo);
  const plotH = H - pad.t - pad.b;
  const lossY = (v) => pad.t + ((top - Math.log10(v)) / (top - bottom)) * plotH;
  const accY = (v) => pad.t + (1 - v) * plotH;
  ctx.fillStyle = "#d55e00";
  ctx.textAlign = "right";
  ctx.fillText(`1e${top}`, pad.l - 3, pad.t + 8);
  ctx.fillText(`1e${bottom}`, pad.l - 3, H - pad.b);
  ctx.fillStyle = "#0072B2";
  ctx.textAlign = "left";
  ctx.fillText("100%", W - pad.r + 2, pad.t + 8);
  ctx.fillText("0%", W - pad.r + 2, H - pad.b);
  plotLine(ctx, steps, h.map((p) => (p[1] > 0 ? p[1] : null)), "#d55e00", xmax, lossY, pad, W);
  plotLine(ctx, steps, h.map((p) => p[2]), "#0072B2", xmax, accY, pad, W);
}

function drawDeadShare() {
  const { ctx, W, H, pad, h, steps, xmax } = startChart("deadshare");
  ctx.fillStyle = "#555";
  ctx.textAlign = "right";
  ctx.fillText("100%", pad.l - 3, pad.t + 8);
  ctx.fillText("0%", pad.l - 3, H - pad.b);
  const plotH = H - pad.t - pad.b;
  plotLine(ctx, steps, h.map((p) => p[3]), "#000", xmax, (v) => pad.t + (1 - v) * plotH, pad, W);
  const share = page.state.dead_share;
  ctx.textAlign = "left";
  ctx.fillText(`${(100 * share).toFixed(0)}%`, W - pad.r + 2, pad.t + (1 - share) * plotH + 4);
}

// ------------------------------------------------------------- wiring

function applyPreset() {
  const p = page.presets[$("preset").value];
  if (!p) return;
  $("caption").textContent = p.caption;
  for (const input of settingInputs()) input.value = p.settings[input.dataset.setting];
  sendSettings();
}

// A setting changed by hand: the run is no longer the lesson's, but its caption
// still says what to compare with.
function leavePreset() {
  const p = page.presets[$("preset").value];
  if (!p) return;
  $("preset").value = "";
  $("caption").textContent = `Changed from the lesson "${p.title}": ${p.caption}`;
}

window.addEventListener("DOMContentLoaded", () => {
  for (const id of ["play", "pause", "step", "reset"]) {
    $(id).addEventListener("click", () => send({ type: id }));
  }
  for (const input of settingInputs()) {
    input.addEventListener("change", () => {
      leavePreset();
      sendSettings();
    });
  }
  $("preset").addEventListener("change", applyPreset);
  $("network").addEventListener("mousemove", showTooltip);
  $("network").addEventListener("mouseleave", () => ($("tooltip").hidden = true));
  connect();
});
