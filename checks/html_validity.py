"""Validate HTML documents with the Nu HTML Checker (vnu.jar, from npm's vnu-jar, under Java).

    python -m checks.html_validity FILE_OR_URL...

prints each error as `where:line:column: message`, then `HTML errors: N`, and exits 1 if N
is not zero. The test suite uses `find_vnu`, `validate` and `describe` on rendered pages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def find_vnu() -> tuple[list[str] | None, str]:
    """The command that runs vnu (java -jar …), or None and the reason it cannot run.

    $VNU_JAR overrides the jar's place (by default npm's node_modules/vnu-jar).
    """
    jar = Path(os.environ.get("VNU_JAR", VNU_JAR))
    java = shutil.which("java")
    if java is None:
        return None, "no `java` on PATH (the Nu HTML Checker needs Java 11 or later)"
    if not jar.is_file():
        return None, f"no vnu.jar at {jar} (run `npm ci --ignore-scripts`)"
    return [java, "-jar", str(jar)], ""


def validate(command: list[str], targets: list[str | Path]) -> list[dict]:
    """Every message vnu reports for the targets (files or URLs), as vnu's JSON gives them."""
    completed = subprocess.run(
        [*command, "--format", "json", "--stdout", "--exit-zero-always", *map(str, targets)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"vnu failed ({completed.returncode}): {completed.stderr.strip()}")
    return json.loads(completed.stdout)["messages"]


def errors_in(messages: list[dict]) -> list[dict]:
    """The errors (including documents vnu could not read); warnings and info are left out."""
    return [m for m in messages if m.get("type") in ("error", "non-document-error")]


def describe(message: dict) -> str:
    where = message.get("url", "?").removeprefix("file:")
    line, column = message.get("lastLine", "?"), message.get("firstColumn", "?")
    extract = message.get("extract", "").replace("\n", " ").strip()
    text = f"{where}:{line}:{column}: {message.get('message', '')}"
    return f"{text}  [{extract}]" if extract else text


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    command, reason = find_vnu()
    if command is None:
        print(f"cannot run the Nu HTML Checker: {reason}", file=sys.stderr)
        return 2
    errors = errors_in(validate(command, argv))
    for message in errors:
        print(describe(message))
    print(f"HTML errors: {len(errors)}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
