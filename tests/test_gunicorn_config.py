"""The settings gunicorn serves the marketplace with (scripts/run.sh, and the search benchmark)."""

from __future__ import annotations

import gc
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from marketplace import gunicorn_config

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def resolved_settings(tmp_path: Path, **environment: str) -> dict[str, str]:
    """The settings as gunicorn itself resolves them from the module (``--print-config``, which loads the app)."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"WEB_CONCURRENCY", "BIND", "ELASTICSEARCH_URL", "SEARCH_BACKEND"}}
    env |= {"APP_ENV": "production", "SECRET_KEY": "test-gunicorn-settings", "DATABASE_URL": "sqlite://",
            "SEARCH_INDEX_DIR": str(tmp_path / "search-index")} | environment
    output = subprocess.run(
        [str(GUNICORN), "--print-config", "--config", "python:marketplace.gunicorn_config", "marketplace:create_app()"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True).stdout
    return {name: value.strip() for name, value in re.findall(r"^(\w+)\s+= (.*)$", output, re.MULTILINE)}


def test_run_script_serves_with_the_settings_module() -> None:
    command = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert 'gunicorn --config python:marketplace.gunicorn_config "marketplace:create_app()"' in command


def test_gunicorn_reads_the_settings_and_the_environment(tmp_path: Path) -> None:
    settings = resolved_settings(tmp_path)
    assert settings["workers"] == str(gunicorn_config.DEFAULT_WORKERS) == "2"
    assert settings["bind"] == "['127.0.0.1:5000']"
    assert settings["accesslog"] == "-"
    assert settings["post_worker_init"] == "<post_worker_init()>"

    settings = resolved_settings(tmp_path, WEB_CONCURRENCY="3", BIND="0.0.0.0:8000")
    assert settings["workers"] == "3"
    assert settings["bind"] == "['0.0.0.0:8000']"

    # An empty BIND counts as unset (gunicorn itself fails on an empty WEB_CONCURRENCY, before reading the module).
    assert resolved_settings(tmp_path, BIND="")["bind"] == "['127.0.0.1:5000']"


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_worker_hook_freezes_the_loaded_app_and_collects_young_objects_less_often(restored_collector) -> None:
    gc.set_threshold(700, 10, 10)
    gc.collect()
    assert gc.get_freeze_count() == 0
    loaded = [[n] for n in range(10)]  # stands for the app the worker loaded (lists are tracked by the collector)
    assert len(gc.get_objects()) > 10_000
    gunicorn_config.post_worker_init(worker=None)
    # The collector's generations no longer hold the app's objects: they are frozen.
    assert gc.get_freeze_count() > 10_000
    still_walked = {id(obj) for obj in gc.get_objects()}
    assert not any(id(obj) in still_walked for obj in loaded)
    assert gc.get_threshold() == (gunicorn_config.YOUNG_GENERATION_THRESHOLD, 10, 10)
    assert gc.isenabled()
