"""Page and sign-in timings on the demo data (SQLite file), through the WSGI app without a network.

Run: .venv/bin/python bench/pages.py [--requests 300]
Prints the median and 95th percentile per page, and the cost of one scrypt password check.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402
from werkzeug.security import check_password_hash, generate_password_hash  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.config import ProductionConfig  # noqa: E402
from marketplace.db import commit  # noqa: E402
from marketplace.demo.loader import load_demo  # noqa: E402

PASSWORD = "bench-password-2026"


def timed(func, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"{name:<32} median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms   "
          f"({1000 / statistics.mean(samples):6.0f} req/s, one process)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(ProductionConfig, SECRET_KEY="bench", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.db",
                         RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False)
        with app.app_context():
            flask_migrate.upgrade()
            load_demo(PASSWORD)
            commit()

        password_hash = generate_password_hash(PASSWORD, method="scrypt")
        report("scrypt password check", timed(lambda: check_password_hash(password_hash, PASSWORD), 20))

        anonymous = app.test_client()
        report("GET / (anonymous)", timed(lambda: anonymous.get("/"), args.requests))
        report("GET /auth/register", timed(lambda: anonymous.get("/auth/register"), args.requests))

        signed_in = app.test_client()
        signed_in.post("/auth/login", data={"email": "canbo@demo.example", "password": PASSWORD})
        report("GET /dashboard (staff)", timed(lambda: signed_in.get("/dashboard"), args.requests))
        admin = app.test_client()
        admin.post("/auth/login", data={"email": "quantri@demo.example", "password": PASSWORD})
        report("GET /admin/users (admin)", timed(lambda: admin.get("/admin/users"), args.requests))

        def login() -> None:
            client = app.test_client()
            response = client.post("/auth/login", data={"email": "doanhnghiep@demo.example", "password": PASSWORD})
            assert response.status_code == 302

        report("POST /auth/login (success)", timed(login, 20))


if __name__ == "__main__":
    main()
