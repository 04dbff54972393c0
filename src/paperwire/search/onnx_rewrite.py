"""Two rewrites of the shipped int8 ONNX file, made when a session is created (nothing is saved).

The file stores each weight matrix and embedding table as int8 with one scale per column (per row for the
tables) and dequantises it in the graph, ``Cast(W_int8) * scale``. onnxruntime folds those into float32
constants when it loads the model:

- The 30,522-word embedding table becomes 47 MB of floats, of which a query reads a handful of rows.
  ``lean_model`` looks the rows up first and dequantises only them: the same multiplications, so the same
  vectors to the bit, and a session made in ~40 ms instead of ~120 ms.
- Every weight product then reads ~42 MB of float weights for a query's few tokens: 6-8 ms on a 2-core VM,
  the largest part of a search (issue 13). With ``int8_matmul`` each product becomes onnxruntime's
  ``DynamicQuantizeMatMul`` over the same int8 weights and scales, which quantises the activations to 8 bits
  on the fly and multiplies in integers: ~2.7 ms. This changes the vector a little (cosine >= 0.99 to the
  float one); the search uses it for queries only, and stored paper vectors stay the float model's
  (``bench/quality.py`` measures the queries this way).

The rewrite reads and writes the protobuf wire format directly (a few fields of ModelProto, GraphProto,
NodeProto and TensorProto), so a search needs no ``onnx`` package, whose import alone takes ~1 s; every other
field is copied through byte for byte.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

# Field numbers of onnx.proto (onnx/onnx.proto3): only those read or written here.
MODEL_GRAPH, MODEL_OPSET_IMPORT = 7, 8
OPSET_DOMAIN, OPSET_VERSION = 1, 2
GRAPH_NODE, GRAPH_INITIALIZER, GRAPH_OUTPUT = 1, 5, 12
NODE_INPUT, NODE_OUTPUT, NODE_NAME, NODE_OP_TYPE, NODE_ATTRIBUTE, NODE_DOMAIN = 1, 2, 3, 4, 5, 7
ATTRIBUTE_NAME, ATTRIBUTE_INT = 1, 3
TENSOR_DIMS, TENSOR_DATA_TYPE, TENSOR_NAME = 1, 2, 8
VALUE_INFO_NAME = 1
INT8 = 3  # TensorProto.DataType
MS_DOMAIN = "com.microsoft"
VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class RewriteError(ValueError):
    """The bytes are not an ONNX model this rewrite understands."""


@dataclass(frozen=True, slots=True)
class Field:
    number: int
    wire: int
    value: int | memoryview  # a varint's value, else the field's payload (a view: no copy of the weights)
    raw: memoryview  # the whole field as it was read: key and payload


@dataclass(frozen=True, slots=True)
class Node:
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    op_type: str
    domain: str


@dataclass(frozen=True, slots=True)
class Rewritten:
    model: bytes
    products: int  # weight products now computed in int8
    lookups: int  # embedding tables now dequantised after the lookup


def lean_model(model: bytes, *, int8_matmul: bool) -> Rewritten:
    """``model`` with each ``Gather(Cast(int8 table) * row scales, ids)`` computed as
    ``Cast(Gather(table, ids)) * Gather(row scales, ids)``: the same numbers, multiplied the same way, but
    onnxruntime no longer folds the 30,522-word table into 47 MB of floats when it loads the model (a session
    is made in ~40 ms instead of ~120). With ``int8_matmul``, also every ``MatMul(x, Cast(int8 weights) *
    column scales)`` replaced by ``DynamicQuantizeMatMul(x, weights, scales)``: this one changes the numbers."""
    fields = parse(memoryview(model))
    graph_fields = [f for f in fields if f.number == MODEL_GRAPH]
    if len(graph_fields) != 1 or not isinstance(graph_fields[0].value, memoryview):
        raise RewriteError("not an ONNX model: no single graph")
    graph = _Graph(graph_fields[0].value)
    lookups = graph.dequantise_after_lookups()
    products = graph.int8_products() if int8_matmul else 0
    if not (lookups or products):
        return Rewritten(model, 0, 0)
    # One copy of the ~23 MB in all: the unchanged fields are views, joined once at the end.
    chunks = graph.chunks()
    out: list[bytes | memoryview] = []
    for f in fields:
        if f.number == MODEL_GRAPH:
            out += [_length_key(MODEL_GRAPH, sum(len(chunk) for chunk in chunks)), *chunks]
        else:
            out.append(f.raw)
    if products and MS_DOMAIN not in _opset_domains(fields):
        opset = _string_field(OPSET_DOMAIN, MS_DOMAIN) + _varint_field(OPSET_VERSION, 1)
        out.append(_length_field(MODEL_OPSET_IMPORT, opset))
    return Rewritten(b"".join(out), products, lookups)


class _Graph:
    """A GraphProto's fields with some nodes replaced (by one or more new nodes) or dropped."""

    def __init__(self, graph: memoryview) -> None:
        self.fields = parse(graph)
        self.nodes = {i: _node(f) for i, f in enumerate(self.fields) if f.number == GRAPH_NODE}
        self.initializers = _initializers(self.fields)
        self.int8_matrices = {name for name, int8_matrix in self.initializers.items() if int8_matrix}
        self.producer = {out: i for i, node in self.nodes.items() for out in node.outputs}
        self.uses = Counter(name for node in self.nodes.values() for name in node.inputs)
        self.uses.update(_string(f, VALUE_INFO_NAME) for f in self.fields if f.number == GRAPH_OUTPUT)
        self.replaced: dict[int, list[bytes]] = {}
        self.dropped: set[int] = set()

    def dequantised(self, name: str) -> tuple[int, int, str, str] | None:
        """For ``name`` = ``Cast(q) * scale`` with ``q`` an int8 matrix and ``scale`` an initializer, used
        only once: (the Mul's node, the Cast's node, q, scale)."""
        mul = self.producer.get(name)
        if mul is None or self.nodes[mul].op_type != "Mul" or self.uses[name] != 1 or mul in self.dropped:
            return None
        cast_output, scale = self.nodes[mul].inputs
        cast = self.producer.get(cast_output)
        if cast is None or self.nodes[cast].op_type != "Cast" or self.uses[cast_output] != 1:
            return None
        weight = self.nodes[cast].inputs[0]
        if weight not in self.int8_matrices or scale not in self.initializers:
            return None
        return mul, cast, weight, scale

    def int8_products(self) -> int:
        count = 0
        for i, node in self.nodes.items():
            if node.op_type != "MatMul" or node.domain or len(node.inputs) != 2:
                continue
            found = self.dequantised(node.inputs[1])
            if found is None:
                continue
            mul, cast, weight, scale = found
            self.replaced[i] = [
                _node_bytes((node.inputs[0], weight, scale), node.outputs, "DynamicQuantizeMatMul", MS_DOMAIN)
            ]
            self.dropped |= {mul, cast}
            count += 1
        return count

    def dequantise_after_lookups(self) -> int:
        count = 0
        for i, node in self.nodes.items():
            if node.op_type != "Gather" or node.domain or len(node.inputs) != 2 or not _axis_zero(self.fields[i]):
                continue
            found = self.dequantised(node.inputs[0])
            if found is None:
                continue
            mul, cast, table, scale = found
            out, ids = node.outputs[0], node.inputs[1]
            gather_attributes = [a.raw for a in _attributes(self.fields[i])]
            cast_attributes = [a.raw for a in _attributes(self.fields[cast])]  # to = FLOAT, as before
            self.replaced[i] = [
                _node_bytes((table, ids), (f"{out}/int8",), "Gather", attributes=gather_attributes),
                _node_bytes((f"{out}/int8",), (f"{out}/float",), "Cast", attributes=cast_attributes),
                _node_bytes((scale, ids), (f"{out}/scale",), "Gather", attributes=gather_attributes),
                _node_bytes((f"{out}/float", f"{out}/scale"), node.outputs, "Mul"),
            ]
            self.dropped |= {mul, cast}
            count += 1
        return count

    def chunks(self) -> list[bytes | memoryview]:
        out: list[bytes | memoryview] = []
        for i, f in enumerate(self.fields):
            if i in self.replaced:
                out += [_length_field(GRAPH_NODE, node) for node in self.replaced[i]]
            elif i not in self.dropped:
                out.append(f.raw)
        return out


def _initializers(fields: list[Field]) -> dict[str, bool]:
    """The graph's initializers by name, each read once: whether it is a two-dimensional int8 matrix."""
    found = {}
    for f in fields:
        if f.number != GRAPH_INITIALIZER or not isinstance(f.value, memoryview):
            continue
        tensor = parse(f.value)
        name = next((_text(t) for t in tensor if t.number == TENSOR_NAME), "")
        dims = [t for t in tensor if t.number == TENSOR_DIMS]
        data_type = [t.value for t in tensor if t.number == TENSOR_DATA_TYPE]
        # dims are a repeated int64: one varint field each, or one packed field
        rank = sum(1 for t in dims if t.wire == VARINT) + sum(_count_varints(t) for t in dims if t.wire == LENGTH)
        found[name] = data_type == [INT8] and rank == 2
    return found


def _opset_domains(fields: list[Field]) -> set[str]:
    return {_string(f, OPSET_DOMAIN) for f in fields if f.number == MODEL_OPSET_IMPORT}


def _node(f: Field) -> Node:
    if not isinstance(f.value, memoryview):
        raise RewriteError("a graph node is not a message")
    parts = parse(f.value)
    strings = {
        n: [_text(p) for p in parts if p.number == n] for n in (NODE_INPUT, NODE_OUTPUT, NODE_OP_TYPE, NODE_DOMAIN)
    }
    return Node(
        inputs=tuple(strings[NODE_INPUT]),
        outputs=tuple(strings[NODE_OUTPUT]),
        op_type=(strings[NODE_OP_TYPE] or [""])[0],
        domain=(strings[NODE_DOMAIN] or [""])[0],
    )


def _attributes(node: Field) -> list[Field]:
    """A node's attributes (AttributeProto messages)."""
    assert isinstance(node.value, memoryview)
    return [p for p in parse(node.value) if p.number == NODE_ATTRIBUTE]


def _axis_zero(node: Field) -> bool:
    """Whether a Gather node gathers along axis 0 (its default), the only case rewritten."""
    for attribute in _attributes(node):
        assert isinstance(attribute.value, memoryview)
        parts = parse(attribute.value)
        if any(p.number == ATTRIBUTE_NAME and p.wire == LENGTH and _text(p) == "axis" for p in parts):
            return any(p.number == ATTRIBUTE_INT and p.value == 0 for p in parts)
    return True


def _string(f: Field, number: int) -> str:
    """The first string field ``number`` of the message in ``f`` ("" if none)."""
    if not isinstance(f.value, memoryview):
        return ""
    return next((_text(p) for p in parse(f.value) if p.number == number), "")


def _text(f: Field) -> str:
    if not isinstance(f.value, memoryview):
        raise RewriteError(f"field {f.number} is not a string")
    return bytes(f.value).decode()


# --- the wire format ------------------------------------------------------------------------------------


def parse(message: memoryview) -> list[Field]:
    """The fields of one protobuf message, in order; nested messages stay views on ``message``."""
    fields, at = [], 0
    while at < len(message):
        start = at
        key, at = _varint(message, at)
        number, wire = key >> 3, key & 7
        value: int | memoryview
        if wire == VARINT:
            value, at = _varint(message, at)
        elif wire == LENGTH:
            size, at = _varint(message, at)
            value, at = message[at : at + size], at + size
            if at > len(message):
                raise RewriteError("a field runs past the end of its message")
        elif wire in (FIXED64, FIXED32):
            width = 8 if wire == FIXED64 else 4
            value, at = message[at : at + width], at + width
        else:
            raise RewriteError(f"unsupported wire type {wire}")
        fields.append(Field(number, wire, value, message[start:at]))
    return fields


def _varint(data: memoryview, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data):
            raise RewriteError("truncated varint")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7


def _count_varints(f: Field) -> int:
    assert isinstance(f.value, memoryview)
    return sum(1 for byte in f.value if byte < 0x80)


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _length_key(number: int, size: int) -> bytes:
    return _encode_varint(number << 3 | LENGTH) + _encode_varint(size)


def _length_field(number: int, payload: bytes) -> bytes:
    return _length_key(number, len(payload)) + payload


def _string_field(number: int, text: str) -> bytes:
    return _length_field(number, text.encode())


def _varint_field(number: int, value: int) -> bytes:
    return _encode_varint(number << 3 | VARINT) + _encode_varint(value)


def _node_bytes(
    inputs: tuple[str, ...],
    outputs: tuple[str, ...],
    op_type: str,
    domain: str = "",
    attributes: Sequence[memoryview] = (),
) -> bytes:
    parts: list[bytes | memoryview] = [_string_field(NODE_INPUT, i) for i in inputs]
    parts += [_string_field(NODE_OUTPUT, o) for o in outputs]
    parts += [_string_field(NODE_NAME, f"{outputs[0]}/{op_type}"), _string_field(NODE_OP_TYPE, op_type)]
    parts += list(attributes)
    if domain:
        parts.append(_string_field(NODE_DOMAIN, domain))
    return b"".join(parts)
