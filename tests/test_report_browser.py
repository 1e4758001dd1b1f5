"""report.html in a real browser: the dashboard shows, a folded topic opens, its plot decodes.

Headless Chromium loads a report written by ``write_report`` from fixture results, with a test
script appended that acts as a reader would (clicks a topic open, types in the filter, follows a
failure link) and writes what the browser measured into a ``<pre>`` that ``--dump-dom`` returns.
Skipped when no ``chromium`` (or ``chromium-browser``) binary is on PATH; ``.ci/run`` installs
Debian's ``chromium`` when it can.
"""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import subprocess
from dataclasses import dataclass

import pytest

from tfref.report import write_report
from tfref.topics import Claim, TopicResult

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class _UncheckedClaim(Claim):
    """A claim as a future runner may record it: present, but not checked."""

    def to_json(self) -> dict:
        return {**super().to_json(), "status": "not checked"}


def _plot(path, colour):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(4.2, 3.2))
    x = np.linspace(0, 6, 200)
    ax.plot(x, np.sin(x), color=colour, label="sin")
    ax.plot(x, np.cos(x), color="0.4", label="cos")
    ax.legend()
    ax.set_title(path.stem)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _write_fixture_report(out):
    _plot(out / "plots" / "fixture-ok-waves.png", "tab:blue")
    _plot(out / "plots" / "fixture-failing-waves.png", "tab:red")
    results = [
        TopicResult("fixture-ok", "A topic whose claims hold", "A", seconds=1.5,
                    plots=["plots/fixture-ok-waves.png"],
                    claims=[Claim("sine of zero is zero", 0.0, 0.0, "atol=0", True),
                            Claim("cosine of zero is one", 1.0, 1.0, "atol=0", True),
                            _UncheckedClaim("a check left for later", None, None, None, False)],
                    notes=["A note about the ok topic."]),
        TopicResult("fixture-failing", "A topic with a failing claim", "B", seconds=2.25,
                    plots=["plots/fixture-failing-waves.png"],
                    claims=[Claim("one plus one is two", 2, 2, None, True),
                            Claim("one plus one is three", 3, 2, None, False)]),
        TopicResult("fixture-raising", "A topic that raises", "B", seconds=0.5,
                    error="Traceback (most recent call last):\nRuntimeError: boom"),
    ]
    return write_report(results, out, {"command": "pytest", "quick": True, "seed": 0})


# Appended to the page after its own script; records what a reader would see.
_PROBE = r"""
<script>
(async function () {
  const r = {};
  // checkVisibility: false inside a closed <details> (content-visibility) or under display:none.
  const shown = (el) => !!el && el.checkVisibility() && el.getBoundingClientRect().height > 0;
  const wait = (ms) => new Promise((res) => setTimeout(res, ms));
  try {
    const dash = document.getElementById("dashboard");
    r.dashboard_shown = shown(dash) && shown(dash.querySelector("table.dash"));
    r.dashboard_rows = [...dash.querySelectorAll("table.dash tr")].slice(1)
      .map((tr) => [...tr.cells].slice(0, 5).map((td) => td.textContent.trim()));
    r.failure_links = [...document.querySelectorAll("#failures li a")].map((a) => a.getAttribute("href"));
    r.open_at_start = [...document.querySelectorAll("details.topic")].filter((d) => d.open).map((d) => d.id);

    const topic = document.getElementById("fixture-ok");
    const img = topic.querySelector("img");
    r.src_before_open = img.getAttribute("src");
    r.img_shown_before_open = shown(img);
    topic.querySelector("summary").click();
    r.open_after_click = topic.open;
    for (let i = 0; i < 50 && !(img.complete && img.naturalWidth > 0); i++) await wait(100);
    r.natural_size = [img.naturalWidth, img.naturalHeight];
    r.img_shown_after_open = shown(img);
    r.img_src_kind = (img.currentSrc || "").split(",")[0] + ",";

    const box = document.getElementById("filter");
    box.value = "plus THREE";
    box.dispatchEvent(new Event("input"));
    r.filtered_topics = [...document.querySelectorAll("details.topic")].filter(shown).map((d) => d.id);
    r.filtered_claims = [...document.querySelectorAll("tr.claim")].filter(shown).map((t) => t.cells[0].textContent);
    r.filtered_chapters = [...document.querySelectorAll("section.chapter")].filter(shown).map((s) => s.id);
    r.filter_count = document.getElementById("filter-count").textContent;
    box.value = "";
    box.dispatchEvent(new Event("input"));
    r.topics_after_clear = [...document.querySelectorAll("details.topic")].filter(shown).map((d) => d.id);

    const failing = document.getElementById("fixture-failing");
    failing.querySelector("summary").click();
    r.failing_folded = !failing.open;
    document.querySelector("#failures li a[href='#fixture-failing--claim-2']").click();
    await wait(200);
    r.failure_link_opens = failing.open && shown(document.getElementById("fixture-failing--claim-2"));
  } catch (err) {
    r.error = String(err && err.stack || err);
  }
  const pre = document.createElement("pre");
  pre.id = "probe-result";
  pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
})();
</script>
"""


def test_palette_plots_are_smaller_and_the_page_needs_nothing_from_outside(tmp_path):
    from PIL import Image

    from tfref.report.html import encode_plot

    _write_fixture_report(tmp_path)
    original = tmp_path / "plots" / "fixture-ok-waves.png"
    mime, data, width, height = encode_plot(original)
    assert (mime, data[:4]) in (("image/png", b"\x89PNG"), ("image/webp", b"RIFF")), mime
    assert len(data) < 0.7 * original.stat().st_size, (len(data), original.stat().st_size)
    with Image.open(original) as before:
        assert (width, height) == before.size
    page = (tmp_path / "report.html").read_text()
    assert len(re.findall(r"data-src='data:image/(?:png|webp);base64,", page)) == 2
    assert not re.search(r"""(src|href)=['"]?(https?:)?//""", page), "an external resource"
    assert "<link" not in page and "<script src" not in page and "@import" not in page and "url(" not in page


def test_a_one_topic_report_opens_its_topic_and_a_longer_one_folds_the_ok_ones(tmp_path):
    _write_fixture_report(tmp_path / "many")
    page = (tmp_path / "many" / "report.html").read_text()
    opened = dict(re.findall(r"<details class='topic [^']*' id='([^']+)'[^>]*?( open)?>", page))
    assert opened == {"fixture-ok": "", "fixture-failing": " open", "fixture-raising": " open"}
    _plot(tmp_path / "one" / "plots" / "fixture-ok-waves.png", "tab:blue")
    write_report([TopicResult("fixture-ok", "A topic whose claims hold", "A", seconds=1.0,
                              plots=["plots/fixture-ok-waves.png"],
                              claims=[Claim("sine of zero is zero", 0.0, 0.0, "atol=0", True)])],
                 tmp_path / "one", {"command": "pytest", "quick": True, "seed": 0})
    page = (tmp_path / "one" / "report.html").read_text()
    assert re.search(r"<details class='topic t-ok' id='fixture-ok'[^>]* open>", page)


def test_photographs_go_lossy_only_within_the_palette_error(tmp_path):
    """A photograph-like plot is sent as lossy WebP only when that is smaller than the palette
    encoding and no further from the original (independent check: NumPy MSE of the decoded
    pixels); a line plot keeps its lossless palette encoding."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from PIL import Image, features

    from tfref.report.html import _palette_encodings, encode_plot

    if not features.check("webp"):
        pytest.skip("this Pillow has no WebP: only palette PNGs are written")
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:240, 0:320]
    photo = np.stack([np.sin(xx / 23.0 + c) * np.cos(yy / 17.0 - c) for c in (0.0, 1.1, 2.3)], -1)
    photo = np.clip(127.5 * (photo + 1) + rng.normal(0, 12, photo.shape), 0, 255).astype(np.uint8)
    Image.fromarray(photo).save(tmp_path / "photo.png")
    fig, ax = plt.subplots(figsize=(4, 3), dpi=90)
    ax.plot(np.linspace(0, 1, 50), np.linspace(0, 1, 50) ** 2)
    fig.savefig(tmp_path / "line.png")
    plt.close(fig)

    def mse(data, original):
        with Image.open(io.BytesIO(data)) as decoded:
            return float(np.mean((np.asarray(decoded.convert("RGB"), float) - original) ** 2))

    for name, lossy_expected in (("photo.png", True), ("line.png", False)):
        with Image.open(tmp_path / name) as image:
            image.load()
            original = np.asarray(image.convert("RGB"), float)
            palette = min((data for _, data in _palette_encodings(image)), key=len)
        mime, data, _, _ = encode_plot(tmp_path / name)
        is_lossy = data[:4] == b"RIFF" and data[12:16] == b"VP8 "
        assert is_lossy == lossy_expected, (name, mime, data[12:16])
        assert len(data) <= len(palette)
        assert mse(data, original) <= mse(palette, original) + 1e-9, name


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium or chromium-browser binary on PATH "
                    "(Debian: apt-get install chromium); report.html is not checked in a browser")
def test_report_in_headless_chromium(tmp_path):
    from PIL import Image

    out = tmp_path / "report"
    _write_fixture_report(out)
    with Image.open(out / "plots" / "fixture-ok-waves.png") as image:
        plot_size = list(image.size)
    page = (out / "report.html").read_text()
    assert page.count("</body>") == 1
    probe = out / "probe.html"
    probe.write_text(page.replace("</body>", _PROBE + "</body>"))
    cmd = [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--disable-dev-shm-usage",
           "--no-first-run", "--disable-extensions", f"--user-data-dir={tmp_path / 'profile'}",
           "--virtual-time-budget=15000", "--dump-dom", probe.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    match = re.search(r'<pre id="probe-result">(.*?)</pre>', done.stdout, flags=re.DOTALL)
    assert match, f"no probe result (exit {done.returncode}):\n{done.stderr[-3000:]}\n{done.stdout[-3000:]}"
    r = json.loads(html.unescape(match.group(1)))
    assert "error" not in r, r["error"]

    # The dashboard: one row per chapter and a total, with ok / failed / not checked counts.
    assert r["dashboard_shown"]
    assert r["dashboard_rows"] == [
        ["A. Foundations", "1", "2", "0", "1"],
        ["B. Linear models and optimisation", "2 (2 failing)", "1", "1", "0"],
        ["all chapters", "3", "3", "1", "1"],
    ]
    assert r["failure_links"] == ["#fixture-failing--claim-2", "#fixture-raising--error"]
    assert r["open_at_start"] == ["fixture-failing", "fixture-raising"]

    # A folded topic: its plot is not loaded until it is opened, then it decodes at full size.
    assert r["src_before_open"] is None and not r["img_shown_before_open"]
    assert r["open_after_click"]
    assert r["natural_size"] == plot_size
    assert r["img_shown_after_open"]
    assert r["img_src_kind"] in ("data:image/png;base64,", "data:image/webp;base64,")

    # The filter keeps the matching claim, its topic and its chapter only; clearing restores all.
    assert r["filtered_topics"] == ["fixture-failing"]
    assert r["filtered_claims"] == ["one plus one is three"]
    assert r["filtered_chapters"] == ["chapter-B"]
    assert r["filter_count"] == "1 of 3 topics, 1 claim"
    assert r["topics_after_clear"] == ["fixture-ok", "fixture-failing", "fixture-raising"]

    # A link in the failures list opens the folded topic at its claim row.
    assert r["failing_folded"] and r["failure_link_opens"]
