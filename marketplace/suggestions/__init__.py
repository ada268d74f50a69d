"""Suggested need ↔ technology matches: the app's side of the TF-IDF matcher (``matching.tfidf``)."""
