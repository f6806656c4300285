"""Draw a digit: the input (canvas or photo), the network's answer, and what it sees at each stage.

Preprocessing and reading are nnlib.digits' (plain NumPy); the figures are ui.views.digits_figures'.
"""

import html

import numpy as np
import streamlit as st

from i18n import _
from nnlib import digits as dg
from nnlib.digits.images import MAX_PIXELS, MAX_UPLOAD_BYTES
from services.digits import error_text
from ui.views import digits_figures as figs
from ui.widgets import persistent

CANVAS_SIDE = 280
STAGE_PX = 168  # each stage image is shown this wide (168 = 6 × 28)
PLOT_CONFIG = {"displayModeBar": False}

# --- the canvas while the server is slow (issue 13) ----------------------------------------------------
# A stroke reaches Python 0.2 s after the pen is lifted, and its reading comes back when the server has
# run the page's fragment: within a fraction of a second on an idle server, seconds when other students'
# training keeps it busy. Meanwhile the browser is on its own, so the browser says what happens:
# - While the strokes drawn on this canvas outnumber those in the last drawing Python read (the hidden
#   marker below carries that count and the canvas's key), a note over the canvas says "Reading your
#   drawing…", and after 3 s that the server is busy and the strokes are kept (they are: the canvas
#   sends the whole drawing, all strokes so far, each time).
# - Clear gives the canvas a new key, so the server replaces it with a fresh, empty one; a stroke drawn
#   on the old canvas before that happens would vanish with it. So from the click until the old canvas
#   is gone, a veil covers it that says "Clearing…" and takes the pen: nothing drawn there is lost
#   unseen, and no drag selects the page's text.
# - Until the canvas's own script has loaded, its place is held by a black square that says "Loading
#   the canvas…", so nothing below it moves when it appears (a drag then lands on that square, which
#   selects no text, rather than on the Clear button that would have moved up into its place).
# - Until the canvas's own stylesheet has arrived (fetched anew for every new canvas, so late when the
#   server is busy), its layers are not stacked: the drawing layer sits 288 px below the black square,
#   and a digit drawn on the square leaves no ink. The script puts the few layout rules into each
#   canvas's shadow root as it is attached.
# The texts are the marker's (data-reading, data-busy, data-clearing) and the style's, drawn by every run
# in the session's language; the script is installed once per browser tab and reads them when it shows
# them. Streamlit's own indicator ("Running…", top right) shows only after 0.5 s of a run that has started.
# (Streamlit passes st.html through DOMPurify, which drops a script whose text has "<" before a letter
# or "/": the script below never does; tests/test_canvas_watch.py checks it.)
CANVAS_WATCH = """<div class="digits-canvas-status" data-canvas="@KEY@" data-read="@READ@" @TEXTS@ hidden></div>
<style>
[class*="st-key-digits_canvas_"] { position: relative; min-height: @SIDE@px; user-select: none;
    -webkit-user-select: none; }
[class*="st-key-digits_canvas_"]::before { content: @LOADING@; position: absolute; left: 0; top: 0;
    width: @SIDE@px; height: @SIDE@px; display: flex; align-items: center; justify-content: center;
    background: #000; color: #9ca3af; font-size: 0.9rem; pointer-events: none; }
[data-testid="stElementContainer"]:has(.digits-canvas-status) { display: none; }
.digits-canvas-note { position: fixed; z-index: 1000; max-width: 260px; padding: 4px 10px; border-radius: 6px;
    background: rgba(79, 70, 229, 0.92); color: #fff; font: 500 13px/1.35 sans-serif; pointer-events: none; }
.digits-canvas-veil { position: fixed; z-index: 1000; display: flex; align-items: center; justify-content: center;
    background: rgba(0, 0, 0, 0.6); color: #fff; font: 500 15px sans-serif; cursor: progress; }
.digits-canvas-note[hidden], .digits-canvas-veil[hidden] { display: none; }
</style>
<script>
(() => {
  if (window.__digitsCanvasWatch) return;
  window.__digitsCanvasWatch = { state: () => ({ drawn, drawnOn, clearing: !!clearing }) };  // tests read it
  const SHOW_MS = 400, BUSY_MS = 3000, GIVE_UP_MS = 15000, CLEAR_GIVE_UP_MS = 120000;
  const marker = () => document.querySelector(".digits-canvas-status");
  const text = name => { const s = marker(); return (s && s.dataset[name]) || ""; };  // the page's language
  const make = cls => {
    const el = document.createElement("div");
    el.className = cls; el.hidden = true; el.setAttribute("role", "status");
    document.body.appendChild(el);
    return el;
  };
  const note = make("digits-canvas-note"), veil = make("digits-canvas-veil");
  // The canvas's own stylesheet is a link element in its shadow root, fetched anew for every new canvas; until
  // it has arrived, the black background canvas sits in the flow and pushes the drawing canvas 288 px down.
  // So every canvas shadow root gets, first of all, the few rules that put the layers where they belong.
  const LAYOUT = ".dc-container{position:relative}.dc-background-canvas{position:absolute;top:0;left:0}" +
    ".dc-toolbar{position:absolute;top:-1rem;right:0;opacity:0}" +
    ".dc-textarea-host{position:absolute;top:0;left:0;width:0;height:0;overflow:hidden}";
  const styled = new WeakSet();
  const style = root => {
    if (!root || styled.has(root)) return;
    styled.add(root);
    const el = document.createElement("style");
    el.textContent = LAYOUT;
    root.prepend(el);  // before the canvas's own sheet, which wins where both say something
  };
  const inCanvasBox = host => !!(host && host.closest && host.closest('[class*="st-key-digits_canvas_"]'));
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    if (inCanvasBox(this)) style(root);
    return root;
  };
  const box = () => document.querySelector('[class*="st-key-digits_canvas_"]');
  const keyOf = el => { const m = el && el.className.match(/st-key-(digits_canvas_[0-9]+)/); return m ? m[1] : null; };
  document.querySelectorAll('[class*="st-key-digits_canvas_"] *').forEach(n => style(n.shadowRoot));  // already there
  const upperIn = el => {
    if (!el) return null;
    for (const n of el.querySelectorAll("*")) {
      const c = n.shadowRoot && n.shadowRoot.querySelector("canvas.upper-canvas");
      if (c) return c;
    }
    return null;
  };
  const read = key => {
    const s = marker();
    return s && s.dataset.canvas === key ? Number(s.dataset.read) || 0 : 0;
  };
  const idle = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    return !app || app.dataset.testScriptState === "notRunning";
  };
  let down = null, drawn = 0, drawnOn = null, lastUp = 0, idleSince = 0, clearing = null, timer = 0;
  const place = (el, canvas, cover) => {
    const r = canvas.getBoundingClientRect();
    el.style.left = (r.left + (cover ? 0 : 8)) + "px"; el.style.top = (r.top + (cover ? 0 : 8)) + "px";
    if (cover) { el.style.width = r.width + "px"; el.style.height = r.height + "px"; }
  };
  const tick = () => {
    timer = 0;
    const now = performance.now(), canvas = upperIn(box());
    let again = false;
    if (clearing) {
      if (!clearing.canvas.isConnected || canvas !== clearing.canvas || now - clearing.since > CLEAR_GIVE_UP_MS) {
        clearing = null; drawn = 0; drawnOn = keyOf(box());
      } else {
        veil.textContent = text("clearing"); place(veil, canvas, true); again = true;
      }
    }
    veil.hidden = !clearing;
    let pending = !clearing && canvas && drawn > read(drawnOn);
    if (pending) {  // a stroke the canvas never sent (Streamlit idle for GIVE_UP_MS): stop saying so
      idleSince = idle() ? (idleSince || now) : 0;
      if (idleSince && now - idleSince > GIVE_UP_MS && now - lastUp > GIVE_UP_MS) {
        drawn = read(drawnOn); pending = false;
      }
    }
    if (pending && now - lastUp >= SHOW_MS) {
      note.textContent = text(now - lastUp >= BUSY_MS ? "busy" : "reading");
      place(note, canvas, false);
      note.hidden = false;
    } else if (!pending) {
      note.hidden = true;
    }
    if (again || pending) start();
  };
  function start() { if (!timer) timer = setTimeout(tick, 100); }
  const path = ev => ev.composedPath();
  const onCanvas = ev => path(ev).some(n => n instanceof HTMLCanvasElement && n.classList.contains("upper-canvas"));
  document.addEventListener("pointerdown", ev => {
    down = onCanvas(ev) && !clearing ? { x: ev.clientX, y: ev.clientY, moved: false } : null;
  }, true);
  document.addEventListener("pointermove", ev => {
    if (down && !down.moved && Math.hypot(ev.clientX - down.x, ev.clientY - down.y) > 2) down.moved = true;
  }, true);
  document.addEventListener("pointerup", () => {
    const stroke = down && down.moved;
    down = null;
    if (!stroke) return;
    const key = keyOf(box());
    if (key !== drawnOn) { drawnOn = key; drawn = 0; }
    drawn += 1; lastUp = performance.now(); idleSince = 0;
    start();
  }, true);
  document.addEventListener("pointercancel", () => { down = null; }, true);
  document.addEventListener("click", ev => {
    if (!path(ev).some(n => n.classList && n.classList.contains("st-key-digits_clear"))) return;
    const canvas = upperIn(box());
    if (!canvas) return;
    clearing = { canvas, since: performance.now() };
    note.hidden = true;
    veil.textContent = text("clearing"); place(veil, canvas, true); veil.hidden = false;
    start();
  }, true);
  const block = ev => {  // the veil takes the pen while the old canvas waits to be replaced
    if (clearing && ev.target === veil) { ev.preventDefault(); ev.stopPropagation(); }
  };
  veil.addEventListener("pointerdown", block);
  veil.addEventListener("mousedown", block);
})();
</script>"""


def _css_string(text: str) -> str:
    """``text`` as a quoted CSS string (for ``content:``): no quote, backslash, line break or "<" in it
    can end the string or the style element."""
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\<>\n\r' else c for c in text)
    return f'"{escaped}"'


def canvas_watch(key: str, strokes_read: int) -> None:
    """The browser's side of a slow server (see CANVAS_WATCH): the marker of what Python has read, the
    texts the browser shows meanwhile, and the script and styles that show them. Takes no place."""
    texts = {"reading": _("Reading your drawing…"),
             "busy": _("Still reading: the server is busy with other students' work. Your strokes are kept."),
             "clearing": _("Clearing…")}
    attributes = " ".join(f'data-{name}="{html.escape(value, quote=True)}"' for name, value in texts.items())
    body = (CANVAS_WATCH.replace("@KEY@", html.escape(key, quote=True)).replace("@READ@", str(int(strokes_read)))
            .replace("@TEXTS@", attributes).replace("@SIDE@", str(CANVAS_SIDE))
            .replace("@LOADING@", _css_string(_("Loading the canvas…"))))
    st.html(body, unsafe_allow_javascript=True)


def strokes_in(json_data) -> int:
    """How many strokes (Fabric.js objects) a canvas drawing holds; 0 for none or a malformed one."""
    objects = json_data.get("objects") if isinstance(json_data, dict) else None
    return len(objects) if isinstance(objects, list) else 0


def canvas_image():
    """The drawing as an RGBA array, or None; Clear gives a fresh canvas (a new key)."""
    from streamlit_drawable_canvas import st_canvas  # registers only under streamlit run / AppTest

    st.slider(_("Pen width (pixels)"), 6, 40, step=2, **persistent("digits_pen"))
    key = f"digits_canvas_{st.session_state['digits_canvas_version']}"
    result = st_canvas(fill_color="rgba(0, 0, 0, 0)", stroke_width=st.session_state["digits_pen"],
                       stroke_color="#FFFFFF", background_color="#000000", width=CANVAS_SIDE,
                       height=CANVAS_SIDE, drawing_mode="freedraw", return_image_data=True, key=key)
    if st.button(_("Clear"), key="digits_clear", icon=":material/ink_eraser:"):
        st.session_state["digits_canvas_version"] += 1  # a new key is a new, empty canvas
        st.session_state["digits_teach_result"] = None
        st.session_state["digits_teach_label"] = None  # a new drawing needs its own answer
        st.rerun(scope="fragment")
    canvas_watch(key, strokes_in(result.json_data))
    return result.image_data


def uploaded_image():
    """The uploaded photo as an array, or None (with a message when the file cannot be read)."""
    file = st.file_uploader(_("A photo or scan of one digit (PNG or JPEG)"), type=["png", "jpg", "jpeg"],
                            key="digits_upload", max_upload_size=MAX_UPLOAD_BYTES // 2**20)
    st.caption(_("Dark ink on light paper works too: it is detected and inverted. "
                 "At most {mb} MB and {megapixels} megapixels.").format(mb=MAX_UPLOAD_BYTES // 2**20,
                                                                       megapixels=f"{MAX_PIXELS / 1e6:g}"))
    if file is None:
        return None
    try:
        return dg.load_image(file.getvalue())
    except dg.ImageError as exc:
        st.error(error_text(exc))
        return None


def show_answer(reading) -> None:
    with st.container(key="digits_prediction"):  # a key: found by tests and benchmarks in either language
        st.metric(_("Prediction"), str(reading.digit), border=True)
    if reading.unsure:
        a, b = reading.candidates
        st.warning(_("**Not sure**: maybe a **{a}** ({p_a}), maybe a **{b}** ({p_b}).").format(
            a=a, b=b, p_a=f"{reading.probabilities[a]:.0%}", p_b=f"{reading.probabilities[b]:.0%}"),
            icon=":material/help:")
    else:
        st.caption(_("{confidence} sure · entropy {entropy} nats (0 = certain, {most} = no idea)").format(
            confidence=f"{reading.confidence:.0%}", entropy=f"{reading.entropy:.2f}", most=f"{np.log(10):.2f}"))
    st.plotly_chart(figs.probability_figure(reading.probabilities, reading.digit), config=PLOT_CONFIG,
                    key="digits_probabilities")


def show_stages(stages) -> None:
    st.subheader(_("What the network sees"))
    c1, c2, c3 = st.columns(3)
    with c1:
        h, w = stages.crop.shape
        st.image(figs.fit_image(stages.crop, STAGE_PX), width=STAGE_PX,
                 caption=(_("1 · cropped to the ink: {w} × {h} pixels, pen ≈ {pen} (inverted: dark ink on "
                            "light paper)") if stages.inverted else
                          _("1 · cropped to the ink: {w} × {h} pixels, pen ≈ {pen}")).format(
                     w=w, h=h, pen=f"{stages.pen_width:.0f}"))
    with c2:
        st.image(figs.upscale(stages.centred, STAGE_PX // 28), width=STAGE_PX,
                 caption=_("2 · scaled into MNIST's 20 × 20 box, centred by its centre of mass in 28 × 28"))
    with c3:
        st.plotly_chart(figs.grid_figure(stages.grid, height=STAGE_PX + 70), config=PLOT_CONFIG,
                        key="digits_grid")
        st.caption(_("3 · area-averaged to 16 × 16 pixels: these 256 values are the input x"))
    if stages.pen_limited:
        st.caption(_("The pen is thick for a drawing this small, so the digit was kept smaller than the box "
                     "(its strokes would otherwise be bolder than any training digit)."))
    elif stages.thickened >= 3:  # a small touch-up (1-2 of 112 frame pixels) is not worth a note
        st.caption(_("The pen is thin for a drawing this large, so the strokes were thickened to the width "
                     "of a typical training digit (they would otherwise fade to grey at 16 × 16)."))
