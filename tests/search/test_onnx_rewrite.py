"""The rewrites of the shipped ONNX file (search/onnx_rewrite.py), on the real file and the real runtime."""

from __future__ import annotations

from functools import cache

import numpy as np
import onnxruntime
import pytest

from paperwire.search.embedder import minilm_model_path, new_session
from paperwire.search.onnx_rewrite import RewriteError, lean_model, parse


@cache
def shipped() -> bytes:
    return minilm_model_path().read_bytes()


def session(model: bytes) -> onnxruntime.InferenceSession:
    return new_session(onnxruntime, model, 1)  # with the product's options


def hidden(model: onnxruntime.InferenceSession, length: int) -> np.ndarray:
    ids = np.array([[101, *range(2000, 2000 + length), 102]], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    (out,) = model.run(["last_hidden_state"], feeds)
    return np.asarray(out[0].mean(axis=0), dtype=np.float32)


def op_types(model: bytes) -> list[str]:
    """The op_type of every node of the model's graph, read with the module's own parser."""
    (graph,) = [f for f in parse(memoryview(model)) if f.number == 7]
    assert isinstance(graph.value, memoryview)
    types = []
    for node in (f for f in parse(graph.value) if f.number == 1):
        assert isinstance(node.value, memoryview)
        parts = parse(node.value)
        types += [bytes(p.value).decode() for p in parts if p.number == 4 and isinstance(p.value, memoryview)]
    return types


def test_the_wire_format_is_read_back_byte_for_byte() -> None:
    fields = parse(memoryview(shipped()))
    assert b"".join(f.raw for f in fields) == shipped()
    (graph,) = [f for f in fields if f.number == 7]
    assert isinstance(graph.value, memoryview)
    assert b"".join(f.raw for f in parse(graph.value)) == bytes(graph.value)


def test_the_lookup_rewrite_keeps_every_number() -> None:
    """Dequantising the looked-up rows instead of the whole table multiplies the same numbers: the float
    model's output is unchanged to the bit, for every input length."""
    lean = lean_model(shipped(), int8_matmul=False)
    assert (lean.lookups, lean.products) == (2, 0)  # the word and the position tables
    plain, rewritten = session(shipped()), session(lean.model)
    for length in (1, 7, 60):
        assert np.array_equal(hidden(plain, length), hidden(rewritten, length))
    assert op_types(lean.model).count("MatMul") == op_types(shipped()).count("MatMul")


def test_the_products_rewrite_runs_every_weight_product_in_int8_and_stays_close() -> None:
    lean = lean_model(shipped(), int8_matmul=True)
    assert lean.products == 36  # 6 layers x (query, key, value, output, two feed-forward)
    types = op_types(lean.model)
    assert types.count("DynamicQuantizeMatMul") == 36
    assert "Cast" in types  # the lookups' own dequantisation, nothing else of the weights
    plain, int8 = session(shipped()), session(lean.model)
    for length in (1, 7, 60):
        a, b = hidden(plain, length), hidden(int8, length)
        assert float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)) > 0.98
        assert not np.allclose(a, b, atol=1e-4)  # it did change the arithmetic


def test_a_rewritten_model_has_nothing_left_to_rewrite() -> None:
    once = lean_model(shipped(), int8_matmul=True).model
    again = lean_model(once, int8_matmul=True)
    assert (again.products, again.lookups) == (0, 0)
    assert again.model is once


@pytest.mark.parametrize(
    "broken",
    [b"", b"\x3a\x05abc", b"\xff\xff\xff", shipped()[:1000], b"\x3a\x02\x0a\xff"],
    ids=["empty", "graph cut short", "a varint that never ends", "a file cut short", "a node cut short"],
)
def test_bytes_that_are_not_a_model_are_a_clear_error(broken: bytes) -> None:
    with pytest.raises(RewriteError):
        lean_model(broken, int8_matmul=True)
