"""The index follows the database through the outbox, and nothing is lost while the engine is unavailable."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
import tantivy

from marketplace.db import commit
from marketplace.extensions import db
from marketplace.models import IndexTask, Technology, TechnologyStatus
from marketplace.searching import current_search, indexing
from search.base import SearchQuery, SearchUnavailable
from tests.search_server import free_port


def codes_for(app, text: str) -> list[str]:
    with app.app_context():
        result = current_search.search(SearchQuery(text=text, per_page=100))
        ids = [hit.id for hit in result.hits]
        by_id = dict(db.session.execute(sa.select(Technology.id, Technology.code).where(Technology.id.in_(ids))).all())
        return [by_id[i] for i in ids]


def test_publishing_editing_and_archiving_reach_the_index(app, create_technology):
    tech = create_technology(title="Hệ thống nhận dạng số container", code="VAST-IOIT-01")
    assert codes_for(app, "nhan dang container") == ["VAST-IOIT-01"]
    with app.app_context():
        db.session.get(Technology, tech.id).title = "Hệ thống đọc biển số xe tải"
        commit()
    assert codes_for(app, "nhan dang container") == []
    assert codes_for(app, "bien so xe") == ["VAST-IOIT-01"]
    with app.app_context():
        db.session.get(Technology, tech.id).status = TechnologyStatus.ARCHIVED
        commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IndexTask)) == 0
    assert codes_for(app, "bien so xe") == []


def test_a_rolled_back_change_leaves_no_task(app, create_technology):
    tech = create_technology(title="Cảm biến ăn mòn")
    with app.app_context():
        db.session.get(Technology, tech.id).title = "Đổi tên nhưng không lưu"
        db.session.flush()
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IndexTask)) == 0


def test_engine_unavailable_then_back_fifty_edits_are_all_searchable(app, create_technology, runner):
    techs = [create_technology(title=f"Công nghệ số {n}", code=f"SYNC-{n:02d}") for n in range(50)]
    # Another process holding the index's writer lock: every write by the app fails as if the engine were down.
    blocker = tantivy.Index.open(app.config["SEARCH_INDEX_DIR"]).writer(heap_size=15_000_000, num_threads=1)
    try:
        with app.app_context():
            for n, info in enumerate(techs):
                db.session.get(Technology, info.id).title = f"Thiết bị phao tiêu cảng biển phiên bản {n} mới nhất"
                commit()  # the edit is saved although the engine refuses it
            pending = db.session.scalar(sa.select(sa.func.count(sa.distinct(IndexTask.doc_id))))
            assert pending == 50
            errors = set(db.session.scalars(sa.select(IndexTask.last_error)))
            assert all(error and "another process" in error for error in errors)
        assert codes_for(app, "phao tieu") == []  # searches still answer, with the old texts
        result = runner.invoke(args=["search", "sync"])
        assert result.exit_code != 0 and "wait" in result.output
    finally:
        blocker.rollback()
        del blocker
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    found = codes_for(app, "phao tieu cang bien")
    assert sorted(found) == sorted(info.code for info in techs)
    with app.app_context():
        versions = current_search.indexed_versions(info.id for info in techs)
        current = dict(db.session.execute(sa.select(Technology.id, Technology.version_id)).all())
        assert versions == {info.id: current[info.id] for info in techs}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IndexTask)) == 0


def test_pages_fall_back_to_the_database_when_the_engine_is_unavailable(make_app, create_technology, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("x")
    app = make_app(SEARCH_INDEX_DIR=str(blocked / "index"))
    create_technology(title="Hệ thống nhận dạng số container")
    client = app.test_client()
    client.post("/language/en", data={"next": "/"})
    page = client.get("/technologies?q=container").get_data(as_text=True)
    assert "The search engine is temporarily unavailable" in page
    assert "Hệ thống nhận dạng số container" in page
    data = client.get("/api/v1/technologies?q=container").get_json()
    assert data["degraded"] is True and data["hits"][0]["title"] == "Hệ thống nhận dạng số container"


def test_the_database_fallback_finds_words_with_or_without_accents(make_app, create_technology, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("x")
    app = make_app(SEARCH_INDEX_DIR=str(blocked / "index"))
    create_technology(title="Quản lý cảng biển thông minh", code="PORT-1", keywords=["điều độ bến bãi"])
    create_technology(title="Công nghệ đóng tàu vỏ thép", code="SHIP-1", title_en="Steel hull shipbuilding",
                      summary="Quy trình hàn phân đoạn 100% tự động.")
    client = app.test_client()

    def codes(text: str) -> list[str]:
        data = client.get("/api/v1/technologies", query_string={"q": text}).get_json()
        assert data["degraded"] is True
        return [hit["code"] for hit in data["hits"]]

    assert codes("cang bien") == codes("Cảng Biển") == codes("cảng biển và") == ["PORT-1"]
    assert codes("dong tau") == codes("ĐÓNG TÀU") == ["SHIP-1"]
    assert codes("dieu do") == ["PORT-1"]  # keywords
    assert codes("shipbuilding") == ["SHIP-1"]  # English title
    assert codes("cang tau") == []  # every word must be there
    assert codes("100%") == ["SHIP-1"] and codes("_") == []  # LIKE wildcards are plain characters
    with app.app_context():
        technology = db.session.scalar(sa.select(Technology).filter_by(code="PORT-1"))
        technology.title = "Quản lý bến cảng container"
        db.session.commit()
    assert codes("container") == ["PORT-1"] and codes("cang bien") == []  # the folded text follows edits


def test_reindex_rebuilds_from_the_database(app, create_technology, runner):
    create_technology(title="Máy sấy nông sản năng lượng mặt trời", code="DRY-01")
    with app.app_context():
        current_search.drop_index()
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert codes_for(app, "may say") == ["DRY-01"]
    result = runner.invoke(args=["search", "query", "may say nong san", "--json"])
    assert '"code": "DRY-01"' in result.output


def test_reindex_leaves_out_what_another_process_archived_meanwhile(make_app, create_technology, search_settings,
                                                                     monkeypatch):
    """A web worker archives a technology while `flask search reindex` is loading its old copy: the worker's delete
    reaches the index being built before the load does, and its task is gone when the rebuild replays the outbox.
    The reindex still ends with exactly the published technologies."""
    cli_app, worker_app = make_app(**search_settings), make_app(**search_settings)
    infos = [create_technology(title=f"Thiết bị giám sát bãi cảng số {n}", code=f"RACE-{n}") for n in range(4)]
    archived = infos[-1]
    with cli_app.app_context():
        current_search.rebuild(indexing.published_docs())
        snapshot = list(indexing.published_docs())  # what the load read before the worker's change

    def loading(batch: int = 500) -> Iterator:
        yield snapshot[0]
        with worker_app.app_context():
            db.session.get(Technology, archived.id).status = TechnologyStatus.ARCHIVED
            commit()  # its drain deletes the technology at once (or its task waits, while the index is locked)
        yield from snapshot[1:]

    monkeypatch.setattr(indexing, "published_docs", loading)
    result = cli_app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    with cli_app.app_context():
        current_search.refresh()
        assert current_search.indexed_ids() == {info.id for info in infos[:-1]}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IndexTask)) == 0
    assert sorted(codes_for(cli_app, "giam sat bai cang")) == ["RACE-0", "RACE-1", "RACE-2"]


def test_reconcile_holds_the_index_against_the_database(make_app, create_technology, search_settings):
    app = make_app(**search_settings)
    infos = [create_technology(title=f"Cần cẩu giàn số {n}", code=f"CHECK-{n}") for n in range(3)]
    with app.app_context():
        current_search.rebuild(indexing.published_docs())
        current_search.delete([infos[0].id])  # a write the index lost
        db.session.execute(sa.update(Technology).where(Technology.id == infos[1].id).values(status="archived"))
        db.session.execute(sa.delete(IndexTask))  # archived behind the outbox's back
        commit()
        assert indexing.reconcile() == (1, 1)
        current_search.refresh()
        assert current_search.indexed_ids() == {infos[0].id, infos[2].id}
        assert indexing.reconcile() == (0, 0)


def test_commands_say_in_one_line_that_the_engine_is_unavailable(make_app, create_technology):
    app = make_app(SEARCH_BACKEND="elasticsearch", ELASTICSEARCH_URL=f"http://127.0.0.1:{free_port()}")
    create_technology(title="Cảm biến mực nước cảng")  # saved although the engine is down (its task waits)
    runner = app.test_cli_runner()
    for args in (["init"], ["reindex"], ["query", "cang bien"], ["evaluate"], ["drop", "--yes-i-know"]):
        result = runner.invoke(args=["search", *args])
        assert result.exit_code == 1, (args, result.output)
        assert "search engine unavailable: Elasticsearch could not" in result.output, args
        assert "Traceback" not in result.output and not isinstance(result.exception, SearchUnavailable), args


def test_several_processes_write_and_search_one_index(app, create_technology, database_uri):
    """Two processes edit technologies at the same time (as two gunicorn workers do): every edit is saved and
    applied (their drains take turns: the drains' lock, then the index's writer), and a third process that had the
    index open before finds them all without reopening it."""
    import multiprocessing

    from tests.search_workers import edit_titles

    infos = [create_technology(title=f"Công nghệ ban đầu số {n}", code=f"PROC-{n:02d}") for n in range(24)]
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo",
             "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor",
             "whiskey", "xray"]
    titles = {info.id: f"Thiết bị phao tiêu {word}" for info, word in zip(infos, words, strict=True)}
    with app.app_context():
        current_search.refresh()  # this process has its searcher open before the others write
        assert current_search.search(SearchQuery(text="phao tieu")).total == 0
    context = multiprocessing.get_context("spawn")
    shares = [sorted(titles.items())[0::2], sorted(titles.items())[1::2]]
    workers = [context.Process(target=edit_titles, args=(database_uri, app.config["SEARCH_INDEX_DIR"], share))
               for share in shares]
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
            assert worker.exitcode == 0
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
    with app.app_context():
        assert {t.id: t.title for t in db.session.scalars(sa.select(Technology))} == titles
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IndexTask)) == 0
        for technology_id, title in titles.items():
            assert [hit.id for hit in current_search.search(SearchQuery(text=title)).hits][:1] == [technology_id]


def test_drains_run_one_at_a_time(make_app, create_technology):
    """A second drain waits until the first has written to the engine and committed."""
    import threading

    from marketplace.searching import indexing

    app = make_app(SEARCH_SYNC_ON_REQUEST=False)
    tech = create_technology(title="Công nghệ A")
    order: list[str] = []
    release = threading.Event()

    class SlowBackend:
        def __init__(self, backend) -> None:  # noqa: ANN001
            self.backend = backend

        def index(self, docs) -> None:  # noqa: ANN001
            docs = list(docs)
            order.append("first writes")
            release.wait(10)
            self.backend.index(docs)

        def delete(self, ids) -> None:  # noqa: ANN001
            self.backend.delete(ids)

    with app.app_context():
        db.session.get(Technology, tech.id).title = "Công nghệ A, sửa"
        commit()

    def first() -> None:
        with app.app_context():
            indexing.drain(SlowBackend(current_search._get_current_object()))
            order.append("first committed")

    def second() -> None:
        with app.app_context():
            order.append("second starts")
            indexing.drain()
            order.append("second done")

    one = threading.Thread(target=first)
    one.start()
    import time

    deadline = time.monotonic() + 10
    while "first writes" not in order and time.monotonic() < deadline:
        time.sleep(0.01)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)
    assert "second done" not in order  # waiting for the first drain's lock
    order.append("released")
    release.set()
    one.join(10)
    two.join(10)
    assert order.index("released") < order.index("second done") and "first committed" in order
