"""Serving for real: the health URL, pooled PostgreSQL connections, gunicorn's workers."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.urls import reverse

from config import health
from config.settings import database

pytestmark = pytest.mark.django_db


def test_health_url_says_ok_when_the_database_answers(client, settings):
    settings.REPLICA_DATABASES = []  # (test_replicas checks a real one)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok", "databases": {"default": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_health_url_answers_head_too(client):
    assert client.head(reverse("healthz")).status_code == 200


def test_health_url_is_503_when_the_database_does_not_answer(client, monkeypatch, settings):
    settings.REPLICA_DATABASES = []

    def broken_cursor():
        raise connections["default"].Database.OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", broken_cursor)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert json.loads(response.content)["status"] == "unavailable"
    assert json.loads(response.content)["databases"]["default"] == "down"


def test_a_replica_that_does_not_answer_degrades_but_does_not_fail(client, monkeypatch):
    monkeypatch.setattr(settings, "REPLICA_DATABASES", ["replica_9"])
    monkeypatch.setattr(health, "database_answers", lambda alias: alias == "default")
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "degraded",
        "databases": {"default": "ok", "replica_9": "down"},
    }


def test_postgresql_connections_come_from_a_pool_unless_turned_off(monkeypatch):
    monkeypatch.delenv("DATABASE_POOL", raising=False)
    pooled = database("postgres://app@db.example.org:5432/timeline")
    assert pooled["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 4, "timeout": 10.0}
    assert pooled["CONN_MAX_AGE"] == 0  # Django refuses a pool with persistent connections
    monkeypatch.setenv("DATABASE_POOL", "0")
    assert "pool" not in database("postgres://app@db.example.org:5432/timeline").get("OPTIONS", {})
    assert "pool" not in database("sqlite:///x.sqlite3").get("OPTIONS", {})


def test_gunicorn_runs_two_workers_per_cpu_plus_one(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 2)
    conf = runpy.run_path(str(Path(settings.BASE_DIR) / "config" / "gunicorn.conf.py"))
    assert conf["workers"] == 5
    assert conf["wsgi_app"] == "config.wsgi:application"
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert (
        runpy.run_path(str(Path(settings.BASE_DIR) / "config" / "gunicorn.conf.py"))["workers"] == 3
    )


def test_cache_dir_shares_the_counts_cache_between_workers(monkeypatch, tmp_path):
    settings_file = str(Path(settings.BASE_DIR) / "config" / "settings.py")
    monkeypatch.setenv("CACHE_DIR", str(tmp_path))
    shared = runpy.run_path(settings_file)["CACHES"]["default"]
    assert shared["BACKEND"].endswith("FileBasedCache")
    assert shared["LOCATION"] == str(tmp_path)
    monkeypatch.delenv("CACHE_DIR")
    assert "CACHES" not in runpy.run_path(settings_file)  # Django's per-process default
