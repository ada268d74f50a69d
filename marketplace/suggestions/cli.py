"""``flask match rebuild | export``."""

from __future__ import annotations

import json
import time

import click
from flask import Flask
from flask.cli import AppGroup

from marketplace.db import commit
from marketplace.suggestions import services

match_cli = AppGroup("match", help="Suggested need ↔ technology matches.")


@match_cli.command("rebuild")
def rebuild_command() -> None:
    """Refit the model on the published catalogue and recompute the suggestions of every open need."""
    started = time.perf_counter()
    matcher = services.fit_model()
    path = services.save_model(matcher)
    needs = services.open_needs()
    with click.progressbar(length=len(needs), label="Matching") as bar:
        written = services.refresh_suggestions(matcher, needs, progress=bar.update)
    commit()
    click.echo(f"model {matcher.version} ({matcher.size} technologies) saved to {path}; "
               f"{written} suggestions for {len(needs)} open needs in {time.perf_counter() - started:.1f} s")


@match_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-", help="File (standard output: -).")
def export_command(fmt: str, output) -> None:  # noqa: ANN001
    """One line per need: {"need": CODE, "matches": [{"technology": CODE, "score": S}, ...]}, best first, top 20."""
    from marketplace.extensions import db
    from marketplace.models import Need

    grouped = services.ranked_matches(limit=20)
    codes = {need.id: need.code or f"NEED-{need.id}" for need in db.session.scalars(db.select(Need))}
    for need_id in sorted(codes):
        matches = [{"technology": m.technology.code, "score": m.score} for m in grouped.get(need_id, [])]
        output.write(json.dumps({"need": codes[need_id], "matches": matches}, ensure_ascii=False) + "\n")


def init_app(app: Flask) -> None:
    app.cli.add_command(match_cli)
