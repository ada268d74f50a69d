"""``flask match rebuild | export | evaluate | remind``."""

from __future__ import annotations

import dataclasses
import json
import time

import click
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app
from flask.cli import AppGroup

from marketplace.db import commit
from marketplace.extensions import db
from marketplace.models import Need, Technology, TechnologyStatus
from marketplace.suggestions import services

match_cli = AppGroup("match", help="Suggested need ↔ technology matches.")


@match_cli.command("rebuild")
def rebuild_command() -> None:
    """Refit the model on the published catalogue and recompute the suggestions of every open need."""
    started = time.perf_counter()
    with click.progressbar(length=len(services.open_needs()), label="Matching") as bar:
        matcher, needs, written = services.rebuild(progress=bar.update)
    commit()
    click.echo(f"model {matcher.version} ({matcher.size} technologies) saved to "
               f"{current_app.config['MATCH_MODEL_PATH']}; {written} suggestions for {needs} open needs in "
               f"{time.perf_counter() - started:.1f} s")


@match_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-", help="File (standard output: -).")
def export_command(fmt: str, output) -> None:  # noqa: ANN001
    """One line per need: {"need": CODE, "matches": [{"technology": CODE, "score": S}, ...]}, best first, top 20."""
    grouped = services.ranked_matches(limit=20)
    codes = {need.id: need.code or f"NEED-{need.id}" for need in db.session.scalars(db.select(Need))}
    for need_id in sorted(codes):
        matches = [{"technology": m.technology.code, "score": m.score} for m in grouped.get(need_id, [])]
        output.write(json.dumps({"need": codes[need_id], "matches": matches}, ensure_ascii=False) + "\n")


@match_cli.command("evaluate")
@click.argument("labels", type=click.Path(exists=True, dir_okay=False), required=False)
@click.option("--worst", default=0, show_default=True, help="Also list this many of the matcher's weakest needs.")
def evaluate_command(labels: str | None, worst: int) -> None:
    """Measure the matcher on needs with graded relevance labels (LABELS, the bundled development set by default):
    nDCG@5, Recall@10 and MRR@10, overall and per kind, beside a plain BM25 baseline on the same data.

    The model is fitted on the published catalogue as `flask match rebuild` fits it, then every technology sharing a
    term with a need is ranked, with no minimum score and no top-k limit, so that recall is not cut short.
    """
    from matching.evaluation import (
        DEFAULT_LABELS,
        LabelError,
        bm25_ranking,
        check_codes,
        evaluate,
        format_report,
        format_worst,
        load_labels,
    )

    path = labels or DEFAULT_LABELS
    technologies = db.session.scalars(
        sa.select(Technology).where(Technology.status == TechnologyStatus.PUBLISHED)
        .options(so.selectinload(Technology.sectors))).all()
    if not technologies:
        raise click.ClickException("no published technology: load the catalogue first (flask demo load)")
    try:
        labelled = load_labels(path)
        needs = {need.code: need for need in db.session.scalars(
            sa.select(Need).where(Need.code.in_([label.need for label in labelled]))
            .options(so.selectinload(Need.sectors)))}
        check_codes(labelled, needs, {t.code for t in technologies})
    except LabelError as exc:
        raise click.ClickException(str(exc)) from None

    matcher = services.fit_model()
    # NOTE: only the ranking is measured. The weights' min_score is applied when ranking, not when fitting, so it can
    # be lifted on the fitted model; top_k is passed per call.
    matcher.weights = dataclasses.replace(matcher.weights, min_score=0.0)
    texts = {code: services.need_text(need) for code, need in needs.items()}
    found = matcher.match_many(list(texts.values()), top_k=max(1, matcher.size))
    code_of = {t.id: t.code for t in technologies}
    ranked = {code: [code_of[s.technology_id] for s in found.get(text.id, []) if s.technology_id in code_of]
              for code, text in texts.items()}
    baseline = bm25_ranking({t.code: services.technology_text(t) for t in technologies}, texts)
    reports = {"tfidf": evaluate(ranked.__getitem__, labelled), "bm25": evaluate(baseline, labelled)}
    click.echo(f"{len(labelled)} labelled needs ({path}); model {matcher.version} of {matcher.size} technologies")
    click.echo(format_report(reports))
    if worst:
        click.echo("\nWeakest needs (tfidf, first 5 suggestions, relevant ones with their grade):")
        click.echo(format_worst(reports["tfidf"], n=worst))


@match_cli.command("remind")
def remind_command() -> None:
    """Remind staff of introductions without an outcome 3 and 6 months after their approval (run it daily)."""
    from marketplace.matches.lifecycle import send_check_in_reminders
    from marketplace.web import url_context

    with url_context():  # the reminders are mailed, with links to the site
        count = send_check_in_reminders()
        commit()
    click.echo(f"{count} check-in reminders sent")


def init_app(app: Flask) -> None:
    app.cli.add_command(match_cli)
