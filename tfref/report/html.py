"""report.html: one self-contained page (plots embedded, no external scripts, fonts or styles).

The page opens on a dashboard (per chapter: topics, claims ok / failed / not checked, time),
then a list of every failure linked to its claim row, then the chapters. Each topic is a
``<details>`` element, folded unless it has a failure or is the report's only topic. A filter box narrows topics and claims to
those whose text contains every typed word.

Plots are re-encoded with a palette of PALETTE_COLOURS colours, as PNG or lossless WebP,
whichever is smaller (about a quarter of matplotlib's size); a photograph-like plot whose lossy
WebP is both smaller and no further from the original than the palette image (mean squared
error over RGB) is sent as that instead. They are embedded as data URIs in
``data-src``; the page's script moves them to ``src`` when their topic is opened, so a
long report opens at once. Without JavaScript a ``<noscript>`` copy points at the plot files
beside the report.
"""

from __future__ import annotations

import base64
import html
import io
import mimetypes
from pathlib import Path

from tfref.report._format import (
    FAILED,
    NOT_CHECKED,
    OK,
    claim_status,
    fmt_seconds,
    fmt_value,
    note_table,
)
from tfref.topics import CHAPTERS

# Colours of a palette image. Line plots look the same as matplotlib's RGBA at 96; photographs
# (conv2d, style-transfer) band slightly at 96-128 and visibly at 64; 256 costs ~15% more bytes.
# A full run's 89 plots (2026-12-03): 7.6 MB as written; palette PNG at 128 colours 2.28 MB;
# at 96 colours, each as the smaller of palette PNG and lossless WebP, 1.77 MB (report.html
# 3.54 MB -> under 3 MB with the base64 and the claim tables). Lossy WebP within the palette's
# error: 3 of 93 plots (augmentation grid, conv2d edges, style transfer), 1.85 -> 1.72 MB.
PALETTE_COLOURS = 96
# Lossy WebP qualities tried for a plot, lowest first; the first within the palette's error wins.
LOSSY_QUALITIES = (60, 75, 85, 92)


def encode_plot(path: Path) -> tuple[str, bytes, int | None, int | None]:
    """``(mime, bytes, width, height)`` of a plot file, a PNG re-encoded with a palette.

    The smallest of the original, the palette PNG and the same palette image as lossless WebP
    (where Pillow has WebP) is kept; then, where Pillow has WebP, the lowest quality of
    LOSSY_QUALITIES whose lossy WebP is smaller still and whose mean squared error against the
    original's RGB is no larger than the palette image's replaces it (photographs, heat maps: a
    palette bands them more than lossy WebP blurs them; line plots keep the palette). A file
    Pillow cannot read is embedded unchanged (width and height then None).
    """
    raw = path.read_bytes()
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    try:
        from PIL import Image

        with Image.open(io.BytesIO(raw)) as image:
            image.load()
            width, height = image.size
            if image.format == "PNG":
                mime = "image/png"
                for candidate_mime, small in _palette_encodings(image):
                    if len(small) < len(raw):
                        mime, raw = candidate_mime, small
                lossy = _lossy_within(image, raw)
                if lossy is not None:
                    mime, raw = "image/webp", lossy
    except Exception:  # an image Pillow cannot read is embedded as it is
        return mime, raw, None, None
    return mime, raw, width, height


def _palette_encodings(image):
    """``(mime, bytes)`` of the palette image as PNG and, where Pillow has WebP, lossless WebP
    (the same pixels: every browser of the last years decodes both)."""
    from PIL import Image, features

    png = _palette_png(image)
    yield "image/png", png
    if features.check("webp"):
        out = io.BytesIO()
        with Image.open(io.BytesIO(png)) as palette:
            palette.save(out, format="WEBP", lossless=True, method=4)
        yield "image/webp", out.getvalue()


def _lossy_within(image, chosen: bytes) -> bytes | None:
    """The smallest lossy WebP of ``image`` that is smaller than ``chosen`` and no further from
    the original (mean squared error over RGB) than ``chosen`` decoded; None when there is none,
    when Pillow lacks WebP, or when the image has real transparency (kept by the palette)."""
    import numpy as np
    from PIL import Image, features

    if not features.check("webp"):
        return None
    rgba = image.convert("RGBA")
    if rgba.getextrema()[3][0] < 255:
        return None
    rgb = rgba.convert("RGB")
    original = np.asarray(rgb, dtype=np.float64)

    def error(data: bytes) -> float:
        with Image.open(io.BytesIO(data)) as decoded:
            return float(np.mean((np.asarray(decoded.convert("RGB"), dtype=np.float64) - original) ** 2))

    budget = error(chosen)
    for quality in LOSSY_QUALITIES:
        out = io.BytesIO()
        rgb.save(out, format="WEBP", quality=quality, method=6)
        data = out.getvalue()
        if len(data) >= len(chosen):
            return None  # higher qualities are larger still
        if error(data) <= budget:
            return data
    return None


def _palette_png(image) -> bytes:
    from PIL import Image

    rgba = image.convert("RGBA")
    if rgba.getextrema()[3][0] < 255:  # real transparency: only the fast octree keeps alpha
        quantized = rgba.quantize(colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE,
                                  dither=Image.Dither.NONE)
    else:  # matplotlib's usual opaque RGBA
        quantized = rgba.convert("RGB").quantize(colors=PALETTE_COLOURS,
                                                 method=Image.Quantize.MEDIANCUT,
                                                 dither=Image.Dither.NONE)
    out = io.BytesIO()
    quantized.save(out, format="PNG", optimize=True)
    return out.getvalue()


_CSS = """
:root{--ok:#1a7f37;--bad:#cf222e;--nc:#9a6700;--line:#d8dee4;--soft:#f6f8fa;--muted:#57606a}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1120px;margin:0 auto;padding:1.2em 1.2em 4em;color:#1f2328}
h1{font-size:1.7em;margin:.2em 0 .1em} h2{font-size:1.3em;margin:1.6em 0 .5em;padding-bottom:.2em;border-bottom:2px solid var(--line)}
h2 small{font-size:.7em;font-weight:normal;color:var(--muted);margin-left:.5em}
a{color:#0969da;text-decoration:none} a:hover{text-decoration:underline}
.meta{color:var(--muted);margin:0 0 1em;font-size:.9em}
.cards{display:flex;flex-wrap:wrap;gap:.6em;margin:.8em 0}
.card{border:1px solid var(--line);border-radius:8px;padding:.5em .9em;min-width:8.5em;background:#fff}
.card b{display:block;font-size:1.45em} .card span{color:var(--muted);font-size:.85em}
.card.bad{border-color:var(--bad);background:#fff5f5} .card.bad b{color:var(--bad)}
.card.good b{color:var(--ok)}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:.4em 0}
td,th{border:1px solid var(--line);padding:.3em .5em;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.dash td.bar{width:28%}
.bar span{display:inline-block;height:.8em;vertical-align:middle}
.bar .ok{background:var(--ok)} .bar .failed{background:var(--bad)} .bar .nc{background:#d4a72c}
.ok{color:var(--ok)} .failed,.bad{color:var(--bad);font-weight:600} .nc{color:var(--nc)}
tr.total td{font-weight:600;background:var(--soft)}
.zero{color:#8c959f;font-weight:normal}
ul.failures{padding-left:1.2em} ul.failures li{margin:.25em 0} ul.failures .val{color:var(--muted);font-size:.9em}
.tools{position:sticky;top:0;z-index:2;background:#fffe;padding:.5em 0;border-bottom:1px solid var(--line);display:flex;gap:.6em;align-items:center;flex-wrap:wrap}
.tools input{flex:1;min-width:14em;font:inherit;padding:.35em .6em;border:1px solid #afb8c1;border-radius:6px}
.tools button{font:inherit;font-size:.85em;padding:.3em .7em;border:1px solid #afb8c1;border-radius:6px;background:var(--soft);cursor:pointer}
#filter-count{color:var(--muted);font-size:.9em}
details.topic{border:1px solid var(--line);border-radius:8px;margin:.45em 0;background:#fff}
details.topic.t-failed{border-color:#ff8182}
details.topic.t-failed>summary .title{color:var(--bad)}
details.topic>summary{cursor:pointer;padding:.45em .7em;display:flex;gap:.6em;align-items:baseline;list-style-position:outside}
details.topic>summary::-webkit-details-marker{color:#8c959f}
details.topic[open]>summary{border-bottom:1px solid var(--line);background:var(--soft);border-radius:8px 8px 0 0}
summary .title{font-weight:600} summary code{color:var(--muted);font-size:.85em}
summary .time{margin-left:auto;color:var(--muted);font-size:.85em;white-space:nowrap}
.pill{display:inline-block;min-width:4.2em;text-align:center;border-radius:1em;padding:0 .55em;font-size:.8em;font-weight:600;color:#fff;background:var(--ok)}
.pill.failed{background:var(--bad);color:#fff} .pill.nc{background:#bf8700;color:#fff}
.body{padding:.3em .8em .8em}
.note{color:var(--muted);border-left:3px solid var(--line);margin:.5em 0;padding:.1em .7em}
table.note-table{font-size:.85em;margin:.5em 0}
table.claims td:nth-child(1){width:40%} tr.c-failed td{background:#ffebe9} tr.c-nc td{background:#fff8c5}
tr:target td{outline:2px solid #0969da;outline-offset:-2px}
.plots{display:flex;flex-wrap:wrap;gap:.6em;margin-top:.6em}
.plots figure{margin:0;max-width:100%} .plots img{max-width:100%;height:auto;border:1px solid #eee;background:#fff}
.plots img[data-src]{display:none}
.plots figcaption{font-size:.8em;color:var(--muted)}
pre{background:var(--soft);padding:.6em;overflow:auto;font-size:.8em;border-radius:6px}
pre.error{background:#ffebe9}
[hidden]{display:none!important}
@media print{.tools{display:none}details.topic{break-inside:avoid}}
"""

# Moves data-src to src when a topic opens, opens the topic of a #fragment, and runs the filter.
_SCRIPT = """
(function () {
  "use strict";
  var topics = Array.prototype.slice.call(document.querySelectorAll("details.topic"));
  var chapters = Array.prototype.slice.call(document.querySelectorAll("section.chapter"));
  function load(d) {
    d.querySelectorAll("img[data-src]").forEach(function (img) {
      img.src = img.getAttribute("data-src");
      img.removeAttribute("data-src");
    });
  }
  topics.forEach(function (d) {
    d.addEventListener("toggle", function () { if (d.open) load(d); });
    if (d.open) load(d);
  });
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (!el) return;
    for (var p = el; p; p = p.parentElement) {
      if (p.tagName === "DETAILS" && !p.open) { p.open = true; load(p); }
    }
    el.scrollIntoView({block: "center"});
  }
  window.addEventListener("hashchange", reveal);
  reveal();
  var box = document.getElementById("filter"), count = document.getElementById("filter-count");
  var items = topics.map(function (d) {
    var rows = Array.prototype.slice.call(d.querySelectorAll("tr.claim"));
    return {d: d, head: (d.getAttribute("data-text") || "").toLowerCase(), rows: rows,
            text: rows.map(function (r) { return r.textContent.toLowerCase(); }), auto: false};
  });
  items.forEach(function (it) {
    it.d.querySelector("summary").addEventListener("click", function () { it.auto = false; });
  });
  function apply() {
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var has = function (text) { return words.every(function (w) { return text.indexOf(w) >= 0; }); };
    var nTopics = 0, nClaims = 0;
    items.forEach(function (it) {
      var head = !words.length || has(it.head), hits = 0;
      it.rows.forEach(function (row, i) {
        var show = head || has(it.text[i]);
        row.hidden = !show;
        if (show) hits++;
      });
      var shown = head || hits > 0;
      it.d.hidden = !shown;
      if (shown) { nTopics++; nClaims += hits; }
      var byClaims = words.length > 0 && !head && hits > 0;
      if (byClaims && !it.d.open) { it.d.open = true; it.auto = true; }
      else if (!byClaims && it.auto) { it.d.open = false; it.auto = false; }
    });
    chapters.forEach(function (c) { c.hidden = !c.querySelector("details.topic:not([hidden])"); });
    count.textContent = words.length ? nTopics + " of " + topics.length + " topics, " +
      nClaims + (nClaims === 1 ? " claim" : " claims") : "";
  }
  box.addEventListener("input", apply);
  if (box.value) apply();
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "/" && document.activeElement !== box) { ev.preventDefault(); box.focus(); }
  });
  function all(open) { topics.forEach(function (d) { if (!d.hidden) d.open = open; }); }
  document.getElementById("open-all").addEventListener("click", function () { all(true); });
  document.getElementById("close-all").addEventListener("click", function () { all(false); });
  window.addEventListener("beforeprint", function () { topics.forEach(function (d) { d.open = true; load(d); }); });
})();
"""


def _counts(claims: list[dict]) -> dict:
    states = [claim_status(c) for c in claims]
    return {OK: states.count(OK), FAILED: states.count(FAILED), NOT_CHECKED: states.count(NOT_CHECKED)}


def _num(n: int, cls: str) -> str:
    return f"<span class='{cls}'>{n}</span>" if n else "<span class='zero'>0</span>"


def _bar(c: dict) -> str:
    total = sum(c.values()) or 1
    return "".join(f"<span class='{cls}' style='width:{100 * c[key] / total:.2f}%'></span>"
                   for key, cls in ((OK, "ok"), (FAILED, "failed"), (NOT_CHECKED, "nc")) if c[key])


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _claim_anchor(topic_id: str, index: int) -> str:
    return f"{topic_id}--claim-{index}"


def _meta_line(meta: dict) -> str:
    """Command, seed and mode, versions, creation time: whichever of them ``meta`` has."""
    groups = [[str(meta.get("command") or "tfref")],
              [f"seed {meta['seed']}" if "seed" in meta else "",
               ("quick" if meta["quick"] else "full") + " mode" if "quick" in meta else ""],
              [f"{name} {meta[key]}" for key, name in (("tensorflow", "TensorFlow"), ("keras", "Keras"),
                                                       ("python", "Python")) if meta.get(key)],
              [f"created {meta['created']}" if meta.get("created") else ""]]
    texts = [", ".join(html.escape(part) for part in group if part) for group in groups]
    return " &middot; ".join(text for text in texts if text)


def render_html(data: dict, out_dir: Path) -> str:
    """The whole page for ``data`` (results.json's form); plots are read from ``out_dir``."""
    e = html.escape
    out_dir = Path(out_dir)
    meta = data["meta"]
    topics = data["topics"]

    by_chapter: dict[str, list[dict]] = {}
    for topic in topics:
        by_chapter.setdefault(topic["chapter"], []).append(topic)

    def chapter_name(letter: str) -> str:
        name = CHAPTERS.get(letter, "")
        return f"{letter}. {name}" if name else str(letter)

    all_claims = [c for t in topics for c in t["claims"]]
    totals = _counts(all_claims)
    errors = sum(1 for t in topics if t["error"])
    failed_topics = sum(1 for t in topics if t["error"] or _counts(t["claims"])[FAILED])
    seconds = sum(t["seconds"] for t in topics)

    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>tfref report: {totals[OK]}/{len(all_claims)} claims ok</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>tfref report</h1>",
        f"<p class='meta'>{_meta_line(meta)}</p>",
        "<section id='dashboard'><div class='cards'>",
        f"<div class='card{' bad' if failed_topics else ' good'}'><b>{len(topics) - failed_topics}/{len(topics)}</b>"
        "<span>topics ok</span></div>",
        f"<div class='card good'><b>{totals[OK]}/{len(all_claims)}</b><span>claims ok</span></div>",
        f"<div class='card{' bad' if totals[FAILED] else ''}'><b>{totals[FAILED]}</b><span>claims failed</span></div>",
    ]
    if errors:
        parts.append(f"<div class='card bad'><b>{errors}</b><span>topic errors</span></div>")
    parts += [
        f"<div class='card'><b>{totals[NOT_CHECKED]}</b><span>not checked</span></div>",
        f"<div class='card'><b>{e(fmt_seconds(seconds))}</b><span>time in topics</span></div>",
        "</div>",
        "<table class='dash'><tr><th>chapter</th><th class='n'>topics</th><th class='n'>claims ok</th>"
        "<th class='n'>failed</th><th class='n'>not checked</th><th class='n'>time</th><th></th></tr>",
    ]
    for letter, chapter_topics in by_chapter.items():
        c = _counts([cl for t in chapter_topics for cl in t["claims"]])
        bad_topics = sum(1 for t in chapter_topics if t["error"] or _counts(t["claims"])[FAILED])
        topic_cell = f"{len(chapter_topics)}" + (f" <span class='failed'>({bad_topics} failing)</span>"
                                                  if bad_topics else "")
        parts.append(
            f"<tr><td><a href='#chapter-{e(letter)}'>{e(chapter_name(letter))}</a></td>"
            f"<td class='n'>{topic_cell}</td><td class='n'>{_num(c[OK], 'ok')}</td>"
            f"<td class='n'>{_num(c[FAILED], 'failed')}</td><td class='n'>{_num(c[NOT_CHECKED], 'nc')}</td>"
            f"<td class='n'>{e(fmt_seconds(sum(t['seconds'] for t in chapter_topics)))}</td>"
            f"<td class='bar'>{_bar(c)}</td></tr>")
    parts += [
        f"<tr class='total'><td>all chapters</td><td class='n'>{len(topics)}</td>"
        f"<td class='n'>{totals[OK]}</td><td class='n'>{totals[FAILED]}</td><td class='n'>{totals[NOT_CHECKED]}</td>"
        f"<td class='n'>{e(fmt_seconds(seconds))}</td><td class='bar'>{_bar(totals)}</td></tr>",
        "</table></section>",
    ]

    # -- failures -------------------------------------------------------------------------------
    failures = []
    for topic in topics:
        tid = topic["id"]
        if topic["error"]:
            first = (topic["error"].strip().splitlines() or [""])[-1]
            failures.append(f"<li><a href='#{e(tid)}--error'><b>{e(tid)}</b>: the topic raised an error</a> "
                            f"<span class='val'>{e(first)}</span></li>")
        for i, claim in enumerate(topic["claims"], 1):
            if claim_status(claim) == FAILED:
                failures.append(
                    f"<li><a href='#{e(_claim_anchor(tid, i))}'><b>{e(tid)}</b>: {e(claim['name'])}</a> "
                    f"<span class='val'>expected {e(fmt_value(claim['expected']))}, "
                    f"measured {e(fmt_value(claim['measured']))}</span></li>")
    parts.append(f"<section id='failures'><h2>Failures <small>{len(failures)}</small></h2>")
    if failures:
        parts += ["<ul class='failures'>", *failures, "</ul>"]
    else:
        parts.append("<p class='ok'>None: every topic ran and every checked claim holds.</p>")
    parts.append("</section>")

    # -- chapters and topics --------------------------------------------------------------------
    parts.append("<div class='tools'><input id='filter' type='search' autocomplete='off' "
                 "placeholder='Filter topics and claims: words such as softmax, failed, gradient (press / to focus)' "
                 "aria-label='Filter topics and claims'><span id='filter-count'></span>"
                 "<button type='button' id='open-all'>open all</button>"
                 "<button type='button' id='close-all'>fold all</button></div>")
    for letter, chapter_topics in by_chapter.items():
        c = _counts([cl for t in chapter_topics for cl in t["claims"]])
        parts.append(f"<section class='chapter' id='chapter-{e(letter)}'>"
                     f"<h2>{e(chapter_name(letter))} <small>{_plural(len(chapter_topics), 'topic')} &middot; "
                     f"{c[OK]}/{sum(c.values())} claims ok &middot; "
                     f"{e(fmt_seconds(sum(t['seconds'] for t in chapter_topics)))}</small></h2>")
        for topic in chapter_topics:
            parts += _render_topic(topic, chapter_name(letter), out_dir, open_=len(topics) == 1)
        parts.append("</section>")
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(parts)


def _render_topic(topic: dict, chapter: str, out_dir: Path, *, open_: bool = False) -> list[str]:
    """A topic's ``<details>``: open when it failed or when ``open_`` (a one-topic report)."""
    e = html.escape
    tid = topic["id"]
    c = _counts(topic["claims"])
    total = sum(c.values())
    failed = bool(c[FAILED] or topic["error"])
    state = "failed" if failed else ("nc" if c[NOT_CHECKED] else "ok")
    pill = f"{c[OK]}/{total}" if total else ("error" if topic["error"] else "no claims")
    if topic["error"] and total:
        pill += " + error"
    search = " ".join([tid, topic["title"], chapter, *topic["notes"], *topic["plots"],
                       "failed error " + topic["error"] if topic["error"] else ""])
    summary_bits = [f"{c[OK]} of {total} claims ok"]
    if c[FAILED]:
        summary_bits.append(f"{c[FAILED]} failed")
    if c[NOT_CHECKED]:
        summary_bits.append(f"{c[NOT_CHECKED]} not checked")
    out = [
        f"<details class='topic t-{state}' id='{e(tid)}' data-text='{e(search)}'{' open' if failed or open_ else ''}>",
        f"<summary><span class='pill {state}' title='{e(', '.join(summary_bits))}'>{e(pill)}</span>"
        f"<span class='title'>{e(topic['title'])}</span><code>{e(tid)}</code>"
        f"<span class='time'>{e(fmt_seconds(topic['seconds']))}</span></summary>",
        "<div class='body'>",
    ]
    for note in topic["notes"]:
        table = note_table(note)
        if table is None:
            out.append(f"<p class='note'>{e(note)}</p>")
            continue
        header, rows = table  # a note written as a markdown table (e.g. the errata topic's list)
        out.append("<table class='note-table'><tr>" + "".join(f"<th>{e(h)}</th>" for h in header)
                   + "</tr>")
        out += ["<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>" for row in rows]
        out.append("</table>")
    if topic["claims"]:
        out.append("<table class='claims'><tr><th>claim</th><th>expected</th><th>measured</th>"
                   "<th>tolerance</th><th>ok</th></tr>")
        for i, claim in enumerate(topic["claims"], 1):
            status = claim_status(claim)
            cls, word = {OK: ("ok", "yes"), FAILED: ("failed", "FAILED"),
                         NOT_CHECKED: ("nc", "not checked")}[status]
            out.append(
                f"<tr class='claim c-{cls}' id='{e(_claim_anchor(tid, i))}'><td>{e(claim['name'])}</td>"
                f"<td>{e(fmt_value(claim['expected']))}</td><td>{e(fmt_value(claim['measured']))}</td>"
                f"<td>{e(fmt_value(claim['tolerance']))}</td><td class='{cls}'>{word}</td></tr>")
        out.append("</table>")
    if topic["error"]:
        out.append(f"<pre class='error' id='{e(tid)}--error'>{e(topic['error'].strip())}</pre>")
    if topic["plots"]:
        out.append("<div class='plots'>")
        for plot in topic["plots"]:
            out.append(_render_plot(plot, out_dir))
        out.append("</div>")
    out.append("</div></details>")
    return out


def _render_plot(plot: str, out_dir: Path) -> str:
    e = html.escape
    name = Path(plot).name
    try:
        mime, data, width, height = encode_plot(out_dir / plot)
    except OSError as exc:
        return f"<figure><figcaption class='failed'>{e(plot)}: not readable ({e(str(exc))})</figcaption></figure>"
    size = f" width='{width}' height='{height}'" if width and height else ""
    uri = f"data:{mime};base64,{base64.b64encode(data).decode()}"
    return (f"<figure><img alt='{e(name)}' title='{e(plot)}'{size} loading='lazy' decoding='async' "
            f"data-src='{uri}'><noscript><img alt='{e(name)}'{size} src='{e(plot)}'></noscript>"
            f"<figcaption>{e(name)}</figcaption></figure>")
