"""Links to a technology's page are what the route builds, also for codes and slugs that need quoting and when the
app is served under a path prefix."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Flask, url_for

from marketplace.catalogue.urls import technology_url


def listing(code: str, slug: str | None) -> SimpleNamespace:
    return SimpleNamespace(code=code, slug=slug)


LISTINGS = [listing("VAST-2025-0001", "he-thong-nhan-dang-container"), listing("IOC.7~a_b", "x"),
            listing("VAST-1", None), listing("Mã 1/2?#", "đóng tàu"), listing("A%2F", "b c")]


def test_links_are_those_the_route_builds(app: Flask) -> None:
    for script_root in ("", "/san-cong-nghe"):
        with app.test_request_context("/technologies", base_url=f"http://localhost{script_root}/"):
            for technology in LISTINGS:
                expected = url_for("catalogue.detail", code=technology.code, slug=technology.slug or "-")
                assert technology_url(technology) == expected
                assert expected.startswith(f"{script_root}/technologies/")
            assert technology_url(LISTINGS[0], _external=True) == (
                f"http://localhost{script_root}/technologies/VAST-2025-0001/he-thong-nhan-dang-container")


def test_links_outside_a_request_use_the_configured_server(app: Flask) -> None:
    app.config.update(SERVER_NAME="san.haiphong.gov.vn", PREFERRED_URL_SCHEME="https")
    with app.app_context():
        assert technology_url(LISTINGS[0], _external=True) == (
            "https://san.haiphong.gov.vn/technologies/VAST-2025-0001/he-thong-nhan-dang-container")
        # Outside a request, links are always absolute (as url_for makes them).
        assert technology_url(LISTINGS[2]) == "https://san.haiphong.gov.vn/technologies/VAST-1/-"


def test_requests_sharing_an_app_context_get_their_own_root(app: Flask) -> None:
    # A request pushed inside an existing app context reuses it (and its `g`): the prefix is the request's own.
    with app.app_context():
        for script_root in ("/san-cong-nghe", "", "/khac"):
            with app.test_request_context("/", base_url=f"http://localhost{script_root}/"):
                expected = f"{script_root}/technologies/VAST-2025-0001/he-thong-nhan-dang-container"
                assert technology_url(LISTINGS[0]) == expected
