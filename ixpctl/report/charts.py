"""The report's charts: matplotlib with the Agg backend (no display, no network), as SVG text.

SVG because the page embeds it inline (one file to mail or publish, sharp on a phone, no
JavaScript) and writes it alongside (``charts/*.svg``) for slides. Small, plain charts: a bar per
number people argue with, a line per trend. ``svg_hashsalt`` and a fixed date keep the output the
same for the same numbers, so a committed report diffs cleanly.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display on a route-server host or in CI

import matplotlib.pyplot as plt

matplotlib.rcParams.update({"svg.hashsalt": "ixpctl", "svg.fonttype": "none", "font.size": 9,
                            "axes.spines.top": False, "axes.spines.right": False})
_METADATA = {"Date": None, "Creator": "ixpctl"}
COLOURS = ("#1b7f3b", "#c9a227", "#b03a2e", "#2e5e9e", "#7d3c98", "#148f77", "#7f8c8d")


def _svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata=_METADATA)
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # inline in HTML: no XML prolog or DOCTYPE


def share_bars(labels: Sequence[str], values: Sequence[float | None], title: str) -> str:
    """Horizontal bars of percentages (0-100): one per share."""
    fig, ax = plt.subplots(figsize=(4.6, 0.5 * len(labels) + 0.9))
    shown = [100 * v if v is not None else 0 for v in values]
    bars = ax.barh(list(labels), shown, color=COLOURS[0])
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_title(title, loc="left")
    ax.set_xlabel("%")
    for bar, value in zip(bars, values, strict=True):
        text = f"{100 * value:.1f} %" if value is not None else "n/a"
        ax.text(min(bar.get_width() + 1, 88), bar.get_y() + bar.get_height() / 2, text, va="center")
    return _svg(fig)


def stacked_routes(labels: Sequence[str], accepted: Sequence[int], filtered: Sequence[int], title: str,
                   legend: tuple[str, str]) -> str:
    """Per member: accepted and filtered routes, stacked."""
    fig, ax = plt.subplots(figsize=(4.6, 0.35 * len(labels) + 1.2))
    ax.barh(list(labels), list(accepted), color=COLOURS[0], label=legend[0])
    ax.barh(list(labels), list(filtered), left=list(accepted), color=COLOURS[2], label=legend[1])
    ax.invert_yaxis()
    ax.set_title(title, loc="left")
    ax.legend(loc="lower right", frameon=False)
    return _svg(fig)


def reason_pie(counts: dict[str, int], title: str) -> str:
    fig, ax = plt.subplots(figsize=(4.6, 3.2))
    if counts:
        ax.pie(list(counts.values()), labels=list(counts), colors=COLOURS[1:] * 3, autopct="%1.0f%%",
               startangle=90, counterclock=False, wedgeprops={"linewidth": 1, "edgecolor": "white"})
    else:
        ax.text(0.5, 0.5, "0", ha="center", va="center", fontsize=28)
        ax.axis("off")
    ax.set_title(title, loc="left")
    return _svg(fig)


def trend_lines(dates: Sequence[str], series: dict[str, Sequence[float | None]], title: str,
                ylabel: str) -> str:
    """One line per series over the points (dates as labels: commits are not evenly spaced)."""
    fig, ax = plt.subplots(figsize=(4.6, 3))
    xs = list(range(len(dates)))
    for colour, (name, values) in zip(COLOURS, series.items(), strict=False):
        points = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", color=colour, label=name)
    step = max(1, len(dates) // 6)
    ax.set_xticks(xs[::step], [d[:10] for d in dates][::step], rotation=30, ha="right")
    ax.set_title(title, loc="left")
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", frameon=False)
    return _svg(fig)
