"""Importing a generated list of 50,000 technologies into a fresh SQLite database (migrated as in production).

Run: .venv/bin/python bench/import_50k.py [--rows 50000] [--format csv|xlsx] [--subscribers 5]
Prints, for each run, the time of each step (read, check, write, commit) and the process's peak memory. Each run
goes in a fresh process, so that its peak memory is its own. Target: the real import under 60 s.

Runs: a dry run on the empty catalogue; the real import (every row created, subscribers notified); the same file
again (every row unchanged, nothing written); the export of the 50,000 technologies.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SECTORS = ["cang-bien", "logistics", "Công nghiệp công nghệ cao", "Nông nghiệp", "thuy-san", "Môi trường",
           "nang-luong", "Materials", "y-sinh", "cntt", "co-khi-che-tao", "xay-dung"]
MODES = ["license", "Chuyển giao trọn gói", "consulting", "Liên doanh, liên kết", "training"]
WORDS = ("công nghệ hệ thống quy trình thiết bị vật liệu xử lý nước thải cảng biển container kho bãi cảm biến "
         "giám sát tự động năng lượng mặt trời chế biến thủy sản nuôi trồng phân bón sinh học vi sinh composite "
         "chống ăn mòn kết cấu thép robot điều khiển dữ liệu phần mềm tiết kiệm hiệu quả an toàn môi trường").split()
HEADERS = ["Mã số", "Tên công nghệ", "Tên tiếng Anh", "Tóm tắt", "Mô tả", "Cơ quan chủ trì", "Lĩnh vực", "Từ khóa",
           "Mức độ sẵn sàng", "Hình thức chuyển giao", "Liên hệ", "Giá từ", "Giá đến", "Giá thỏa thuận"]


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def generate(path: Path, rows: int, kind: str) -> None:
    """Write ``rows`` technologies of realistic size (≈1 kB of text each) from 120 institutes."""
    rng = random.Random(2026)

    def records():
        yield HEADERS
        for i in range(rows):
            price = rng.choice([None, rng.randrange(50, 5000) * 1_000_000])
            yield [
                f"VAST-{i // 1000:03d}-{i % 1000:03d}",
                f"{_words(rng, 8).capitalize()} số {i}",
                f"Technology {i}",
                _words(rng, 30).capitalize() + ".",
                "\n".join(_words(rng, 40).capitalize() + "." for _ in range(3)),
                f"Viện Nghiên cứu số {i % 120}",
                "; ".join(rng.sample(SECTORS, rng.randint(1, 3))),
                "; ".join(rng.sample(WORDS, 4)),
                rng.randint(3, 9),
                "; ".join(rng.sample(MODES, rng.randint(1, 2))),
                f"TS. Nguyễn Văn {i % 97}; lienhe{i % 97}@vast.example; 024 3756 {i % 10000:04d}",
                "" if price is None else price,
                "" if price is None else price * 2,
                "có" if price is None else "không",
            ]

    if kind == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(records())
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        for record in records():
            sheet.append(record)
        workbook.save(path)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def run(database: str, path: str, mode: str, results) -> None:  # noqa: ANN001 - a multiprocessing queue
    """One run in a fresh process: ``dry-run``, ``import`` or ``export``."""
    from marketplace import create_app
    from marketplace.config import ProductionConfig
    from marketplace.db import commit
    from marketplace.extensions import db
    from marketplace.imports.exporter import write_export
    from marketplace.imports.importer import apply_import, plan_import
    from marketplace.imports.reader import read_table

    app = create_app(ProductionConfig, SECRET_KEY="bench", SQLALCHEMY_DATABASE_URI=database)
    steps: dict[str, float] = {}
    with app.app_context():
        baseline = _peak_mb()
        started = time.perf_counter()
        if mode == "export":
            with open(path, "wb") as handle:
                count = write_export(handle, Path(path).suffix.lstrip("."))
            steps["export"] = time.perf_counter() - started
            counts = {"rows": count}
        else:
            table = read_table(Path(path).read_bytes(), Path(path).name)
            steps["read"] = time.perf_counter() - started
            plan = plan_import(table)
            steps["check"] = time.perf_counter() - started - sum(steps.values())
            assert plan.ok, plan.problems[:5]
            counts = plan.counts
            if mode == "import":
                apply_import(plan, actor=None)
                steps["write"] = time.perf_counter() - started - sum(steps.values())
                commit()
                steps["commit"] = time.perf_counter() - started - sum(steps.values())
                from marketplace.models import Notification

                counts["notifications"] = db.session.scalar(db.select(db.func.count(Notification.id)))
            else:
                db.session.rollback()
        total = time.perf_counter() - started
    results.put({"mode": mode, "steps": steps, "total": total, "counts": counts, "peak": _peak_mb(),
                 "baseline": baseline})


def in_fresh_process(*args: str) -> dict:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=run, args=(*args, results))
    process.start()
    result = results.get()
    process.join()
    return result


def add_subscribers(database: str, count: int) -> None:
    """Firms following a sector or a keyword, so that the import's notifications are part of the measure."""
    import sqlalchemy as sa

    from marketplace import create_app
    from marketplace.config import ProductionConfig
    from marketplace.db import commit
    from marketplace.extensions import db
    from marketplace.models import Organization, OrganizationKind, Role, Sector, Subscription, User

    app = create_app(ProductionConfig, SECRET_KEY="bench", SQLALCHEMY_DATABASE_URI=database)
    with app.app_context():
        firm = Organization(kind=OrganizationKind.FIRM, name="Công ty TNHH Đo Tải")
        sectors = db.session.scalars(sa.select(Sector).order_by(Sector.position)).all()
        for i in range(count):
            user = User(email=f"firm{i}@bench.example", full_name=f"Doanh nghiệp {i}", role=Role.FIRM,
                        organization=firm, password_hash="not-used")
            db.session.add(Subscription(user=user, sectors=[sectors[i % len(sectors)]],
                                        keywords=["container"] if i % 2 else []))
        commit()


def report(title: str, result: dict) -> None:
    steps = "  ".join(f"{name} {seconds:6.2f} s" for name, seconds in result["steps"].items())
    counts = ", ".join(f"{name} {value}" for name, value in result["counts"].items() if value)
    print(f"{title:<34} {result['total']:7.2f} s   [{steps}]")
    print(f"{'':<34} peak memory {result['peak']:6.0f} MB ({result['baseline']:.0f} MB before the run);  {counts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--subscribers", type=int, default=5, help="firms following a sector or keyword")
    args = parser.parse_args()

    import flask_migrate

    from marketplace import create_app
    from marketplace.config import ProductionConfig

    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{tmp}/bench.db"
        app = create_app(ProductionConfig, SECRET_KEY="bench", SQLALCHEMY_DATABASE_URI=database)
        with app.app_context():
            flask_migrate.upgrade()
        add_subscribers(database, args.subscribers)
        path = Path(tmp) / f"danh-muc.{args.format}"
        started = time.perf_counter()
        generate(path, args.rows, args.format)
        print(f"generated {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB of {args.format.upper()} "
              f"in {time.perf_counter() - started:.1f} s; {args.subscribers} subscribers")
        report("dry run (empty catalogue)", in_fresh_process(database, str(path), "dry-run"))
        real = in_fresh_process(database, str(path), "import")
        report("import (all created)", real)
        report("same file again (dry run)", in_fresh_process(database, str(path), "dry-run"))
        report("export", in_fresh_process(database, str(Path(tmp) / f"export.{args.format}"), "export"))
        verdict = "under" if real["total"] < 60 else "OVER"
        print(f"real import: {real['total']:.1f} s, {verdict} the 60 s target")


if __name__ == "__main__":
    main()
