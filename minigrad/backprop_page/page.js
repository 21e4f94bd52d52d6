// The backprop player: shows one recorded step of the backward pass at a time.
// The steps (what each node received, its rule, what it sent) are the JSON
// that minigrad.explain wrote into this page; nothing here computes a gradient.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("backprop-data").textContent);
  const steps = data.steps;
  const last = steps.length - 1;
  const HEALTH = ["flowing", "vanishing", "dead", "exploding"];
  const HIGHLIGHTS = ["current", "current-op", "sending", "arriving"];
  const $ = (id) => document.getElementById(id);
  const slider = $("slider");
  const counter = $("counter");
  const panel = $("panel");
  const graph = $("graph");
  const svg = graph.querySelector("svg");
  // Below this scale the graph's text is too small to read: scroll instead.
  const MIN_SCALE = 0.8;
  const playButton = $("play");
  let current = 0;
  let timer = null;

  function esc(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({
      "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
    })[c]);
  }

  // Four significant digits, as the Python side prints them.
  function fmt(v) {
    if (v === 0) return "0";
    if (!Number.isFinite(v)) return String(v);
    return String(Number(v.toPrecision(4)));
  }

  function num(text) {
    return `<span class="num">${esc(text)}</span>`;
  }

  function svgElement(id) {
    return id ? document.getElementById(id) : null;
  }

  // grad x local = sent, element by element, when the arrays are small enough to list.
  function product(step, send) {
    const g = step.grad_values, d = send.local_values, s = send.values;
    if (!g || !d || !s || send.local_matrix || d.length !== s.length) return null;
    if (g.length !== s.length && g.length !== 1) return null;
    const terms = s.map((v, i) => {
      const term = `${fmt(g.length === 1 ? g[0] : g[i])} &times; ${fmt(d[i])} = ${fmt(v)}`;
      return v === 0 ? `<span class="zero">${term}</span>` : term;
    });
    if (terms.length === 1) return `<span class="num">${terms[0]}</span>`;
    return "<ul>" + terms.map((t) => `<li class="num">${t}</li>`).join("") + "</ul>";
  }

  // "1 + 3 + 3 = 7" when every contribution is one number, else just the sum.
  function sumText(step) {
    const parts = step.received.map((r) => r.values);
    const total = step.hooked_from !== undefined ? step.hooked_from : step.grad;  // before hooks
    if (!parts.every((v) => v && v.length === 1)) return total;
    return parts.map((v) => fmt(v[0])).join(" + ") + " = " + total;
  }

  function arriving(step) {
    const name = `<span class="name">${esc(step.label)}</span>`;
    if (step.received.length === 0) {
      return `<p>Backward starts at ${name} with the seed gradient ` +
        `${num(step.grad)}: d${esc(step.label)}/d${esc(step.label)} = 1.</p>`;
    }
    let text;
    if (step.received.length === 1) {
      const r = step.received[0];
      text = `<p>${name} is used once, by <span class="name">${esc(r.from)}</span> ` +
        `(<code>${esc(r.op)}</code>), which sent it ${num(r.grad)}.</p>`;
    } else {
      const items = step.received.map((r) =>
        `<li>from <span class="name">${esc(r.from)}</span> (<code>${esc(r.op)}</code>): ` +
        `${num(r.grad)}</li>`).join("");
      text = `<p>${name} is used ${step.received.length} times, so its gradient is the ` +
        `<b>sum</b> of what each use sent (gradients add up, <code>+=</code>):</p>` +
        `<ul>${items}</ul><p>sum: ${num(sumText(step))}</p>`;
    }
    if (step.hooked_from !== undefined) {
      text += `<p class="note">A hook replaced the gradient ${num(step.hooked_from)} ` +
        `by ${num(step.grad)}.</p>`;
    }
    return text + `<p>Its complete gradient: <b>${num(step.grad)}</b></p>`;
  }

  function sending(step) {
    if (step.leaf) {
      return `<p><span class="name">${esc(step.label)}</span> is a leaf (made by no op: a ` +
        "parameter, or an input you asked a gradient for), so there is nothing to send on. " +
        `Its gradient ${num(step.grad)} is added to its <code>.grad</code>.</p>`;
    }
    const parts = [`<p>The op <code>${esc(step.op)}</code> made ` +
      `<span class="name">${esc(step.label)}</span> = ${num(step.value)}. ` +
      "Each input receives the gradient times the local derivative of the output " +
      "with respect to that input (the chain rule).</p>"];
    const rows = step.sends.map((send) => {
      const local = send.local === null ? "<span class='note'>(too large to list)</span>"
        : num(send.local) + (send.local_matrix ? " <span class='note'>(Jacobian)</span>" : "");
      let gets = product(step, send) || num(send.grad);
      if (send.zero > 0 && send.size > 1) {
        gets += `<div class="note">${send.zero} of ${send.size} entries are 0: ` +
          "nothing flows back through them</div>";
      } else if (send.zero > 0) {
        gets += "<div class='note'>0: nothing flows back along this edge</div>";
      }
      return `<tr><th>${esc(send.to)}</th><td><code>${esc(send.rule)}</code></td>` +
        `<td>${local}</td><td>${gets}</td></tr>`;
    });
    parts.push("<table><tr><th>input</th><th>rule</th><th>local derivative here</th>" +
      `<th>receives (gradient &times; local derivative)</th></tr>${rows.join("")}</table>`);
    if (step.quiet.length) {
      parts.push(`<p class="note">${step.quiet.map(esc).join(", ")} ` +
        `need${step.quiet.length === 1 ? "s" : ""} no gradient: nothing is sent there.</p>`);
    }
    return parts.join("");
  }

  function describe(step, k) {
    const kind = step.leaf ? "a leaf" : `the output of <code>${esc(step.op)}</code>`;
    let end = "";
    if (k === last) {
      end = "<p class='note'>This was the last step: every gradient is complete.</p>";
    }
    const dims = step.shape.length === 1 ? `${step.shape[0]},` : step.shape.join(", ");
    const shape = step.shape.length ? `, shape (${dims})` : "";
    return `<h2>Step ${k}: <span class="name">${esc(step.label)}</span> ` +
      `<small>(${kind}${shape})</small></h2><div class="columns">` +
      `<div><h3>1. The gradient arriving</h3>${arriving(step)}</div>` +
      `<div><h3>2. The local derivative, and what is sent</h3>${sending(step)}${end}</div>` +
      "</div>";
  }

  // Fit the drawing to the width when that keeps its text readable.
  function fitGraph() {
    if (!svg || !svg.viewBox.baseVal || !svg.viewBox.baseVal.width) return;
    const natural = svg.viewBox.baseVal.width * 4 / 3;  // Graphviz points to CSS pixels
    const scale = Math.max(MIN_SCALE, Math.min(1, (graph.clientWidth - 12) / natural));
    svg.style.width = `${natural * scale}px`;
    svg.style.maxWidth = "none";
    svg.style.height = "auto";
  }

  // Bring the visited node into the middle of the drawing's scrolled view.
  function centre(element) {
    if (!element) return;
    const box = element.getBoundingClientRect();
    const view = graph.getBoundingClientRect();
    graph.scrollLeft += box.left + box.width / 2 - (view.left + view.width / 2);
    graph.scrollTop += box.top + box.height / 2 - (view.top + view.height / 2);
  }

  function go(k) {
    k = Math.max(0, Math.min(last, Math.round(Number(k)) || 0));
    current = k;
    document.querySelectorAll("#graph ." + HIGHLIGHTS.join(", #graph ."))
      .forEach((e) => e.classList.remove(...HIGHLIGHTS));
    // Nodes visited so far take their gradient's health colour.
    steps.forEach((s, j) => {
      const node = svgElement(s.node);
      if (!node) return;
      node.classList.remove("visited", ...HEALTH);
      if (j <= k) node.classList.add("visited", s.health);
      // The box's last line is its gradient: unknown until backward gets there.
      const texts = node.querySelectorAll("text");
      if (texts.length) texts[texts.length - 1].style.visibility = j <= k ? "" : "hidden";
    });
    const step = steps[k];
    svgElement(step.node)?.classList.add("current");
    centre(svgElement(step.node));
    svgElement(step.op_node)?.classList.add("current-op");
    for (const send of step.sends) svgElement(send.edge)?.classList.add("sending");
    for (const r of step.received) svgElement(r.edge)?.classList.add("arriving");
    panel.innerHTML = describe(step, k);
    slider.value = String(k);
    counter.textContent = `step ${k} (of 0 to ${last})`;
    $("first").disabled = $("back").disabled = k === 0;
    $("forward").disabled = k === last;
    return k;
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    playButton.innerHTML = "&#x25B6; play";
  }

  function play() {
    if (timer !== null) return stop();
    if (current === last) go(0);
    playButton.innerHTML = "&#x275A;&#x275A; pause";
    timer = setInterval(() => {
      if (current >= last) stop();
      else go(current + 1);
    }, 1500);
  }

  fitGraph();
  window.addEventListener("resize", () => { fitGraph(); centre(svgElement(steps[current].node)); });
  slider.max = String(last);
  slider.addEventListener("input", () => { stop(); go(slider.value); });
  $("first").addEventListener("click", () => { stop(); go(0); });
  $("back").addEventListener("click", () => { stop(); go(current - 1); });
  $("forward").addEventListener("click", () => { stop(); go(current + 1); });
  playButton.addEventListener("click", play);
  document.addEventListener("keydown", (event) => {
    if (event.target === slider || event.altKey || event.ctrlKey || event.metaKey) return;
    const moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: last };
    if (event.key in moves) {
      stop();
      go(moves[event.key]);
      event.preventDefault();
    } else if (event.key === " " && event.target.tagName !== "BUTTON") {
      play();
      event.preventDefault();
    }
  });

  window.backprop = {
    steps: steps.length,
    get step() { return current; },
    go: go,
  };
  go(0);
})();
