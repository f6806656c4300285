// Step 3's two live pictures, each painted on a canvas of its own (ui/components/playground_canvas.py):
//
// * "network": links coloured by the sign of their weight and as wide as its size, and a picture on every
//   neuron (ui/views/playground_network.network_picture); a click on a link opens a box for its weight;
// * "plane": the network's output over the plane x1, x2 as a shaded picture, with the data points, the
//   axes, and the values on hover (ui/views/live_charts.plane_picture).
//
// Why canvases of our own: training redraws both about 10 times a second. Pictures sent as PNG images have
// to be decoded before they can be drawn, so every redraw was drawn twice (first a coarse stand-in, then
// the picture), and the stand-in showed. Here each picture arrives as raw RGB bytes and is painted in the
// same pass as everything else: one pass per redraw, and never a frame without its pictures.
//
// Streamlit calls the default export again with new data on every redraw, with the same parentElement.
// The canvas, the tooltip and the weight editor are made once and kept (STATE), so a redraw only paints.
// The numbers and colours all come from Python; this file only places and paints them.

const STATE = new WeakMap(); // parentElement -> what was built for it, the latest data, the hit areas

export default function playgroundCanvas({ data, parentElement, setTriggerValue }) {
  let s = STATE.get(parentElement);
  if (!s) {
    s = build(parentElement);
    STATE.set(parentElement, s);
  }
  s.data = data;
  s.send = setTriggerValue;
  s.canvas.setAttribute("aria-label", data.alt || "");
  paint(s);
  // Streamlit may call an earlier call's cleanup while this one still draws (a redraw replaced it):
  // only an element that has left the page is taken apart.
  return () => {
    if (!s.box.isConnected) {
      s.resize.disconnect();
      STATE.delete(parentElement);
    }
  };
}

function build(parentElement) {
  const box = document.createElement("div");
  box.className = "dl3-canvas";
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  const tip = document.createElement("div");
  tip.className = "dl3-canvas-tip";
  tip.hidden = true;
  const editor = document.createElement("input");
  editor.className = "dl3-canvas-editor";
  editor.type = "number";
  editor.step = "any";
  editor.hidden = true;
  box.append(canvas, tip, editor);
  parentElement.append(box);
  const s = { box, canvas, tip, editor, tiles: [], hits: [], editing: null };
  // A new width (the window, the sidebar folded) repaints at once: the network's columns stay under their buttons.
  s.resize = new ResizeObserver(() => s.data && paint(s));
  s.resize.observe(box);
  canvas.addEventListener("mousemove", (event) => hover(s, event));
  canvas.addEventListener("mouseleave", () => { tip.hidden = true; });
  canvas.addEventListener("click", (event) => click(s, event));
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); submit(s); }
    else if (event.key === "Escape") closeEditor(s);
  });
  editor.addEventListener("blur", () => closeEditor(s));
  return s;
}

// --- painting -------------------------------------------------------------------------------------
function paint(s) {
  const network = s.data.kind === "network";
  const width = network ? s.box.clientWidth || 300 : s.data.margin.left + s.data.size + s.data.margin.right;
  const height = network ? (s.data.rows + 1) * s.data.row_px
    : s.data.margin.top + s.data.size + s.data.margin.bottom;
  const ctx = sized(s.canvas, width, height, network);
  s.hits = network ? paintNetwork(s, ctx, width) : paintPlane(s, ctx);
}

// The canvas at width × height CSS pixels, sharp on any screen (its backing store has the device's pixels).
function sized(canvas, width, height, stretch) {
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  canvas.style.width = stretch ? "100%" : `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = true;
  return ctx;
}

const LABEL_FONT = "11px 'Source Sans Pro', 'Source Sans 3', sans-serif";
const LABEL_COLOR = "#555";

function paintNetwork(s, ctx, width) {
  const d = s.data;
  const column = width / d.columns;
  const x = (c) => (c + 0.5) * column; // column c's centre
  const y = (row) => (d.rows / 2 + 0.5 - row) * d.row_px; // a row above the middle, in pixels from the top
  const tile = Math.min(d.tile_px, 0.42 * column); // a neuron's picture: square, narrower on a crowded phone
  const hits = [];
  const links = d.links;
  ctx.globalAlpha = 0.75;
  for (let i = 0; i < links.w.length; i++) {
    const x1 = x(links.c[i]), y1 = y(links.y1[i]), x2 = x(links.c[i] + 1), y2 = y(links.y2[i]);
    ctx.strokeStyle = links.w[i] >= 0 ? d.colors.positive : d.colors.negative;
    ctx.lineWidth = links.width[i];
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x2, y2);
    ctx.stroke();
    hits.push({ link: i, x1, y1, x2, y2, reach: Math.max(4, links.width[i] / 2 + 2) });
  }
  ctx.globalAlpha = 1;
  const n = d.neurons;
  for (let i = 0; i < n.c.length; i++) {
    const left = x(n.c[i]) - tile / 2, top = y(n.row[i]) - tile / 2;
    ctx.drawImage(tileCanvas(s, i, n.rgb[i], n.w[i], n.h[i]), left, top, tile, tile);
    ctx.strokeStyle = "rgba(0, 0, 0, 0.25)";
    ctx.lineWidth = 1;
    ctx.strokeRect(left - 0.5, top - 0.5, tile + 1, tile + 1);
    hits.push({ neuron: i, x0: left, y0: top, x1: left + tile, y1: top + tile });
  }
  ctx.fillStyle = LABEL_COLOR;
  ctx.font = LABEL_FONT;
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  d.heads.forEach((text, c) => ctx.fillText(text, x(c), y(d.rows / 2 + 0.05)));
  ctx.textBaseline = "top";
  d.more.forEach((text, c) => text && ctx.fillText(text, x(c), y(-d.rows / 2 - 0.05)));
  // Neurons first: a pointer on a picture means the neuron, not a link under it.
  return hits.filter((h) => h.neuron !== undefined).concat(hits.filter((h) => h.link !== undefined));
}

function paintPlane(s, ctx) {
  const d = s.data, m = d.margin, span = d.hi - d.lo;
  const x = (v) => m.left + ((v - d.lo) / span) * d.size;
  const y = (v) => m.top + ((d.hi - v) / span) * d.size;
  ctx.drawImage(tileCanvas(s, 0, d.shade.rgb, d.shade.w, d.shade.h), m.left, m.top, d.size, d.size);
  // The axes: a tick and its number at each of d.ticks, under and left of the plane.
  ctx.strokeStyle = "#888";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(m.left - 0.5, m.top);
  ctx.lineTo(m.left - 0.5, m.top + d.size + 0.5);
  ctx.lineTo(m.left + d.size, m.top + d.size + 0.5);
  d.ticks.forEach((t) => {
    ctx.moveTo(x(t), m.top + d.size);
    ctx.lineTo(x(t), m.top + d.size + 5);
    ctx.moveTo(m.left - 5, y(t));
    ctx.lineTo(m.left, y(t));
  });
  ctx.stroke();
  ctx.fillStyle = LABEL_COLOR;
  ctx.font = LABEL_FONT;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  d.ticks.forEach((t, i) => ctx.fillText(d.tick_labels[i], x(t), m.top + d.size + 7));
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  d.ticks.forEach((t, i) => ctx.fillText(d.tick_labels[i], m.left - 7, y(t)));
  // The points: filled, a white rim; training points are circles, test points diamonds.
  const p = d.points, r = d.point_radius, hits = [];
  ctx.lineWidth = 1.2;
  ctx.strokeStyle = "#fff";
  for (let i = 0; i < p.x1.length; i++) {
    const px = x(p.x1[i]), py = y(p.x2[i]);
    ctx.fillStyle = p.fill ? p.fill[i] : d.class_colors[p.value[i]];
    ctx.beginPath();
    if (p.test[i]) {
      const q = r * 1.3;
      ctx.moveTo(px, py - q);
      ctx.lineTo(px + q, py);
      ctx.lineTo(px, py + q);
      ctx.lineTo(px - q, py);
      ctx.closePath();
    } else {
      ctx.arc(px, py, r, 0, 2 * Math.PI);
    }
    ctx.fill();
    ctx.stroke();
    hits.push({ point: i, x: px, y: py, reach: r + 2 });
  }
  // The last point drawn is on top: it answers first. Elsewhere on the plane, its value at the nearest probe.
  hits.reverse();
  hits.push({ plane: true, x0: m.left, y0: m.top, x1: m.left + d.size, y1: m.top + d.size });
  return hits;
}

// A picture: its RGB bytes put into a small canvas of its own (kept, one per place), to be drawn scaled.
function tileCanvas(s, i, base64, width, height) {
  let tile = s.tiles[i];
  if (!tile) tile = s.tiles[i] = document.createElement("canvas");
  if (tile.width !== width || tile.height !== height) {
    tile.width = width;
    tile.height = height;
  }
  const bytes = atob(base64);
  const context = tile.getContext("2d");
  const image = context.createImageData(width, height);
  const px = image.data;
  for (let p = 0, q = 0; p < width * height; p++, q += 3) {
    px[4 * p] = bytes.charCodeAt(q);
    px[4 * p + 1] = bytes.charCodeAt(q + 1);
    px[4 * p + 2] = bytes.charCodeAt(q + 2);
    px[4 * p + 3] = 255;
  }
  context.putImageData(image, 0, 0);
  return tile;
}

// --- hovering ---------------------------------------------------------------------------------------
function spot(s, event) {
  const r = s.canvas.getBoundingClientRect();
  const x = event.clientX - r.left, y = event.clientY - r.top;
  let best = null;
  for (const h of s.hits) {
    if (h.x0 !== undefined) {
      if (x >= h.x0 && x <= h.x1 && y >= h.y0 && y <= h.y1) return { x, y, hit: h };
      continue;
    }
    const d = h.link !== undefined ? toSegment(x, y, h) : Math.hypot(x - h.x, y - h.y);
    if (d <= h.reach && (!best || d < best.d)) best = { d, h };
    if (best && h.point !== undefined) return { x, y, hit: best.h }; // points: the top one under the pointer
  }
  return { x, y, hit: best ? best.h : null };
}

function toSegment(x, y, h) {
  const dx = h.x2 - h.x1, dy = h.y2 - h.y1;
  const t = Math.max(0, Math.min(1, ((x - h.x1) * dx + (y - h.y1) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(x - (h.x1 + t * dx), y - (h.y1 + t * dy));
}

const fixed = (v, digits) => (Number.isFinite(v) ? v.toFixed(digits).replace("-", "−") : String(v));

function describe(s, where) {
  const d = s.data, t = d.texts, h = where.hit;
  if (!h) return null;
  if (h.neuron !== undefined) {
    const n = d.neurons, i = h.neuron;
    return [`${t.neuron}: ${n.name[i]}`, `${t.lowest}: ${fixed(n.low[i], 3)}`, `${t.highest}: ${fixed(n.high[i], 3)}`];
  }
  if (h.link !== undefined) {
    const l = d.links, i = h.link;
    const lines = [`${t.weight}: ${l.name[i]}`, `w = ${fixed(l.w[i], 3)}`];
    if (d.editable) lines.push(t.click);
    return lines;
  }
  if (h.point !== undefined) {
    const p = d.points, i = h.point;
    const what = p.fill ? `${t.target}: ${fixed(p.value[i], 2)}` : `${t.class}: ${t.classes[p.value[i]]}`;
    return [`${t.set}: ${t.sets[p.test[i]]}`, what, `x₁: ${fixed(p.x1[i], 2)}`, `x₂: ${fixed(p.x2[i], 2)}`];
  }
  // The plane: the probe's point nearest the pointer, with the network's value there.
  const pr = d.probe, span = d.hi - d.lo;
  const v1 = d.lo + ((where.x - d.margin.left) / d.size) * span, v2 = d.hi - ((where.y - d.margin.top) / d.size) * span;
  const nearest = (xs, v) => xs.reduce((b, a, i) => (Math.abs(a - v) < Math.abs(xs[b] - v) ? i : b), 0);
  const col = nearest(pr.xs, v1), row = nearest(pr.ys, v2);
  return [`x₁: ${fixed(pr.xs[col], 2)}`, `x₂: ${fixed(pr.ys[row], 2)}`, `${t.value}: ${fixed(pr.values[row][col], 3)}`];
}

function hover(s, event) {
  const where = spot(s, event);
  const lines = describe(s, where);
  s.canvas.style.cursor = where.hit && where.hit.link !== undefined && s.data.editable ? "pointer" : "default";
  if (!lines) { s.tip.hidden = true; return; }
  s.tip.textContent = lines.join("\n");
  s.tip.hidden = false;
  place(s, s.tip, where.x + 12, where.y + 12);
}

function place(s, element, x, y) {
  const room = s.canvas.clientWidth - element.offsetWidth - 4;
  element.style.left = `${Math.max(0, Math.min(x, room))}px`;
  element.style.top = `${y}px`;
}

// --- a weight set by hand (the network) ---------------------------------------------------------------
function click(s, event) {
  const where = spot(s, event);
  if (!s.data.editable || !where.hit || where.hit.link === undefined) {
    hover(s, event); // a tap on a phone, which has no hover, shows the values too
    return;
  }
  const l = s.data.links, i = where.hit.link;
  s.editing = { layer: l.c[i], source: l.j[i], target: l.k[i] };
  s.tip.hidden = true;
  const editor = s.editor;
  editor.value = l.w[i].toFixed(3);
  editor.title = `${l.name[i]}: ${s.data.texts.edit}`;
  editor.setAttribute("aria-label", editor.title);
  editor.hidden = false;
  place(s, editor, where.x - 40, where.y - 14);
  editor.focus();
  editor.select();
}

function submit(s) {
  const text = s.editor.value.trim();
  const edit = s.editing;
  closeEditor(s);
  // The server checks the number too (a weight must be finite and not huge) and says why it refuses one.
  if (edit && text !== "") s.send("weight", { ...edit, value: Number(text) });
}

function closeEditor(s) {
  s.editing = null;
  s.editor.hidden = true;
}
