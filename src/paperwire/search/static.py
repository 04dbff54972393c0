"""The first-pass embedding model: one static vector per WordPiece token, a text is their normalised sum.

Distilled at build time from the shipped MiniLM (``scripts/build_static_model.py``: each vocabulary token
run through the transformer alone, PCA to 256 dimensions, scaled by its idf over real arXiv abstracts) and
shipped inside paperwire as ``model/static_minilm.npy``, so it loads offline. It embeds thousands of papers a
second on one core (no attention, no matrix products: a table lookup and a sum), but ranks much worse than
the transformer on its own, so search uses it only for papers the transformer has not embedded yet, at a
lower weight (see ``spaces.py`` and docs/benchmarks.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from paperwire.search.embedder import TOKENIZER_PATH, EmbedderError, Vectors

STATIC_PATH = Path(__file__).parent / "model" / "static_minilm.npy"
STATIC_NAME = "static-minilm-pca256-idf"
# Special tokens carry no meaning of the text ([PAD], [UNK], [CLS], [SEP], [MASK]).
_SPECIAL_IDS = np.array([0, 100, 101, 102, 103], dtype=np.int64)
# Tokens looked at per text: far past any abstract (arXiv caps them at 1,920 characters), a bound on odd input.
MAX_TOKENS = 4096
# BERT's pre-tokenizer splits on whitespace and makes every punctuation character a word: the same split,
# so each distinct word is run through WordPiece once and its ids remembered (tokenizing whole abstracts
# cost 1.5 ms each; a dictionary lookup per word is ~100x cheaper).
_WORD = re.compile(r"[^\W_]+|[^\w\s]|_")
WORD_CACHE_SIZE = 500_000  # distinct words remembered (~100 bytes each); the cache starts over when full


def _tokenizer() -> object:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)
    return tokenizer


def content_token_ids(texts: Sequence[str], tokenizer: object | None = None) -> list[npt.NDArray[np.int64]]:
    """The WordPiece ids of each text, special tokens left out."""
    tok = tokenizer if tokenizer is not None else _tokenizer()
    encodings = tok.encode_batch(list(texts), add_special_tokens=False)  # type: ignore[attr-defined]
    out = []
    for encoding in encodings:
        ids = np.asarray(encoding.ids, dtype=np.int64)
        out.append(ids[~np.isin(ids, _SPECIAL_IDS)])
    return out


@cache
def static_dim(path: Path = STATIC_PATH) -> int:
    """The model's dimension, from the file's header alone (loading the table takes ~50 ms, and a search of
    an index the transformer covers never embeds anything with it)."""
    if not path.is_file():
        raise EmbedderError(f"first-pass model file missing: {path}; reinstall paperwire")
    return int(np.load(path, mmap_mode="r").shape[1])


class StaticEmbedder:
    """Text -> unit vector as the idf-weighted mean of its tokens' static vectors."""

    def __init__(self, path: Path = STATIC_PATH) -> None:
        if not path.is_file():
            raise EmbedderError(f"first-pass model file missing: {path}; reinstall paperwire")
        self._table: Vectors = np.load(path).astype(np.float32)
        self._tokenizer = _tokenizer()
        self._word_ids: dict[str, npt.NDArray[np.int64]] = {}

    @property
    def name(self) -> str:
        return STATIC_NAME

    @property
    def dim(self) -> int:
        return int(self._table.shape[1])

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        table = self._table
        for i, text in enumerate(texts):
            ids = self.token_ids(text)
            if len(ids):
                out[i] = table[ids].sum(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        unit: Vectors = (out / np.where(norms > 0, norms, np.float32(1.0))).astype(np.float32)
        return unit

    def token_ids(self, text: str) -> npt.NDArray[np.int64]:
        """The text's WordPiece ids (special tokens left out), word by word through the cache."""
        words = _WORD.findall(text.lower())[:MAX_TOKENS]
        if not words:
            return np.zeros(0, dtype=np.int64)
        cache = self._word_ids
        try:
            return np.concatenate([cache[w] for w in words])
        except KeyError:
            # Web requests share the cache across threads and another may clear it at any moment, so this
            # text's ids are gathered in a dict of its own and only then handed to the cache.
            distinct = dict.fromkeys(words)
            ids = {w: known for w in distinct if (known := cache.get(w)) is not None}
            unseen = [w for w in distinct if w not in ids]
            ids.update(zip(unseen, content_token_ids(unseen, self._tokenizer), strict=True))
            if len(cache) + len(unseen) > WORD_CACHE_SIZE:
                cache.clear()
            cache.update(ids)
            return np.concatenate([ids[w] for w in words])
