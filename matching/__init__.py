"""Vietnamese text processing and need ↔ technology matching. Pure Python: no Flask, no database."""
