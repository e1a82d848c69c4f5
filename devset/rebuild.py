"""Rebuild the development set's article texts from the public repositories they came from.

The texts are not in this repository (copyright): ``devset/coding.yaml`` holds, for each
article, the repository, commit and path it was read from, how to cut the text out of that
file, and the sha256 of the text. This script reads each file from a bare git snapshot
(``/work/.mirror/<owner>+<name>/repo`` when present, else a blobless clone from GitHub into
the cache), cuts the text out, checks its sha256 and writes it to the cache folder
(``DEVSET_CACHE``, default ``/work/devset-cache``) as ``<slug>.txt``.

    python devset/rebuild.py            # rebuild and check every text
    python devset/rebuild.py --check    # only check the cached texts

Exit status 1 when a text cannot be rebuilt or does not match its sha256.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
CODING = HERE / "coding.yaml"
DEFAULT_CACHE = Path(os.environ.get("DEVSET_CACHE", "/work/devset-cache"))
MIRRORS = Path(os.environ.get("DEVSET_MIRRORS", "/work/.mirror"))


def git_dir(repository: str, cache: Path) -> Path:
    """A bare git directory holding ``repository`` ("owner/name")."""
    mirror = MIRRORS / repository.replace("/", "+") / "repo"
    if mirror.exists():
        return mirror
    clone = cache / "repos" / repository.replace("/", "+")
    if not clone.exists():
        clone.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "git",
                "clone",
                "--bare",
                "--filter=blob:none",
                f"https://github.com/{repository}.git",
                str(clone),
            ],
            check=True,
        )
    return clone


def read_blob(repository: str, commit: str, path: str, cache: Path) -> str:
    result = subprocess.run(
        ["git", "--git-dir", str(git_dir(repository, cache)), "show", f"{commit}:{path}"],
        check=True,
        capture_output=True,
    )
    return result.stdout.decode("utf-8")


def cut_text(source: dict, raw: str) -> str:
    """The article text inside the file, by the source's ``format``.

    - ``muc-xhtml``: the dstl/muc3 XHTML files; the paragraphs after the first (which only
      repeats the document id), unescaped and joined by blank lines.
    - ``wikievents-jsonl``: a WikiEvents JSON Lines file; the ``text`` of ``doc_id``.
    - ``scraped-markdown``: a page saved as Markdown with a ``## Content`` section (the
      scrapes in Kjdragan/universal_agent); the article is the stretch of that section
      from the line starting with ``from`` up to (not including) the marker ``to``, which
      leaves out the site's menus, captions and link lists.
    """
    if source["format"] == "muc-xhtml":
        paragraphs = re.findall(r"<p>(.*?)</p>", raw, re.S)
        return "\n\n".join(html.unescape(p) for p in paragraphs[1:])
    if source["format"] == "wikievents-jsonl":
        for line in raw.splitlines():
            document = json.loads(line)
            if document["doc_id"] == source["doc_id"]:
                return document["text"]
        raise KeyError(f"no document {source['doc_id']!r} in {source['path']}")
    if source["format"] == "scraped-markdown":
        body = raw.split("\n## Content\n", 1)[1]
        start = body.index(source["from"])
        end = body.index(source["to"], start)
        return body[start:end].strip()
    raise ValueError(f"unknown source format {source['format']!r}")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--check", action="store_true", help="only check cached texts")
    parser.add_argument("--print-sha", action="store_true", help="print each text's sha256")
    args = parser.parse_args()
    coding = yaml.safe_load(CODING.read_text(encoding="utf-8"))
    args.cache.mkdir(parents=True, exist_ok=True)
    failures = 0
    blobs: dict[tuple[str, str, str], str] = {}
    for article in coding["articles"]:
        target = args.cache / f"{article['slug']}.txt"
        if args.check:
            text = target.read_text(encoding="utf-8") if target.exists() else None
        else:
            source = article["source"]
            key = (source["repository"], source["commit"], source["path"])
            try:
                if key not in blobs:
                    blobs[key] = read_blob(*key, args.cache)
                text = cut_text(source, blobs[key])
            except (subprocess.CalledProcessError, KeyError, ValueError) as error:
                print(f"{article['slug']}: cannot rebuild: {error}", file=sys.stderr)
                failures += 1
                continue
        if text is None:
            print(f"{article['slug']}: not in {args.cache}", file=sys.stderr)
            failures += 1
            continue
        digest = sha256(text)
        if args.print_sha:
            print(f"{article['slug']} {digest}")
        if article.get("sha256") and digest != article["sha256"]:
            print(f"{article['slug']}: sha256 {digest} differs from the coding", file=sys.stderr)
            failures += 1
            continue
        if not args.check:
            target.write_text(text, encoding="utf-8")
    total = len(coding["articles"])
    print(f"{total - failures} of {total} texts rebuilt and checked in {args.cache}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
