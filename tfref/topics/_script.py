"""``python -m tfref.topics.<module> [options]``: one topic as a script.

Every topic module ends with::

    if __name__ == "__main__":
        from tfref.topics._script import main
        raise SystemExit(main(ID))

which is ``tfref run ID [options]``: the same options (``--quick``, ``--seed``, ``--out``,
``--data``, the training options, ``--verbose``), the claim table on the terminal, the report in
``tfref-report/`` and the same exit status (0 when every claim holds).
"""

from __future__ import annotations

import sys


def main(topic_id: str, argv: list[str] | None = None) -> int:
    from tfref.cli import main as cli_main

    args = sys.argv[1:] if argv is None else argv
    if args[:1] in (["-h"], ["--help"]):
        print(f"python -m tfref.topics.{topic_id.replace('-', '_')} [options]: the same as "
              f"'tfref run {topic_id} [options]'.\n")
    return cli_main(["run", topic_id, *args])
