"""Report writers: results.json, report.md and a self-contained report.html (plots embedded).

Each file is written to a temporary name and renamed into place, so an interrupted run never
leaves a half-written report behind.
"""

from __future__ import annotations

import base64
import html
import json
import platform
from datetime import datetime, timezone
from pathlib import Path

from tfref._files import atomic_write as _atomic_write
from tfref.topics import CHAPTERS, TopicResult


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def build_results(results: list[TopicResult], meta: dict) -> dict:
    claims = [c for r in results for c in r.claims]
    return {
        "meta": meta,
        "summary": {
            "topics": len(results),
            "topics_ok": sum(r.ok for r in results),
            "claims": len(claims),
            "claims_ok": sum(c.ok for c in claims),
        },
        "topics": [r.to_json() for r in results],
    }


def default_meta(*, quick: bool, seed: int, command: str) -> dict:
    import keras
    import tensorflow as tf

    return {
        "command": command,
        "quick": quick,
        "seed": seed,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "python": platform.python_version(),
        "devices": [d.name for d in tf.config.list_logical_devices()],
    }


def claim_table(topic: dict, *, width: int = 100) -> str:
    """The claims of one topic (``results.json``'s form) as a plain-text table for a terminal.

    Columns: ok, claim, expected, measured. Cells wrap within their column, so nothing is cut;
    ``width`` is the line length to fit (at least 60).
    """
    import textwrap

    width = max(60, width)
    value_w = max(14, min(26, (width - 12) // 4))
    claim_w = width - 12 - 2 * value_w
    widths = (4, claim_w, value_w, value_w)
    lines = ["  ".join(h.ljust(w) for h, w in zip(("", "claim", "expected", "measured"), widths)
                       ).rstrip(),
             "  ".join("-" * w for w in widths)]
    for c in topic["claims"]:
        cells = ["ok" if c["ok"] else "FAIL", c["name"], _fmt(c["expected"]), _fmt(c["measured"])]
        wrapped = [textwrap.wrap(" ".join(str(text).split()), w, break_long_words=True) or [""]
                   for text, w in zip(cells, widths)]
        for i in range(max(len(cell) for cell in wrapped)):
            lines.append("  ".join((cell[i] if i < len(cell) else "").ljust(w)
                                   for cell, w in zip(wrapped, widths)).rstrip())
    return "\n".join(lines)


def render_markdown(data: dict) -> str:
    s = data["summary"]
    lines = [
        "# tfref report", "",
        f"{s['topics_ok']}/{s['topics']} topics ok, {s['claims_ok']}/{s['claims']} claims ok "
        f"(seed {data['meta'].get('seed')}, {'quick' if data['meta'].get('quick') else 'full'} mode, "
        f"TensorFlow {data['meta'].get('tensorflow')}).", "",
    ]
    chapter = None
    for topic in data["topics"]:
        if topic["chapter"] != chapter:
            chapter = topic["chapter"]
            lines += [f"## {chapter}. {CHAPTERS.get(chapter, '')}".rstrip(". "), ""]
        mark = "ok" if topic["ok"] else "FAILED"
        lines += [f"### {topic['id']}: {topic['title']} ({mark}, {topic['seconds']:.1f}s)", ""]
        for note in topic["notes"]:
            lines += [f"> {note}", ""]
        if topic["claims"]:
            lines += ["| claim | expected | measured | tolerance | ok |", "|---|---|---|---|---|"]
            for c in topic["claims"]:
                row = [c["name"], _fmt(c["expected"]), _fmt(c["measured"]), _fmt(c["tolerance"]),
                       "yes" if c["ok"] else "**NO**"]
                lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
            lines.append("")
        for plot in topic["plots"]:
            lines += [f"![{plot}]({plot})", ""]
        if topic["error"]:
            lines += ["```", topic["error"].strip(), "```", ""]
    return "\n".join(lines)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
h3{margin-top:1.6em} .ok{color:#1a7f37} .bad{color:#cf222e;font-weight:bold}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:.6em 0}
td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f6f8fa} tr.fail td{background:#ffebe9}
.plots img{max-width:100%;margin:.3em;border:1px solid #eee;vertical-align:top} blockquote{color:#555;margin:.4em 0 .4em 1em}
pre{background:#f6f8fa;padding:.6em;overflow:auto;font-size:.8em} nav a{margin-right:.6em}
"""


def render_html(data: dict, out_dir: Path) -> str:
    e = html.escape
    s = data["summary"]
    meta = data["meta"]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>tfref report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>tfref report</h1>",
        f"<p><b>{s['topics_ok']}/{s['topics']}</b> topics ok, <b>{s['claims_ok']}/{s['claims']}</b> claims ok. "
        f"Seed {e(str(meta.get('seed')))}, {'quick' if meta.get('quick') else 'full'} mode, "
        f"TensorFlow {e(str(meta.get('tensorflow')))}, Keras {e(str(meta.get('keras')))}, "
        f"created {e(str(meta.get('created')))}.</p>",
        "<nav>" + " ".join(
            f"<a href='#{e(t['id'])}' class='{'ok' if t['ok'] else 'bad'}'>{e(t['id'])}</a>" for t in data["topics"]
        ) + "</nav>",
    ]
    chapter = None
    for topic in data["topics"]:
        if topic["chapter"] != chapter:
            chapter = topic["chapter"]
            parts.append(f"<h2>{e(chapter)}. {e(CHAPTERS.get(chapter, ''))}</h2>")
        mark = "<span class='ok'>ok</span>" if topic["ok"] else "<span class='bad'>FAILED</span>"
        parts.append(f"<h3 id='{e(topic['id'])}'>{e(topic['id'])}: {e(topic['title'])} "
                     f"({mark}, {topic['seconds']:.1f}s)</h3>")
        for note in topic["notes"]:
            parts.append(f"<blockquote>{e(note)}</blockquote>")
        if topic["claims"]:
            parts.append("<table><tr><th>claim</th><th>expected</th><th>measured</th>"
                         "<th>tolerance</th><th>ok</th></tr>")
            for c in topic["claims"]:
                ok = "<span class='ok'>yes</span>" if c["ok"] else "<span class='bad'>NO</span>"
                parts.append(
                    f"<tr class='{'' if c['ok'] else 'fail'}'><td>{e(c['name'])}</td><td>{e(_fmt(c['expected']))}</td>"
                    f"<td>{e(_fmt(c['measured']))}</td><td>{e(_fmt(c['tolerance']))}</td><td>{ok}</td></tr>"
                )
            parts.append("</table>")
        if topic["plots"]:
            parts.append("<div class='plots'>")
            for plot in topic["plots"]:
                png = (out_dir / plot).read_bytes()
                parts.append(f"<img alt='{e(plot)}' title='{e(plot)}' "
                             f"src='data:image/png;base64,{base64.b64encode(png).decode()}'>")
            parts.append("</div>")
        if topic["error"]:
            parts.append(f"<pre>{e(topic['error'].strip())}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(results: list[TopicResult], out_dir: Path | str, meta: dict) -> dict:
    """Write results.json, report.md and report.html into ``out_dir``; return the results dict."""
    out_dir = Path(out_dir)
    data = build_results(results, meta)
    _atomic_write(out_dir / "results.json", json.dumps(data, indent=2, allow_nan=False) + "\n")
    _atomic_write(out_dir / "report.md", render_markdown(data) + "\n")
    _atomic_write(out_dir / "report.html", render_html(data, out_dir) + "\n")
    return data
