"""report.html: the replay's figures as plots a person would rather look at than read.

One self-contained file (inline SVG, no scripts, no network): retour times per message
type against the OP090 term, assignment → care per aanbieder, alerts per month per rule,
and the summary counts. Deterministic, like every other output.
"""

from __future__ import annotations

from collections import Counter
from html import escape
from pathlib import Path

from streams.replay.figures import Figures, quantile

_COLOURS = ("#1b6ca8", "#e07b39", "#3a9d5d", "#c0392b", "#8e44ad", "#b7950b", "#16a085",
            "#7f8c8d", "#d35400", "#2c3e50", "#a93226")
_W, _H, _PAD = 760, 260, 40
_STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:820px;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}table{border-collapse:collapse}
td,th{padding:2px 10px;text-align:right;border-bottom:1px solid #ddd}th:first-child,
td:first-child{text-align:left}svg text{font:11px system-ui,sans-serif;fill:#333}
.note{color:#666;font-size:.9em}"""


def write_report(path: Path, f: Figures) -> None:
    s = f.summary(None)
    parts = [
        "<!doctype html><html lang='nl'><head><meta charset='utf-8'>",
        f"<title>ketenlink replay</title><style>{_STYLE}</style></head><body>",
        "<h1>ketenlink — replay report</h1>",
        f"<p>{s['messages']['total']:,} messages ({s['rejects']['total']:,} rejected inputs) "
        f"received {s['throughput']['first_received']} – {s['throughput']['last_received']}; "
        f"{s['links']['total']:,} links, {s['trajectories']['total']:,} trajectories.</p>",
        "<h2>Retour times (werkdagen, heen received → retour received)</h2>",
        "<p class='note'>OP090: the retour is due within 3 werkdagen; bars right of the "
        "line are late.</p>",
        _histograms(f.retour_times, term=3),
        "<h2>Assignment → care per aanbieder (days, Ingangsdatum → first Begindatum)</h2>",
        "<p class='note'>The 25 aanbieders with the most starts: box = quartiles, tick = "
        "median, whisker = 90th percentile.</p>",
        _per_aanbieder(f.assignment_care),
        "<h2>Alerts raised per month</h2>",
        _per_month(f.alerts_per_month),
        "<h2>Alerts</h2>", _table(["rule", "raised", "resolved", "open"],
                                  [[r, c["raised"], c["resolved"], c["open"]]
                                   for r, c in sorted(s["alerts"].items())]),
        "<h2>Process times</h2>", _table(["metric", "count", "median", "p90", "unit"],
                                         [[m, v["count"], v["median"], v["p90"], v["unit"]]
                                          for m, v in sorted(s["process_times"].items())]),
        "<h2>Trajectories</h2>", _table(["status", "count"],
                                        sorted(s["trajectories"]["by_status"].items())),
        "</body></html>\n",
    ]
    path.write_text("\n".join(parts), encoding="utf-8")


def _table(head: list[str], rows: list[list[object]] | list[tuple[str, int]]) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(_fmt(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{cells}</tr>{body}</table>"


def _fmt(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else "–" if value is None else str(value)


def _svg(body: list[str], height: int = _H) -> str:
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{_W}' height='{height}' "
            f"viewBox='0 0 {_W} {height}'>{''.join(body)}</svg>")


def _legend(names: list[str], y: int = 12) -> list[str]:
    out = []
    for i, name in enumerate(names):
        x = _PAD + 120 * (i % 6)
        row = y + 14 * (i // 6)
        out.append(f"<rect x='{x}' y='{row - 9}' width='10' height='10' "
                   f"fill='{_COLOURS[i % len(_COLOURS)]}'/><text x='{x + 14}' y='{row}'>"
                   f"{escape(name)}</text>")
    return out


def _histograms(series: dict[str, Counter[int]], term: int) -> str:
    """Share of retours per werkdagen value (0 … 10, '>10'), one bar group per value."""
    if not series:
        return "<p>No retours linked.</p>"
    names = sorted(series)
    buckets = list(range(11))
    top = max(sum(c for v, c in h.items() if min(v, 11) == b) / sum(h.values())
              for h in series.values() for b in [*buckets, 11]) or 1
    plot_h, slot = _H - 2 * _PAD - 10, (_W - 2 * _PAD) / 12
    body = _legend(names)
    for b in [*buckets, 11]:
        x0 = _PAD + b * slot
        for i, name in enumerate(names):
            h = series[name]
            share = sum(c for v, c in h.items() if min(max(v, 0), 11) == b) / sum(h.values())
            bar = share / top * plot_h
            w = (slot - 6) / len(names)
            body.append(f"<rect x='{x0 + 3 + i * w:.1f}' y='{_H - _PAD - bar:.1f}' "
                        f"width='{w:.1f}' height='{bar:.1f}' "
                        f"fill='{_COLOURS[i % len(_COLOURS)]}'/>")
        label = ">10" if b == 11 else str(b)
        body.append(f"<text x='{x0 + slot / 2:.1f}' y='{_H - _PAD + 14}' "
                    f"text-anchor='middle'>{label}</text>")
    x_term = _PAD + (term + 1) * slot
    body.append(f"<line x1='{x_term:.1f}' x2='{x_term:.1f}' y1='{_PAD}' y2='{_H - _PAD}' "
                "stroke='#c0392b' stroke-dasharray='4 3'/>")
    body.append(f"<text x='{x_term + 4:.1f}' y='{_PAD + 10}'>due (OP090)</text>")
    return _svg(body)


def _per_aanbieder(series: dict[str, Counter[int]]) -> str:
    if not series:
        return "<p>No starts linked to a toewijzing.</p>"
    top = sorted(series, key=lambda a: (-sum(series[a].values()), a))[:25]
    stats = {a: [quantile(series[a], q) or 0 for q in (0.25, 0.5, 0.75, 0.9)] for a in top}
    high = max(max(s) for s in stats.values()) or 1
    row, left = 18, 130
    height = _PAD + row * len(top) + 20
    scale = (_W - left - _PAD) / high
    body = []
    for i, a in enumerate(top):
        y = _PAD + i * row
        q1, med, q3, p90 = stats[a]
        n = sum(series[a].values())
        body += [
            f"<text x='{left - 6}' y='{y + 12}' text-anchor='end'>{escape(a)} ({n})</text>",
            f"<line x1='{left + q3 * scale:.1f}' x2='{left + p90 * scale:.1f}' y1='{y + 8}' "
            f"y2='{y + 8}' stroke='#888'/>",
            f"<rect x='{left + q1 * scale:.1f}' y='{y + 2}' "
            f"width='{max((q3 - q1) * scale, 1):.1f}' height='12' fill='{_COLOURS[0]}' "
            "fill-opacity='.55'/>",
            f"<rect x='{left + med * scale - 1:.1f}' y='{y}' width='2' height='16' "
            "fill='#111'/>",
        ]
    for tick in _ticks(high):
        x = left + tick * scale
        body.append(f"<text x='{x:.1f}' y='{height - 4}' text-anchor='middle'>{tick}</text>")
    return _svg(body, height)


def _ticks(high: int) -> list[int]:
    step = max(1, 10 ** (len(str(high)) - 1))
    if high / step < 4:
        step = max(1, step // 2)
    return list(range(0, high + 1, step))


def _per_month(counts: Counter[tuple[str, str]]) -> str:
    if not counts:
        return "<p>No alerts raised.</p>"
    months = sorted({m for m, _ in counts})
    rules = sorted({r for _, r in counts})
    totals = {m: sum(counts[(m, r)] for r in rules) for m in months}
    high = max(totals.values())
    plot_h = _H - 2 * _PAD - 20
    slot = (_W - 2 * _PAD) / len(months)
    body = _legend(rules)
    for i, month in enumerate(months):
        y: float = _H - _PAD
        for j, rule in enumerate(rules):
            h = counts[(month, rule)] / high * plot_h
            y -= h
            body.append(f"<rect x='{_PAD + i * slot + 1:.1f}' y='{y:.1f}' "
                        f"width='{max(slot - 2, 1):.1f}' height='{h:.1f}' "
                        f"fill='{_COLOURS[j % len(_COLOURS)]}'><title>{month} {rule}: "
                        f"{counts[(month, rule)]}</title></rect>")
        if i % max(1, len(months) // 12) == 0:
            body.append(f"<text x='{_PAD + (i + 0.5) * slot:.1f}' y='{_H - _PAD + 14}' "
                        f"text-anchor='middle'>{month}</text>")
    body.append(f"<text x='{_PAD - 4}' y='{_H - _PAD - plot_h + 4:.1f}' "
                f"text-anchor='end'>{high}</text>")
    return _svg(body)
