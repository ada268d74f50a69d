"""The app's side of search: the extension holding the backend, the index outbox, the search service, the CLI.

The engines themselves live in the top-level ``search`` package, which knows nothing of Flask.
"""

from marketplace.searching.extension import current_search, search_ext

__all__ = ["current_search", "search_ext"]
