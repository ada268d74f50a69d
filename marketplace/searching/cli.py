"""``flask search init | reindex | sync | drop | query | evaluate``."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.models import IndexTask, Technology
from marketplace.searching import indexing
from marketplace.searching.extension import current_search
from search.base import SearchQuery, SearchUnavailable

search_cli = AppGroup("search", help="The search index.")


def _engine_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """An unavailable engine is a one-line message and exit status 1, not a traceback."""
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SearchUnavailable as exc:
            raise click.ClickException(f"search engine unavailable: {exc}") from None

    return run


@search_cli.command("init")
@_engine_errors
def init_command() -> None:
    """Create the index if it does not exist."""
    current_search.ensure_index()
    click.echo(f"{current_search.name} index ready.")


@search_cli.command("reindex")
@click.option("--batch", default=500, show_default=True, help="Technologies read from the database at a time.")
@_engine_errors
def reindex_command(batch: int) -> None:
    """Rebuild the index from the database and put it in place; changes made meanwhile are replayed after."""
    started = time.perf_counter()
    # Every change from now on has an outbox task; the rebuild reads the database as it is now, then the tasks
    # written during the rebuild bring the new index up to date.
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Technology).where(
        Technology.status == "published")) or 0
    with click.progressbar(indexing.published_docs(batch), length=count, label="Indexing") as docs:
        current_search.rebuild(docs)
    applied, remaining = _sync_all()
    removed, added = indexing.reconcile()
    click.echo(f"{count} technologies indexed in {time.perf_counter() - started:.1f} s; "
               f"{applied} changes replayed, {remaining} pending; checked against the database: "
               f"{removed} removed, {added} added.")


def _sync_all() -> tuple[int, int]:
    applied = remaining = 0
    while True:
        done, remaining = indexing.drain(limit=1000)
        applied += done
        if not done or not remaining:
            return applied, remaining


@search_cli.command("sync")
def sync_command() -> None:
    """Apply the pending index tasks (after an engine outage, or from cron)."""
    try:
        applied, remaining = _sync_all()
    except SearchUnavailable as exc:
        pending = db.session.scalar(sa.select(sa.func.count()).select_from(IndexTask)) or 0
        raise click.ClickException(f"search engine unavailable ({exc}); {pending} tasks wait") from None
    click.echo(f"applied {applied}, pending {remaining}")


@search_cli.command("drop")
@click.option("--yes-i-know", is_flag=True, help="Confirm that the index is to be deleted.")
@_engine_errors
def drop_command(yes_i_know: bool) -> None:
    """Delete the index (`flask search reindex` builds it again)."""
    if not yes_i_know:
        raise click.ClickException("add --yes-i-know to delete the index")
    current_search.drop_index()
    click.echo("index deleted")


@search_cli.command("query")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
@click.option("--limit", default=10, show_default=True)
@_engine_errors
def query_command(text: str, as_json: bool, limit: int) -> None:
    """Print the ranked technology codes with their scores for TEXT."""
    result = current_search.search(SearchQuery(text=text, per_page=limit))
    codes = dict(db.session.execute(sa.select(Technology.id, Technology.code).where(
        Technology.id.in_([hit.id for hit in result.hits]))).all())
    ranked = [{"code": codes.get(hit.id, str(hit.id)), "score": hit.score} for hit in result.hits]
    if as_json:
        click.echo(json.dumps({"query": text, "total": result.total, "hits": ranked}, ensure_ascii=False))
        return
    for position, item in enumerate(ranked, start=1):
        click.echo(f"{position:>2}. {item['code']:<20} {item['score']:.3f}")
    click.echo(f"({result.total} results)")


@search_cli.command("evaluate")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False), required=False)
@click.option("--worst", default=0, show_default=True, help="Also list this many of the weakest queries.")
@_engine_errors
def evaluate_command(queries: str | None, worst: int) -> None:
    """Measure the search on a labelled query set (the demo catalogue's by default): nDCG@10, Recall@10 and MRR,
    overall and per kind, beside a plain BM25 baseline on the same technologies' unnormalised text."""
    from search.evaluation import DEFAULT_QUERIES, BM25Baseline, evaluate, format_report, format_worst, load_queries
    from search.evaluation.baseline import BASELINE_FIELDS, technology_text

    labelled = load_queries(queries or DEFAULT_QUERIES)
    rows = db.session.scalars(sa.select(Technology).where(Technology.status == "published")).all()
    codes = {row.id: row.code for row in rows}
    if not rows:
        raise click.ClickException("no published technology: load the catalogue first (flask demo load)")

    def run(text: str) -> list[str]:
        result = current_search.search(SearchQuery(text=text, per_page=10))
        return [codes.get(hit.id, "") for hit in result.hits]

    baseline = BM25Baseline({row.code: technology_text({name: getattr(row, name) for name in BASELINE_FIELDS})
                             for row in rows})
    reports = {current_search.name: evaluate(run, labelled), "bm25": evaluate(baseline.search, labelled)}
    click.echo(format_report(reports))
    if worst:
        click.echo(format_worst(reports[current_search.name], n=worst))


def init_app(app: Flask) -> None:
    app.cli.add_command(search_cli)
