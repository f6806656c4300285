"""Charts, tables and plain-words findings for the "Deep or fat?" page.

Everything is computed from :mod:`lessons.deep_or_fat` results handed in; nothing
here trains a network or calls Streamlit, so it is tested without a browser.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lessons import deep_or_fat as experiments

DEEP_COLOR, FAT_COLOR = "#4f46e5", "#f59322"
TARGET_COLOR = "#6b7280"
FAMILY_COLOR = {"deep": DEEP_COLOR, "fat": FAT_COLOR}

# The lecture's table (Seide, Li & Yu, "Conversational speech transcription using context-dependent
# deep neural networks", Interspeech 2011): word error rate (%) by layers × neurons. The page shows it
# next to the digits experiment; tests/test_experiments.py checks it against the lecture's numbers.
SEIDE_2011_CITATION = "Seide, Li & Yu, Interspeech 2011 (speech recognition, word error rate %)"
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
SEIDE_2011_UNPAIRED = "much larger"


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
                                     name="one neuron's share", legendgroup="parts", showlegend=i == 0,
                                     hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=fit.x, y=fit.target, mode="lines", name="target f(x)",
                             line=dict(color=TARGET_COLOR, width=3, dash="dash")))
    fig.add_trace(go.Scatter(x=fit.x, y=fit.fit, mode="lines", name=f"network, N = {fit.n_hidden}",
                             line=dict(color=DEEP_COLOR, width=3)))
    lo, hi = float(np.min(fit.target)), float(np.max(fit.target))
    pad = 0.35 * (hi - lo)
    fig.update_yaxes(range=[lo - pad, hi + pad])  # neurons' shares may be large; keep the curves in view
    return layout(fig, "input x (no unit)", "output y (no unit)")


def jump_note(fit: experiments.CurveFit, near: float = 0.1) -> str:
    """What the universality theorem does not promise for a target that is not continuous (Markdown)."""
    miss = np.abs(fit.fit - fit.target)
    away = np.abs(fit.x) >= near
    worst = int(np.argmax(miss))
    return (f"**Not continuous.** {experiments.TARGETS[fit.name][0].split(' (')[0].capitalize()}: f jumps from "
            "0 to 1 there, and the universality theorem is about *continuous* functions only. It does not promise "
            f"this fit. The {fit.n_hidden} sigmoid{'s' if fit.n_hidden > 1 else ''} can make the fit steep, so it "
            f"follows the step away from the jump (largest miss where |x| ≥ {near:g}: {float(miss[away].max()):.2g}) "
            f"but not across it (largest miss: {float(miss[worst]):.2g}, at x = {float(fit.x[worst]):.3f}).")


def error_figure(n_values, errors, current: int) -> go.Figure:
    """Mean squared error of the fit against the number of hidden neurons (log-log)."""
    fig = go.Figure(go.Scatter(x=list(n_values), y=list(errors), mode="lines+markers", name="fit error",
                               line=dict(color=DEEP_COLOR)))
    idx = list(n_values).index(current)
    fig.add_trace(go.Scatter(x=[current], y=[errors[idx]], mode="markers", name=f"N = {current}",
                             marker=dict(size=14, color=FAT_COLOR, line=dict(color="white", width=2))))
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="log")
    return layout(fig, "hidden neurons N (log scale)", "mean squared error (log scale)", height=300)


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
            text=[f"{family} {shape_name(t.hidden)}, seed {t.seed}" for t in rows],
            hovertemplate="%{text}<br>%{x:,} parameters<br>%{y:.1f}% correct<extra></extra>"))
        budgets = sorted({t.budget for t in rows})
        means = [(float(np.mean([t.params for t in rows if t.budget == b])),
                  100 * float(np.mean([t.test_accuracy for t in rows if t.budget == b]))) for b in budgets]
        for t in rows:
            sizes.setdefault(t.budget, []).append(t.params)
        label = "deep (k layers of n)" if family == "deep" else "fat (1 layer of m)"
        fig.add_trace(go.Scatter(x=[m[0] for m in means], y=[m[1] for m in means], mode="lines+markers",
                                 line=dict(color=color, width=3), marker=dict(size=10, color=color),
                                 name=label, hovertemplate="%{y:.1f}% mean<extra>" + family + "</extra>"))
    # One tick per budget, at the mean size of its networks (deep and fat are within 2%).
    ticks = [float(np.mean(v)) for _, v in sorted(sizes.items())]
    fig.update_xaxes(type="log", tickvals=ticks, ticktext=[_short(p) for p in ticks])
    return layout(fig, "parameters: weights + biases (log scale)", "test accuracy (% of 1,000 digits)")


def outcome_rows(outcomes) -> list[dict]:
    """One table row per budget."""
    verdict = {"deep": "deep ahead", "fat": "fat ahead", "tie": "too close to call"}
    return [{
        "Budget": f"{o.budget:,}",
        "Result": f"{verdict[o.winner]} (gap {100 * o.margin:+.1f} ± {100 * o.noise:.1f} points)",
        "Deep": f"{shape_name(o.deep_hidden)} ({o.deep_params:,})",
        "Deep, test": f"{100 * o.deep_accuracy:.1f}%",
        "Fat": f"{shape_name(o.fat_hidden)} ({o.fat_params:,})",
        "Fat, test": f"{100 * o.fat_accuracy:.1f}%",
    } for o in outcomes]


def seide_markdown() -> str:
    """The lecture's Seide 2011 table as a compact Markdown table (blanks where the paper has none)."""
    def cell(v):
        return "" if v is None else f"{v:.1f}" if isinstance(v, float) else v
    def fat(f, d):
        return f"{f} ({SEIDE_2011_UNPAIRED})" if f and not d else cell(f)
    lines = ["| Deep | WER | Fat: one hidden layer | WER |", "|---|---:|---|---:|"]
    lines += [f"| {cell(d)} | {cell(dw)} | {fat(f, d)} | {cell(fw)} |" for d, dw, f, fw in SEIDE_2011]
    return "\n".join(lines)


def seide_note() -> str:
    """Which fat networks in the table are the deep ones' size, and which one is not."""
    pairs = [f"{d} and {f}" for d, _, f, _ in SEIDE_2011 if d and f]
    lone = [(f, fw) for d, _, f, fw in SEIDE_2011 if f and not d]
    deeper = [dw for d, dw, _, _ in SEIDE_2011 if d and int(d.split("×")[0]) >= 2]
    note = f"A fat network in the same row as a deep one has about its number of parameters ({'; '.join(pairs)})."
    for f, fw in lone:
        worse = " yet it is worse than every deep network of 2 or more layers" if fw > max(deeper) else ""
        note += (f" {f} has no deep partner: {f.split('×')[1]} neurons in one layer make it "
                 f"{SEIDE_2011_UNPAIRED} than any deep network in the table,{worse} ({fw}%).")
    return note


def _speech_gap() -> str:
    """The matched pairs from the Seide table, e.g. '5×2k: 17.2% vs 1×3772: 22.5%'."""
    pairs = [f"{d} {dw}% against {f} {fw}%" for d, dw, f, fw in SEIDE_2011 if d and f]
    return "; ".join(pairs)


def findings(outcomes, trials) -> list[str]:
    """Plain-words results of this run (Markdown lines), computed from it, with speech for contrast."""
    if not outcomes:
        return []
    wins = {w: [o for o in outcomes if o.winner == w] for w in ("deep", "fat", "tie")}
    n = len(outcomes)
    if len(wins["deep"]) == n:
        head = "**On these digits, deep won at every budget**, as it did on speech."
    elif len(wins["fat"]) == n:
        head = "**On these digits, fat won at every budget**: the opposite of what Seide et al. found on speech."
    elif len(wins["tie"]) == n:
        head = ("**On these digits, neither shape won clearly.** At every budget the gap between deep and "
                "fat was smaller than two standard errors, so it could be chance.")
    else:
        head = (f"**On these digits, the result is mixed:** deep was clearly ahead at {len(wins['deep'])}, "
                f"fat at {len(wins['fat'])}, and {len(wins['tie'])} of {n} budgets were too close to call.")
    ahead = sum(o.margin > 0 for o in outcomes)
    biggest = max(outcomes, key=lambda o: abs(o.margin))
    if n == 1:
        second = (f"The gap was {100 * biggest.margin:+.1f} points (deep − fat) at about "
                  f"{biggest.budget:,} parameters; choose more budgets to see a trend.")
    else:
        second = (f"Deep had the higher mean test accuracy at {ahead} of {n} budgets; the largest gap was "
                  f"{100 * biggest.margin:+.1f} points (deep − fat) at about {biggest.budget:,} parameters.")
    lines = [head, second]
    train = {f: np.mean([t.train_accuracy for t in trials if t.family == f]) for f in ("deep", "fat")}
    test = {f: np.mean([t.test_accuracy for t in trials if t.family == f]) for f in ("deep", "fat")}
    lines.append(f"On the training digits, deep networks reached {100 * train['deep']:.1f}% and fat ones "
                 f"{100 * train['fat']:.1f}% on average (test: {100 * test['deep']:.1f}% and "
                 f"{100 * test['fat']:.1f}%).")
    lines.append(f"On speech, Seide et al. measured word error rates of {_speech_gap()}: deep was far ahead. "
                 "Their task had hundreds of hours of audio and millions of parameters; these are 4,000 small "
                 "digit images, which one hidden layer already reads well. This run alone cannot say why the "
                 "results differ, only how.")
    return lines
