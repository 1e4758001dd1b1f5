"""``tfref spec --matrix``: every implementation against the contract, as one function x implementation table.

Runs tfref.ops and each ready adapter whose library is installed, each in a process of its own
(so TensorFlow, torch and JAX never share one), then writes ``conformance-matrix.json``,
``conformance-matrix.md`` and ``conformance-matrix.html`` with the library versions. A cell
summarises the properties that call the function, per level: ``8/8`` all pass, ``6/8`` two fail,
``7/8 +1k`` one known deviation, ``n/a`` the implementation lacks the function.
"""

from __future__ import annotations

import html
import importlib.metadata
import json
import subprocess
import sys
import time
from pathlib import Path

from spec_tests.adapters import ADAPTERS, installed
from spec_tests.conformance import contract_functions
from spec_tests.registry import LEVELS
from tfref._files import atomic_write

#: The implementations of the matrix: (column name, --impl value, library whose version to show).
TFREF = ("tfref", "tfref.ops", "tensorflow")


def columns() -> list[tuple[str, str, str]]:
    """The implementations installed here, tfref first."""
    cols = [TFREF]
    for name, adapter in ADAPTERS.items():
        if installed(name):
            cols.append((name, name, adapter.library))
    return cols


def _version(package: str) -> str:
    try:
        return importlib.metadata.version({"sklearn": "scikit-learn"}.get(package, package))
    except importlib.metadata.PackageNotFoundError:
        return "?"


def cell(properties: list[dict], function: str, level: str) -> dict:
    """Counts of the properties of ``level`` that call ``function``."""
    mine = [p for p in properties if p["level"] == level and function in p.get("requires", [])]
    counts = {s: sum(p["status"] == s for p in mine) for s in ("pass", "fail", "known", "fixed",
                                                                "n/a", "error")}
    applied = len(mine) - counts["n/a"]
    counts["applied"] = applied
    counts["total"] = len(mine)
    return counts


def cell_text(c: dict) -> str:
    if c["total"] == 0:
        return ""
    if c["applied"] == 0:
        return "n/a"
    ok = c["pass"] + c["fixed"]
    text = f"{ok}/{c['applied']}"
    if c["known"]:
        text += f" +{c['known']}k"
    if c["fixed"]:
        text += f" ({c['fixed']}f)"
    if c["error"]:
        text += f" {c['error']}err"
    return text


def _headline(properties: list[dict]) -> dict:
    out = {}
    for level in LEVELS:
        mine = [p for p in properties if p["level"] == level]
        out[level] = {s: sum(p["status"] == s for p in mine)
                      for s in ("pass", "fail", "known", "fixed", "n/a", "error")}
    return out


def run_matrix(out_dir, families=None, levels=None, max_examples=None, shrink=False,
               stream=None, isolate: bool = True) -> int:
    """Run every installed implementation in its own process; write the matrix; 0 if all ran."""
    stream = stream or sys.stdout
    out_dir = Path(out_dir)
    results = {}
    problems = []
    for name, impl, library in columns():
        sub_out = out_dir / name
        cmd = [sys.executable, "-m", "spec_tests.conformance", "--impl", impl, "--out", str(sub_out)]
        for family in families or []:
            cmd += ["--family", family]
        for level in levels or []:
            cmd += ["--level", level]
        if max_examples is not None:
            cmd += ["--max-examples", str(max_examples)]
        if shrink:
            cmd.append("--shrink")
        if not isolate:
            cmd.append("--in-process")
        stream.write(f"[matrix] {name} ({impl}) ...\n")
        stream.flush()
        start = time.perf_counter()
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seconds = time.perf_counter() - start
        report = sub_out / "conformance.json"
        if not report.exists():
            problems.append(f"{name}: no report (exit {done.returncode}):\n{done.stdout[-2000:]}")
            continue
        data = json.loads(report.read_text())
        results[name] = {"impl": impl, "library": library, "version": _version(library),
                         "seconds": round(seconds, 1), "exit": done.returncode,
                         "complete": data.get("complete", False), "properties": data["properties"],
                         "profile": data.get("hypothesis_profile", "?")}
        head = _headline(data["properties"])
        stream.write(f"[matrix] {name}: " + "; ".join(
            f"{level} {c['pass']} pass {c['fail']} fail {c['known']} known {c['n/a']} n/a"
            for level, c in head.items()) + f" ({seconds:.0f}s)\n")
    write_matrix(results, out_dir)
    for problem in problems:
        stream.write(f"[matrix] ERROR {problem}\n")
    stream.write(f"[matrix] written {out_dir}/conformance-matrix.md, .html and .json\n")
    return 1 if problems else 0


def write_matrix(results: dict, out_dir: Path) -> None:
    functions = contract_functions()
    names = list(results)
    matrix = {level: {f: {n: cell(results[n]["properties"], f, level) for n in names}
                      for f in functions} for level in LEVELS}
    headline = {n: _headline(results[n]["properties"]) for n in names}
    versions = {n: {k: results[n].get(k, "?") for k in ("impl", "library", "version", "seconds",
                                                         "complete", "profile")}
                for n in names}
    profiles = sorted({str(v["profile"]) for v in versions.values()})
    atomic_write(out_dir / "conformance-matrix.json", json.dumps(
        {"python": sys.version.split()[0], "implementations": versions, "headline": headline,
         "matrix": matrix}, indent=2) + "\n")

    md = ["# Conformance matrix", "",
          "Each implementation ran in its own process with `tfref spec --impl NAME`. A cell counts "
          "the properties calling the function that passed, of those that applied; `+Nk`: N more "
          "failed as known deviations (listed, with reasons, in spec_tests/adapters/"
          "NAME_deviations.toml); `(Nf)`: N listed deviations that no example triggered in this "
          "run (counted as passes; a deviation found only by some draws shows so); `n/a`: the "
          f"implementation lacks the function. Hypothesis profile: {', '.join(profiles)}.", "",
          "| implementation | library | " + " | ".join(f"{lv} pass/fail/known/n/a" for lv in LEVELS)
          + " | time |", "|---|---|" + "---|" * len(LEVELS) + "---|"]
    for n in names:
        v = versions[n]
        md.append(f"| {n} | {v['library']} {v['version']} | " + " | ".join(
            "{}/{}/{}/{}".format(headline[n][lv]["pass"] + headline[n][lv]["fixed"],
                                 headline[n][lv]["fail"], headline[n][lv]["known"],
                                 headline[n][lv]["n/a"]) for lv in LEVELS)
            + f" | {v['seconds']:.0f} s |")
    for level in LEVELS:
        md += ["", f"## {level}", "", "| function | " + " | ".join(names) + " |",
               "|---|" + "---|" * len(names)]
        for f in functions:
            cells = [cell_text(matrix[level][f][n]) for n in names]
            if any(cells):
                md.append(f"| `{f}` | " + " | ".join(cells) + " |")
    atomic_write(out_dir / "conformance-matrix.md", "\n".join(md) + "\n")

    def td(c):
        text = cell_text(c)
        if not text:
            return "<td></td>"
        cls = ("na" if text == "n/a" else "ok" if c["fail"] == 0 and c["error"] == 0 and not c["known"]
               else "known" if c["fail"] == 0 and c["error"] == 0 else "bad")
        return f'<td class="{cls}">{html.escape(text)}</td>'

    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>tfref conformance matrix</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
             "td,th{border:1px solid #ccc;padding:2px 8px;text-align:center}td:first-child{text-align:left}"
             ".ok{background:#d9f2d9}.bad{background:#f6caca}.known{background:#fbeabf}.na{color:#999}"
             "</style></head><body><h1>Conformance matrix</h1>",
             "<table><tr><th>implementation</th><th>library</th>"
             + "".join(f"<th>{lv}<br>pass/fail/known/n/a</th>" for lv in LEVELS) + "<th>time</th></tr>"]
    for n in names:
        v = versions[n]
        parts.append(f"<tr><td>{html.escape(n)}</td><td>{html.escape(v['library'])} "
                     f"{html.escape(v['version'])}</td>" + "".join(
                         "<td>{}/{}/{}/{}</td>".format(
                             headline[n][lv]["pass"] + headline[n][lv]["fixed"],
                             headline[n][lv]["fail"], headline[n][lv]["known"],
                             headline[n][lv]["n/a"]) for lv in LEVELS)
                     + f"<td>{v['seconds']:.0f} s</td></tr>")
    parts.append("</table>")
    for level in LEVELS:
        parts.append(f"<h2>{level}</h2><table><tr><th>function</th>"
                     + "".join(f"<th>{html.escape(n)}</th>" for n in names) + "</tr>")
        for f in functions:
            cells = [matrix[level][f][n] for n in names]
            if any(c["total"] for c in cells):
                parts.append(f"<tr><td><code>{f}</code></td>" + "".join(td(c) for c in cells) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    atomic_write(out_dir / "conformance-matrix.html", "\n".join(parts) + "\n")
