"""Authorization matrix: the JSON API."""

from tests.access import EVERYONE

ROUTES = {
    "api.technologies": ("GET", "/api/v1/technologies?q=container", EVERYONE),
    "api.suggest": ("GET", "/api/v1/suggest?q=he", EVERYONE),
}
