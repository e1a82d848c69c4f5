"""Import articles from JSON Lines files (``.jsonl``): one article per line.

Each line is a JSON object with ``url``, ``title``, ``published`` (YYYY-MM-DD), ``outlet``
and ``body`` (the exact text; evidence offsets will point into it), and optionally
``slug``, ``dateline`` and ``language``. Unknown keys are rejected so that a typo cannot
drop a field silently. The default slug is the title's slug (at most 80 characters) and
the publication date: ``israel-and-hamas-start-talks-2025-07-07``.

``load_article_lines`` only reads and checks (no database); it returns the fixture
importer's ``ArticleSpec`` so that ``import_fixtures`` can take ``.jsonl`` files too.
``import_article_lines`` writes them: all or nothing, idempotent on slug, and a body
already stored under another slug is reported and not imported twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import transaction
from django.utils.text import slugify

from timeline.importing.fixture_format import (
    TOO_DEEP,
    ArticleSpec,
    FixtureError,
    Origin,
    forbidden_character,
)
from timeline.models import Article, content_hash
from timeline.outlets import OutletIndex, link_article_outlets

ARTICLE_LINE_SUFFIXES = {".jsonl"}
REQUIRED_KEYS = ("url", "title", "published", "outlet", "body")
OPTIONAL_KEYS = ("slug", "dateline", "language")
_SLUG_TITLE_LENGTH = 80
_MAX_PROBLEMS_SHOWN = 10
# The limited fields (outlet is a text: source lists run long and are kept whole).
_FIELD_LENGTHS = {
    name: Article._meta.get_field(name).max_length
    for name in ("slug", "title", "dateline", "url", "language")
}
_UPDATED_FIELDS = ("title", "outlet", "published", "dateline", "url", "language", "text")


class ArticleLinesError(FixtureError):
    """One or more lines of a JSON Lines file are bad; each is named with its number."""

    def __init__(self, file: Path | str, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        shown = [f"line {line}: {problem}" for line, problem in problems[:_MAX_PROBLEMS_SHOWN]]
        if len(problems) > _MAX_PROBLEMS_SHOWN:
            shown.append(f"… and {len(problems) - _MAX_PROBLEMS_SHOWN} more bad lines")
        if len(shown) == 1:
            super().__init__(file, f"line {problems[0][0]}", problems[0][1])
        else:
            super().__init__(file, "", f"{len(problems)} bad lines:\n  " + "\n  ".join(shown))


def default_slug(title: str, published: date) -> str:
    """slugify(title) cut to 80 characters, then the publication date."""
    stem = slugify(title)[:_SLUG_TITLE_LENGTH].strip("-")
    return f"{stem}-{published.isoformat()}" if stem else published.isoformat()


def load_article_lines(path: Path) -> list[ArticleSpec]:
    """Read and check one JSON Lines file; blank lines are skipped.

    Raises ArticleLinesError naming the file and every bad line (not JSON, not an
    object, a missing or unknown key, a bad value, a slug given twice in the file).
    """
    path = Path(path)
    try:
        content = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise FixtureError(path, "", "no such file") from None
    except UnicodeDecodeError as error:
        raise FixtureError(path, "", f"not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise FixtureError(path, "", f"cannot be read: {error.strerror}") from None
    specs: list[ArticleSpec] = []
    problems: list[tuple[int, str]] = []
    first_line_of: dict[str, int] = {}
    # Only "\n" ends a JSON Lines record: a body's other line breaks are escaped in JSON.
    for number, line in enumerate(content.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            spec = _article_spec(path, number, line)
        except ValueError as error:
            problems.append((number, str(error)))
            continue
        if spec.slug in first_line_of:
            problems.append(
                (number, f"slug {spec.slug!r} is already used on line {first_line_of[spec.slug]}")
            )
            continue
        first_line_of[spec.slug] = number
        specs.append(spec)
    if problems:
        raise ArticleLinesError(path, problems)
    if not specs:
        raise FixtureError(path, "", "no articles: the file has no lines")
    return specs


def _article_spec(path: Path, number: int, line: str) -> ArticleSpec:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON: {error.msg} (column {error.colno})") from None
    except RecursionError:
        raise ValueError(TOO_DEEP) from None
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    missing = [key for key in REQUIRED_KEYS if key not in record]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    unknown = sorted(set(record) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        allowed = ", ".join((*REQUIRED_KEYS, *OPTIONAL_KEYS))
        raise ValueError(f"unknown key {', '.join(unknown)} (allowed: {allowed})")
    for key in record:
        if not isinstance(record[key], str):
            raise ValueError(f"{key} must be a string, not {type(record[key]).__name__}")
        if problem := forbidden_character(record[key]):
            raise ValueError(f"{key} holds {problem}; remove it")
    title = record["title"].strip()
    body = record["body"]
    if not title:
        raise ValueError("title is empty")
    if not body.strip():
        raise ValueError("body is empty")
    published_text = record["published"].strip()
    try:
        if len(published_text) != 10:
            raise ValueError
        published = date.fromisoformat(published_text)
    except ValueError:
        raise ValueError(f"published {record['published']!r} is not a date (YYYY-MM-DD)") from None
    url = record["url"].strip()
    if url:
        try:
            URLValidator()(url)
        except ValidationError:
            raise ValueError(f"url {url!r} is not a valid URL") from None
    slug = record.get("slug", "").strip() or default_slug(title, published)
    try:
        validate_slug(slug)
    except ValidationError:
        raise ValueError(f"slug {slug!r} is not a slug (letters, digits, - and _)") from None
    values = {
        "slug": slug,
        "title": title,
        "outlet": record["outlet"].strip(),
        "dateline": record.get("dateline", "").strip(),
        "url": url,
        "language": record.get("language", "").strip() or "en",
    }
    for name, value in values.items():
        if name in _FIELD_LENGTHS and len(value) > _FIELD_LENGTHS[name]:
            raise ValueError(f"{name} is longer than {_FIELD_LENGTHS[name]} characters")
    return ArticleSpec(
        origin=Origin(path, f'line {number} (article "{slug}")'),
        published=published,
        text=body,
        from_raw_file=True,
        **values,
    )


def expand_article_line_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, plus the ``.jsonl`` files in folders (recursively, sorted)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            in_folder = sorted(p for p in path.rglob("*.jsonl") if p.is_file())
            if not in_folder:
                raise FixtureError(path, "", "no .jsonl files in this folder")
            found.extend(in_folder)
        elif path.is_file():
            if path.suffix.lower() not in ARTICLE_LINE_SUFFIXES:
                raise FixtureError(path, "", "not a JSON Lines file: use .jsonl")
            found.append(path)
        else:
            raise FixtureError(path, "", "no such file or folder")
    return list({p.resolve(): p for p in found}.values())


@dataclass
class ArticleLinesSummary:
    """What an import did (or, for a dry run, would do)."""

    files: int = 0
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # "file: line N (article "x"): the same body is already stored as article 'y'".
    duplicates: list[str] = field(default_factory=list)

    def one_line(self) -> str:
        files = f"{self.files} file" + ("" if self.files == 1 else "s")
        counts = (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.duplicates)} duplicate bodies skipped"
        )
        if self.dry_run:
            return f"Dry run, nothing written: articles {counts} from {files}."
        return f"Articles: {counts} from {files}."


def import_article_lines(*, paths: Iterable[Path], dry_run: bool = False) -> ArticleLinesSummary:
    """Import JSON Lines article files, all or nothing.

    Every file is read and checked before the database is touched. Articles are upserted
    by slug and only saved when a field differs. An article whose body is already stored
    under another slug (by content hash), or given earlier in this import, is listed in
    ``duplicates`` and not imported. A stored article's text cannot change once evidence
    points into it. Raises FixtureError (file and line) on any problem, writing nothing;
    with dry_run everything runs and is rolled back.
    """
    files = expand_article_line_paths(paths)
    specs = [spec for path in files for spec in load_article_lines(path)]
    _check_slugs_across_files(specs)
    summary = ArticleLinesSummary(files=len(files), dry_run=dry_run)
    with transaction.atomic():
        stored = {a.slug: a for a in Article.objects.filter(slug__in=[s.slug for s in specs])}
        hashes = {content_hash(spec.text) for spec in specs}
        slug_of_hash = dict(
            Article.objects.filter(content_hash__in=hashes).values_list("content_hash", "slug")
        )
        given: set[str] = set()
        outlets = OutletIndex.all()
        for spec in specs:
            digest = content_hash(spec.text)
            holder = slug_of_hash.get(digest)
            if holder is not None and holder != spec.slug:
                where = "given earlier in this import" if holder in given else "stored"
                summary.duplicates.append(
                    f"{spec.origin.file}: {spec.origin.label}: the same body is already "
                    f"{where} as article {holder!r}; not imported twice"
                )
                continue
            _upsert(spec, stored.get(spec.slug), summary, outlets)
            if digest not in slug_of_hash:
                slug_of_hash[digest] = spec.slug
                given.add(spec.slug)
        if dry_run:
            transaction.set_rollback(True)
    return summary


def _check_slugs_across_files(specs: list[ArticleSpec]) -> None:
    seen: dict[str, ArticleSpec] = {}
    for spec in specs:
        earlier = seen.setdefault(spec.slug, spec)
        if earlier is not spec:
            raise spec.origin.error(
                f"slug {spec.slug!r} is already given in {earlier.origin.file} "
                f"({earlier.origin.label})"
            )


def _upsert(
    spec: ArticleSpec, article: Article | None, summary: ArticleLinesSummary, outlets: OutletIndex
) -> None:
    values = {
        "title": spec.title,
        "outlet": spec.outlet,
        "published": spec.published,
        "dateline": spec.dateline,
        "url": spec.url,
        "language": spec.language,
        "text": spec.text,
    }
    old_outlet = article.outlet if article is not None else None
    if article is None:
        article = Article(slug=spec.slug, **values)
        counter = "created"
    elif all(getattr(article, name) == values[name] for name in _UPDATED_FIELDS):
        summary.unchanged += 1
        return
    else:
        for name, value in values.items():
            setattr(article, name, value)
        counter = "updated"
    try:
        article.full_clean()
    except ValidationError as error:
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
        raise spec.origin.error(problems) from None
    article.save()
    if old_outlet != article.outlet:
        link_article_outlets(articles=[article], replace=True, index=outlets)
    setattr(summary, counter, getattr(summary, counter) + 1)
