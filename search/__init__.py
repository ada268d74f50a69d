"""The search layer: one interface, an Elasticsearch backend and an embedded default. No Flask imports here."""
