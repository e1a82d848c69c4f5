"""Every kind of page is valid HTML by the Nu HTML Checker (vnu), with zero errors.

Pages are rendered by Django's test client from the seed fixtures (or the factory-built
sample), written to files and checked in one run of vnu.
"""

from __future__ import annotations

from django.urls import Resolver404, resolve

from checks.html_validity import describe, errors_in, validate


def pages_to_check(site_sample) -> dict[str, str]:
    pages = {
        **site_sample.pages(),
        "article-at-mark": site_sample.evidence.get_absolute_url(),
        "timeline-bad-filter": "/?from=not-a-date",
        "timeline-table": "/?view=table&sort=-killed",
        "timeline-two-pages": "/?pages=2",
        "timeline-comparison": "/?split=actor&bucket=month&group=multiples",
        "facet-list": "/facets/actor/",
    }
    try:
        resolve("/map/")
        pages["map"] = "/map/"
    except Resolver404:
        pass
    return pages


def test_every_page_is_valid_html_with_no_errors(client, site_sample, vnu, tmp_path, record_check):
    files = []
    for name, path in pages_to_check(site_sample).items():
        response = client.get(path)
        assert response.status_code in (200, 400), f"{path} answered {response.status_code}"
        assert response["Content-Type"].startswith("text/html")
        file = tmp_path / f"{name}.html"
        file.write_bytes(response.content)
        files.append(file)

    errors = errors_in(validate(vnu, files))

    record_check("HTML errors", problems=len(errors), checked=len(files))
    assert errors == [], "vnu found errors:\n" + "\n".join(describe(e) for e in errors)
