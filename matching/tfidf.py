"""Need ↔ technology matching with TF-IDF: pure functions and a model object; no Flask, no database.

Texts are normalised (NFC, one tone placement), Vietnamese function words dropped while the accents still tell them
apart, then folded (đ → d) so that a need typed without accents still meets an accented listing. Features are
syllable unigrams and bigrams (two-syllable words such as "nước thải" are the common case). A technology's vector is
the weighted sum of its fields' vectors (title and keywords above summary and description), L2-normalised, so a dot
product is a cosine. Retrieval multiplies sparse matrices a chunk of needs at a time and keeps each row's top k:
the dense need × technology matrix is never built.

The final score multiplies the similarity by three documented factors (see :class:`MatchingWeights`): a boost for the
city's priority sectors, a boost when need and technology share a sector, and a readiness factor from the TRL.
"""

from __future__ import annotations

import pickle
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from matching.text import STOP_WORDS, fold_diacritics, tokenize

MODEL_FORMAT = 1


@dataclass(frozen=True)
class TechnologyText:
    id: int
    title: str
    summary: str = ""
    description: str = ""
    keywords: tuple[str, ...] = ()
    title_en: str = ""
    description_en: str = ""
    sectors: tuple[str, ...] = ()
    priority: bool = False  # in one of the city's priority sectors
    trl: int = 1


@dataclass(frozen=True)
class NeedText:
    id: int
    title: str
    description: str = ""
    desired_outcome: str = ""
    sectors: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchingWeights:
    """Every weight of the matcher, with its default; the app reads them from its configuration."""

    title: float = 3.0
    """Weight of a technology's titles (Vietnamese and English) in its vector."""
    keywords: float = 2.0
    summary: float = 1.5
    description: float = 1.0
    need_title: float = 2.0
    """Weight of a need's title against its description and desired outcome (1.0 each)."""
    priority_boost: float = 0.15
    """Score × (1 + this) for a technology in a priority sector (cảng biển, logistics, công nghệ cao, nông nghiệp)."""
    shared_sector_boost: float = 0.20
    """Score × (1 + this) when the need and the technology share a sector."""
    readiness_floor: float = 0.80
    """Readiness factor at TRL 1; it rises linearly to 1.0 at TRL 9, favouring what can be deployed now."""
    min_score: float = 0.08
    """Suggestions scoring below this are dropped."""
    top_k: int = 10
    """At most this many suggestions per need."""


@dataclass(frozen=True)
class Explanation:
    """Why a technology was suggested for a need, as data; the app words it in the reader's language."""

    shared_terms: tuple[str, ...]  # the terms that contributed most, in the technology's own spelling
    similarity: float
    priority_sectors: tuple[str, ...]  # the technology's priority sectors, when the boost applied
    shared_sectors: tuple[str, ...]
    readiness_factor: float
    trl: int


@dataclass(frozen=True)
class Suggestion:
    need_id: int
    technology_id: int
    score: float
    explanation: Explanation


def analyze(text: str) -> list[str]:
    """Folded syllables without function words, plus adjacent pairs ("nuoc thai")."""
    words = [fold_diacritics(word) for word in tokenize(text) if word not in STOP_WORDS and not word.isdigit()]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def _surface_forms(texts: Iterable[str]) -> dict[str, str]:
    """folded term (word or pair) -> its most frequent accented spelling, to show terms as people write them."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for text in texts:
        words = [word for word in tokenize(text) if word not in STOP_WORDS and not word.isdigit()]
        for word in words:
            counts[fold_diacritics(word)][word] += 1
        for a, b in zip(words, words[1:], strict=False):
            counts[f"{fold_diacritics(a)} {fold_diacritics(b)}"][f"{a} {b}"] += 1
    return {folded: forms.most_common(1)[0][0] for folded, forms in counts.items()}


@dataclass
class TfidfMatcher:
    """A fitted model: the vectoriser, the technologies' matrix and what scoring needs of each technology."""

    weights: MatchingWeights = field(default_factory=MatchingWeights)
    priority_sectors: frozenset[str] = frozenset()
    version: str = ""
    _vectorizer: TfidfVectorizer | None = None
    _matrix_t: sparse.csr_matrix | None = None  # technologies' vectors, transposed once for fast products
    _ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _trl: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    _priority: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    _sectors: list[frozenset[str]] = field(default_factory=list)
    _forms: dict[str, str] = field(default_factory=dict)

    # --- fitting ---------------------------------------------------------------------------------------------

    def fit(self, technologies: Sequence[TechnologyText]) -> TfidfMatcher:
        """Learn the vocabulary and weights from the technologies and vectorise them."""
        corpus = [" ".join([t.title, t.title_en, " ".join(t.keywords), t.summary, t.description, t.description_en])
                  for t in technologies]
        # Terms must appear in two technologies (typos and codes add nothing) unless the catalogue is tiny.
        min_df = 2 if len(technologies) >= 50 else 1
        self._vectorizer = TfidfVectorizer(analyzer=analyze, sublinear_tf=True, min_df=min_df, max_df=0.5 if
                                           len(technologies) >= 50 else 1.0, dtype=np.float32)
        self._vectorizer.fit(corpus)
        matrix = self._technology_vectors(technologies)
        self._matrix_t = matrix.T.tocsr()
        self._ids = np.array([t.id for t in technologies], dtype=np.int64)
        self._trl = np.array([max(1, min(9, t.trl)) for t in technologies], dtype=np.float32)
        self._priority = np.array([t.priority for t in technologies], dtype=bool)
        self._sectors = [frozenset(t.sectors) for t in technologies]
        self._forms = _surface_forms(corpus)
        return self

    def _technology_vectors(self, technologies: Sequence[TechnologyText]) -> sparse.csr_matrix:
        w, v = self.weights, self._vectorizer
        parts = [
            (w.title, [f"{t.title} {t.title_en}" for t in technologies]),
            (w.keywords, [" ; ".join(t.keywords) for t in technologies]),
            (w.summary, [t.summary for t in technologies]),
            (w.description, [f"{t.description} {t.description_en}" for t in technologies]),
        ]
        matrix = sum(weight * v.transform(texts) for weight, texts in parts)
        return l2_normalize(sparse.csr_matrix(matrix, dtype=np.float32))

    def _need_vectors(self, needs: Sequence[NeedText]) -> sparse.csr_matrix:
        v = self._vectorizer
        matrix = (self.weights.need_title * v.transform([n.title for n in needs])
                  + v.transform([f"{n.description} {n.desired_outcome}" for n in needs]))
        return l2_normalize(sparse.csr_matrix(matrix, dtype=np.float32))

    @property
    def size(self) -> int:
        return len(self._ids)

    # --- matching --------------------------------------------------------------------------------------------

    def readiness(self, trl: np.ndarray | float) -> np.ndarray | float:
        floor = self.weights.readiness_floor
        return floor + (1.0 - floor) * (np.asarray(trl) - 1.0) / 8.0

    def match(self, need: NeedText, exclude: Iterable[int] = (), top_k: int | None = None) -> list[Suggestion]:
        """The best technologies for one need (ids in ``exclude`` left out: pairs already decided)."""
        return self.match_many([need], {need.id: set(exclude)}, top_k).get(need.id, [])

    def match_many(self, needs: Sequence[NeedText], exclude: dict[int, set[int]] | None = None,
                   top_k: int | None = None, chunk: int = 256) -> dict[int, list[Suggestion]]:
        """Suggestions for many needs, ranked best first; needs are processed ``chunk`` at a time."""
        if self._vectorizer is None or not self.size or not needs:
            return {}
        exclude = exclude or {}
        top_k = top_k or self.weights.top_k
        results: dict[int, list[Suggestion]] = {}
        for start in range(0, len(needs), chunk):
            batch = needs[start:start + chunk]
            vectors = self._need_vectors(batch)
            similarities = (vectors @ self._matrix_t).tocsr()  # sparse: only technologies sharing a term
            for row, need in enumerate(batch):
                begin, end = similarities.indptr[row], similarities.indptr[row + 1]
                columns, values = similarities.indices[begin:end], similarities.data[begin:end]
                results[need.id] = self._rank(need, vectors[row], columns, values, exclude.get(need.id, set()), top_k)
        return results

    def _rank(self, need: NeedText, vector: sparse.csr_matrix, columns: np.ndarray, values: np.ndarray,
              excluded: set[int], top_k: int) -> list[Suggestion]:
        if not len(columns):
            return []
        w = self.weights
        need_sectors = frozenset(need.sectors)
        shared = np.array([bool(need_sectors & self._sectors[c]) for c in columns])
        scores = (values * (1 + w.priority_boost * self._priority[columns]) * (1 + w.shared_sector_boost * shared)
                  * self.readiness(self._trl[columns]))
        order = np.argsort(-scores, kind="stable")
        suggestions = []
        for position in order:
            if scores[position] < w.min_score or len(suggestions) >= top_k:
                break
            column = columns[position]
            technology_id = int(self._ids[column])
            if technology_id in excluded:
                continue
            suggestions.append(Suggestion(
                need_id=need.id, technology_id=technology_id, score=round(float(scores[position]), 4),
                explanation=self._explain(vector, column, float(values[position]), need_sectors),
            ))
        return suggestions

    def _explain(self, need_vector: sparse.csr_matrix, column: int, similarity: float,
                 need_sectors: frozenset[str]) -> Explanation:
        technology = self._matrix_t[:, column].toarray().ravel()
        contributions = need_vector.multiply(technology).tocsr()
        names = self._vectorizer.get_feature_names_out()
        best = np.argsort(-contributions.data)[:5]
        terms = []
        for index in best:
            feature = names[contributions.indices[index]]
            terms.append(self._forms.get(feature) or " ".join(self._forms.get(part, part) for part in feature.split()))
        sectors = self._sectors[column]
        priority = tuple(sorted(sectors & self.priority_sectors)) if self._priority[column] else ()
        return Explanation(
            shared_terms=tuple(terms), similarity=round(similarity, 4), priority_sectors=priority,
            shared_sectors=tuple(sorted(need_sectors & sectors)),
            readiness_factor=round(float(self.readiness(self._trl[column])), 3), trl=int(self._trl[column]),
        )

    # --- persistence -----------------------------------------------------------------------------------------

    def dumps(self) -> bytes:
        """The fitted model as bytes (with its format number and version), for a file or a database row."""
        return pickle.dumps({"format": MODEL_FORMAT, "model": self}, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def loads(data: bytes) -> TfidfMatcher:
        """A model saved by :meth:`dumps` of this code. Only load files this application wrote (pickle)."""
        payload = pickle.loads(data)  # noqa: S301 - our own file
        if payload.get("format") != MODEL_FORMAT:
            raise ValueError("model saved by another version of the matcher: rebuild it")
        return payload["model"]
