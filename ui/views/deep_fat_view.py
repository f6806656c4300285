"""Charts, tables and plain-words findings for the "Deep or fat?" page.

Everything is computed from :mod:`lessons.deep_or_fat` results handed in; nothing
here trains a network or calls Streamlit, so it is tested without a browser.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from i18n import N_, _, ngettext, pgettext
from lessons import deep_or_fat as experiments

DEEP_COLOR, FAT_COLOR = "#4f46e5", "#f59322"
TARGET_COLOR = "#6b7280"
FAMILY_COLOR = {"deep": DEEP_COLOR, "fat": FAT_COLOR}

# The lecture's table (Seide, Li & Yu, "Conversational speech transcription using context-dependent
# deep neural networks", Interspeech 2011): word error rate (%) by layers × neurons. The page shows it
# next to the digits experiment; tests/test_experiments.py checks it against the lecture's numbers.
SEIDE_2011_CITATION = N_("Seide, Li & Yu, Interspeech 2011 (speech recognition, word error rate %)")
SEIDE_2011 = (
    # (deep layers × neurons, WER %, fat with about the same parameters, WER %)
    ("1×2k", 24.2, None, None),
    ("2×2k", 20.4, None, None),
    ("3×2k", 18.4, None, None),
    ("4×2k", 17.8, None, None),
    ("5×2k", 17.2, "1×3772", 22.5),
    ("7×2k", 17.1, "1×4634", 22.6),
    (None, None, "1×16k", 22.1),
)
# A fat network with no deep network beside it is not "about the same parameters": 1×16k is far larger.
SEIDE_2011_UNPAIRED = N_("much larger")
FAMILY_NAMES = {"deep": N_("deep"), "fat": N_("fat")}   # a network's family, as a table or a hover names it


def sentences(*parts: str) -> str:
    """Sentences joined as the reader's language writes them: a space between English ones, none in Chinese."""
    text = ""
    for part in filter(None, parts):
        text = pgettext("joining sentences", "{first} {second}").format(first=text, second=part) if text else part
    return text


def listing(items) -> str:
    """'2, 5 and 8' (English), '2、5 和 8' (Chinese)."""
    items = [str(item) for item in items]
    if len(items) < 2:
        return "".join(items)
    return _("{items} and {last}").format(items=pgettext("list", ", ").join(items[:-1]), last=items[-1])


def shape_name(hidden) -> str:
    """(53, 53, 53) -> '3×53'; (74,) -> '1×74'."""
    widths = set(hidden)
    return f"{len(hidden)}×{hidden[0]}" if len(widths) == 1 else "-".join(map(str, hidden))


def layout(fig: go.Figure, x_title: str, y_title: str, height: int = 380) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), template="plotly_white",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return fig


def curve_figure(fit: experiments.CurveFit, show_parts: bool) -> go.Figure:
    """The target curve, the network's fit and (optionally) each neuron's share vᵢ·σ(wᵢx + bᵢ)."""
    fig = go.Figure()
    if show_parts:
        for i, part in enumerate(fit.parts):
            fig.add_trace(go.Scatter(x=fit.x, y=part, mode="lines", line=dict(width=1, color="#c7d2fe"),
                                     name=_("one neuron's share"), legendgroup="parts", showlegend=i == 0,
                                     hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=fit.x, y=fit.target, mode="lines", name=_("target f(x)"),
                             line=dict(color=TARGET_COLOR, width=3, dash="dash")))
    fig.add_trace(go.Scatter(x=fit.x, y=fit.fit, mode="lines", name=_("network, N = {n}").format(n=fit.n_hidden),
                             line=dict(color=DEEP_COLOR, width=3)))
    lo, hi = float(np.min(fit.target)), float(np.max(fit.target))
    pad = 0.35 * (hi - lo)
    fig.update_yaxes(range=[lo - pad, hi + pad])  # neurons' shares may be large; keep the curves in view
    return layout(fig, _("input x (no unit)"), _("output y (no unit)"))


def jump_note(fit: experiments.CurveFit, near: float = 0.1) -> str:
    """What the universality theorem does not promise for a target that is not continuous (Markdown)."""
    miss = np.abs(fit.fit - fit.target)
    away = np.abs(fit.x) >= near
    worst = int(np.argmax(miss))
    curve = _(experiments.TARGETS[fit.name][0]).split(" (")[0].split("（")[0]
    return ngettext(
        "**Not continuous.** {curve}: f jumps from 0 to 1 there, and the universality theorem is about *continuous* "
        "functions only. It does not promise this fit. The {n} sigmoid can make the fit steep, so it follows the "
        "step away from the jump (largest miss where |x| ≥ {near:g}: {away:.2g}) but not across it (largest miss: "
        "{worst:.2g}, at x = {at:.3f}).",
        "**Not continuous.** {curve}: f jumps from 0 to 1 there, and the universality theorem is about *continuous* "
        "functions only. It does not promise this fit. The {n} sigmoids can make the fit steep, so it follows the "
        "step away from the jump (largest miss where |x| ≥ {near:g}: {away:.2g}) but not across it (largest miss: "
        "{worst:.2g}, at x = {at:.3f}).", fit.n_hidden).format(
        curve=curve[:1].upper() + curve[1:], n=fit.n_hidden, near=near, away=float(miss[away].max()),
        worst=float(miss[worst]), at=float(fit.x[worst]))


def error_figure(n_values, errors, current: int) -> go.Figure:
    """Mean squared error of the fit against the number of hidden neurons (log-log)."""
    fig = go.Figure(go.Scatter(x=list(n_values), y=list(errors), mode="lines+markers", name=_("fit error"),
                               line=dict(color=DEEP_COLOR)))
    idx = list(n_values).index(current)
    fig.add_trace(go.Scatter(x=[current], y=[errors[idx]], mode="markers", name=f"N = {current}",
                             marker=dict(size=14, color=FAT_COLOR, line=dict(color="white", width=2))))
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="log")
    return layout(fig, _("hidden neurons N (log scale)"), _("mean squared error (log scale)"), height=300)


def _short(n: float) -> str:
    """20000 -> '20k', 5161 -> '5.2k'."""
    return f"{n / 1000:.0f}k" if n >= 9_500 else f"{n / 1000:.1f}k"


def accuracy_figure(trials) -> go.Figure:
    """Test accuracy (%) against parameter count: each seed as a faint dot, the family mean as a line."""
    fig = go.Figure()
    sizes: dict[int, list[int]] = {}
    for family in ("deep", "fat"):
        rows = [t for t in trials if t.family == family]
        if not rows:
            continue
        color = FAMILY_COLOR[family]
        fig.add_trace(go.Scatter(
            x=[t.params for t in rows], y=[100 * t.test_accuracy for t in rows], mode="markers",
            marker=dict(color=color, size=7, opacity=0.35), showlegend=False,
            text=[_("{family} {shape}, seed {seed}").format(family=_(FAMILY_NAMES[family]), shape=shape_name(t.hidden),
                                                             seed=t.seed) for t in rows],
            hovertemplate="%{text}<br>" + _("%{x:,} parameters<br>test accuracy %{y:.1f}%") + "<extra></extra>"))
        budgets = sorted({t.budget for t in rows})
        means = [(float(np.mean([t.params for t in rows if t.budget == b])),
                  100 * float(np.mean([t.test_accuracy for t in rows if t.budget == b]))) for b in budgets]
        for t in rows:
            sizes.setdefault(t.budget, []).append(t.params)
        label = _("deep (k layers of n)") if family == "deep" else _("fat (1 layer of m)")
        fig.add_trace(go.Scatter(x=[m[0] for m in means], y=[m[1] for m in means], mode="lines+markers",
                                 line=dict(color=color, width=3), marker=dict(size=10, color=color),
                                 name=label, hovertemplate=_("%{y:.1f}% mean") + "<extra>"
                                 + _(FAMILY_NAMES[family]) + "</extra>"))
    # One tick per budget, at the mean size of its networks (deep and fat are within 2%).
    ticks = [float(np.mean(v)) for _budget, v in sorted(sizes.items())]
    fig.update_xaxes(type="log", tickvals=ticks, ticktext=[_short(p) for p in ticks])
    return layout(fig, _("parameters: weights + biases (log scale)"), _("test accuracy (%) on 1,000 digits"))


def outcome_rows(outcomes) -> list[dict]:
    """One table row per budget."""
    verdict = {"deep": _("deep ahead"), "fat": _("fat ahead"), "tie": _("too close to call")}
    return [{
        _("Budget"): f"{o.budget:,}",
        _("Result"): _("{verdict} (gap {gap:+.1f} ± {noise:.1f} points)").format(
            verdict=verdict[o.winner], gap=100 * o.margin, noise=100 * o.noise),
        _("Deep"): f"{shape_name(o.deep_hidden)} ({o.deep_params:,})",
        _("Deep, test"): f"{100 * o.deep_accuracy:.1f}%",
        _("Fat"): f"{shape_name(o.fat_hidden)} ({o.fat_params:,})",
        _("Fat, test"): f"{100 * o.fat_accuracy:.1f}%",
    } for o in outcomes]


def seide_markdown() -> str:
    """The lecture's Seide 2011 table as a compact Markdown table (blanks where the paper has none)."""
    def cell(v):
        return "" if v is None else f"{v:.1f}" if isinstance(v, float) else v
    def fat(f, d):
        return _("{network} ({much_larger})").format(network=f, much_larger=_(SEIDE_2011_UNPAIRED)) if f and not d \
            else cell(f)
    lines = [_("| Deep | WER | Fat: one hidden layer | WER |"), "|---|---:|---|---:|"]
    lines += [f"| {cell(d)} | {cell(dw)} | {fat(f, d)} | {cell(fw)} |" for d, dw, f, fw in SEIDE_2011]
    return "\n".join(lines)


def seide_note() -> str:
    """Which fat networks in the table are the deep ones' size, and which one is not."""
    pairs = [_("{deep} and {fat}").format(deep=d, fat=f) for d, _dw, f, _fw in SEIDE_2011 if d and f]
    lone = [(f, fw) for d, _dw, f, fw in SEIDE_2011 if f and not d]
    deeper = [dw for d, dw, _f, _fw in SEIDE_2011 if d and int(d.split("×")[0]) >= 2]
    note = _("A fat network in the same row as a deep one has about its number of parameters ({pairs}).").format(
        pairs=pgettext("list", "; ").join(pairs))
    for f, fw in lone:
        lonely = (_("{fat} has no deep partner: {n} neurons in one layer make it much larger than any deep network "
                    "in the table, yet it is worse than every deep network of 2 or more layers ({wer}%).")
                  if fw > max(deeper) else
                  _("{fat} has no deep partner: {n} neurons in one layer make it much larger than any deep network "
                    "in the table ({wer}%)."))
        note = sentences(note, lonely.format(fat=f, n=f.split("×")[1], wer=fw))
    return note


def _speech_gap() -> str:
    """The matched pairs from the Seide table, e.g. '5×2k 17.2% against 1×3772 22.5%'."""
    pairs = [_("{deep} {deep_wer}% against {fat} {fat_wer}%").format(deep=d, deep_wer=dw, fat=f, fat_wer=fw)
             for d, dw, f, fw in SEIDE_2011 if d and f]
    return pgettext("list", "; ").join(pairs)


def findings(outcomes, trials) -> list[str]:
    """Plain-words results of this run (Markdown lines), computed from it, with speech for contrast."""
    if not outcomes:
        return []
    wins = {w: [o for o in outcomes if o.winner == w] for w in ("deep", "fat", "tie")}
    n = len(outcomes)
    if len(wins["deep"]) == n:
        head = _("**On these digits, deep won at every budget**, as it did on speech.")
    elif len(wins["fat"]) == n:
        head = _("**On these digits, fat won at every budget**: the opposite of what Seide et al. found on speech.")
    elif len(wins["tie"]) == n:
        head = _("**On these digits, neither shape won clearly.** At every budget the gap between deep and "
                 "fat was smaller than two standard errors, so it could be chance.")
    else:
        head = _("**On these digits, the result is mixed:** deep was clearly ahead at {deep}, fat at {fat}, and "
                 "{tie} of {n} budgets were too close to call.").format(
                     deep=len(wins["deep"]), fat=len(wins["fat"]), tie=len(wins["tie"]), n=n)
    ahead = sum(o.margin > 0 for o in outcomes)
    biggest = max(outcomes, key=lambda o: abs(o.margin))
    if n == 1:
        second = _("The gap was {gap:+.1f} points (deep − fat) at about {budget:,} parameters; choose more "
                   "budgets to see a trend.").format(gap=100 * biggest.margin, budget=biggest.budget)
    else:
        second = _("Deep had the higher mean test accuracy at {ahead} of {n} budgets; the largest gap was "
                   "{gap:+.1f} points (deep − fat) at about {budget:,} parameters.").format(
                       ahead=ahead, n=n, gap=100 * biggest.margin, budget=biggest.budget)
    lines = [head, second]
    train = {f: np.mean([t.train_accuracy for t in trials if t.family == f]) for f in ("deep", "fat")}
    test = {f: np.mean([t.test_accuracy for t in trials if t.family == f]) for f in ("deep", "fat")}
    lines.append(_("On the training digits, deep networks reached {deep_train:.1f}% and fat ones {fat_train:.1f}%, "
                   "on average (test: {deep_test:.1f}% and {fat_test:.1f}%).").format(
                       deep_train=100 * train["deep"], fat_train=100 * train["fat"],
                       deep_test=100 * test["deep"], fat_test=100 * test["fat"]))
    lines.append(_("On speech, Seide et al. measured word error rates of {pairs}: deep was far ahead. Their task "
                   "had hundreds of hours of audio and millions of parameters; these are 4,000 small digit images, "
                   "which one hidden layer already reads well. This run alone cannot say why the results differ, "
                   "only how.").format(pairs=_speech_gap()))
    return lines
