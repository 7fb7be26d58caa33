"""Fewer operators for the same arithmetic: PaddlePaddle's exported layers, folded.

PP-OCR's ONNX files come from paddle2onnx, which spells every layer out in
elementwise steps onnxruntime runs one by one, each a pass over a whole activation
tensor. Measured here, those passes are a third of the models' time. Three exact
rewrites remove most of them:

- a convolution followed by a scalar affine ``y * a + b`` (PPLCNetV3's "learnable
  affine block") becomes one convolution with scaled weights and bias;
- ``x * clip(x + 3, 0, 6) / 6`` (hard swish; the model's opset 12 has no such
  operator) becomes ``x * HardSigmoid(x)`` with alpha 1/6, beta 1/2: two passes, not
  four;
- a scalar affine feeding a 1x1 convolution without padding is folded into that
  convolution's weights and bias.

Everything else in the file is copied byte for byte. The rewrite needs no ONNX
library: this module reads and writes the few protobuf messages involved itself.
The files on disk are never changed; the rewritten model only lives in memory.
"""

from __future__ import annotations

import struct
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

# Protobuf field numbers (onnx.proto).
_MODEL_GRAPH = 7
_GRAPH_NODE, _GRAPH_OUTPUT = 1, 12
_VALUE_NAME = 1
_NODE_INPUT, _NODE_OUTPUT, _NODE_NAME, _NODE_OP, _NODE_ATTRIBUTE = 1, 2, 3, 4, 5
_ATTR_NAME, _ATTR_F, _ATTR_INTS, _ATTR_T, _ATTR_TYPE = 1, 2, 8, 5, 20
_ATTR_FLOAT = 1
_TENSOR_DIMS, _TENSOR_TYPE, _TENSOR_FLOATS, _TENSOR_RAW = 1, 2, 4, 9
_FLOAT = 1

_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5

Fields = list[list]  # [field number, wire type, value] in file order


# ------------------------------------------------------------------ protobuf wire format


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def _encode_varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64 values are ten bytes long
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def parse(data: bytes) -> Fields:
    """One message's fields, nested messages left as bytes."""
    fields: Fields = []
    pos, end = 0, len(data)
    while pos < end:
        tag, pos = _varint(data, pos)
        number, wire = tag >> 3, tag & 7
        if wire == _VARINT:
            value, pos = _varint(data, pos)
        elif wire == _BYTES:
            size, pos = _varint(data, pos)
            value, pos = data[pos : pos + size], pos + size
        elif wire == _FIXED32:
            value, pos = data[pos : pos + 4], pos + 4
        elif wire == _FIXED64:
            value, pos = data[pos : pos + 8], pos + 8
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        fields.append([number, wire, value])
    return fields


def serialize(fields: Fields) -> bytes:
    out = []
    for number, wire, value in fields:
        out.append(_encode_varint(number << 3 | wire))
        if wire == _VARINT:
            out.append(_encode_varint(value))
        elif wire == _BYTES:
            out.append(_encode_varint(len(value)))
            out.append(value)
        else:
            out.append(value)
    return b"".join(out)


def _strings(fields: Fields, number: int) -> list[str]:
    return [v.decode() for n, _, v in fields if n == number]


def _first(fields: Fields, number: int, default=None):
    return next((v for n, _, v in fields if n == number), default)


# ------------------------------------------------------------------ the graph


@dataclass
class _Node:
    fields: Fields
    inputs: list[str]
    outputs: list[str]
    op: str
    attributes: dict[str, Fields] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: bytes) -> _Node:
        fields = parse(data)
        attributes = {}
        for number, _, value in fields:
            if number == _NODE_ATTRIBUTE:
                attribute = parse(value)
                attributes[_first(attribute, _ATTR_NAME, b"").decode()] = attribute
        return cls(
            fields,
            _strings(fields, _NODE_INPUT),
            _strings(fields, _NODE_OUTPUT),
            _first(fields, _NODE_OP, b"").decode(),
            attributes,
        )

    @classmethod
    def new(cls, op: str, inputs: list[str], outputs: list[str], floats: dict[str, float]) -> _Node:
        fields: Fields = [[_NODE_INPUT, _BYTES, name.encode()] for name in inputs]
        fields += [[_NODE_OUTPUT, _BYTES, name.encode()] for name in outputs]
        fields.append([_NODE_NAME, _BYTES, f"folded_{outputs[0]}".encode()])
        fields.append([_NODE_OP, _BYTES, op.encode()])
        for name, value in floats.items():
            attribute = [
                [_ATTR_NAME, _BYTES, name.encode()],
                [_ATTR_F, _FIXED32, struct.pack("<f", value)],
                [_ATTR_TYPE, _VARINT, _ATTR_FLOAT],
            ]
            fields.append([_NODE_ATTRIBUTE, _BYTES, serialize(attribute)])
        return cls(fields, list(inputs), list(outputs), op)

    def serialize(self) -> bytes:
        """The node with its (possibly renamed) inputs and outputs."""
        inputs, outputs = iter(self.inputs), iter(self.outputs)
        out: Fields = []
        for number, wire, value in self.fields:
            if number == _NODE_INPUT:
                value = next(inputs).encode()
            elif number == _NODE_OUTPUT:
                value = next(outputs).encode()
            out.append([number, wire, value])
        return serialize(out)

    def ints(self, name: str) -> list[int]:
        attribute = self.attributes.get(name, [])
        values: list[int] = []
        for number, wire, value in attribute:
            if number != _ATTR_INTS:
                continue
            if wire == _VARINT:
                values.append(value)
            else:  # packed
                pos = 0
                while pos < len(value):
                    item, pos = _varint(value, pos)
                    values.append(item)
        return [v - (1 << 64) if v >= 1 << 63 else v for v in values]


class _Constant:
    """A Constant node's float tensor, editable in place."""

    def __init__(self, node: _Node) -> None:
        self.node = node
        self.tensor = parse(_first(node.attributes["value"], _ATTR_T))

    def array(self) -> np.ndarray | None:
        if _first(self.tensor, _TENSOR_TYPE) != _FLOAT:
            return None
        dims: list[int] = []
        for number, wire, value in self.tensor:
            if number == _TENSOR_DIMS:
                if wire == _VARINT:
                    dims.append(value)
                else:
                    pos = 0
                    while pos < len(value):
                        item, pos = _varint(value, pos)
                        dims.append(item)
        raw = _first(self.tensor, _TENSOR_RAW)
        if raw is None:
            raw = b"".join(v for n, _, v in self.tensor if n == _TENSOR_FLOATS)
        values = np.frombuffer(raw, dtype="<f4")
        return values.reshape(dims) if values.size == int(np.prod(dims)) else None

    def scalar(self) -> float | None:
        values = self.array()
        return float(values.reshape(-1)[0]) if values is not None and values.size == 1 else None

    def replace(self, values: np.ndarray) -> None:
        """New values, same shape; stored as raw little-endian floats."""
        raw = np.ascontiguousarray(values, dtype="<f4").tobytes()
        self.tensor = [f for f in self.tensor if f[0] not in (_TENSOR_RAW, _TENSOR_FLOATS)]
        self.tensor.append([_TENSOR_RAW, _BYTES, raw])
        for attribute in self.node.fields:
            if attribute[0] == _NODE_ATTRIBUTE and attribute[2] is not None:
                parsed = parse(attribute[2])
                if _first(parsed, _ATTR_NAME) == b"value":
                    for entry in parsed:
                        if entry[0] == _ATTR_T:
                            entry[2] = serialize(self.tensor)
                    attribute[2] = serialize(parsed)


class _Graph:
    def __init__(self, nodes: list[_Node], outputs: set[str]) -> None:
        self.nodes = nodes
        self.outputs = outputs  # what the model returns: never folded away
        self.removed: set[int] = set()
        self.consumers: dict[str, list[_Node]] = defaultdict(list)
        self.constants: dict[str, _Constant] = {}
        for node in nodes:
            for name in node.inputs:
                self.consumers[name].append(node)
            if node.op == "Constant" and "value" in node.attributes:
                self.constants[node.outputs[0]] = _Constant(node)

    def only_consumer(self, name: str, op: str) -> _Node | None:
        users = self.consumers[name]
        if (
            name not in self.outputs
            and len(users) == 1
            and users[0].op == op
            and id(users[0]) not in self.removed
        ):
            return users[0]
        return None

    def scalar_operand(self, node: _Node, other: str) -> float | None:
        """The constant scalar ``node`` combines ``other`` with, if that is what it does."""
        rest = [name for name in node.inputs if name != other]
        if len(rest) != 1 or len(node.inputs) != 2 or rest[0] not in self.constants:
            return None
        return self.constants[rest[0]].scalar()

    def private_constant(self, name: str) -> _Constant | None:
        """A constant only one node reads (so changing it changes nothing else)."""
        if name in self.constants and len(self.consumers[name]) == 1:
            return self.constants[name]
        return None


# ------------------------------------------------------------------ the rewrites


def fold_model(data: bytes) -> tuple[bytes, dict[str, int]]:
    """The model with the rewrites applied, and how often each applied."""
    model = parse(data)
    graph_entry = next(f for f in model if f[0] == _MODEL_GRAPH)
    graph_fields = parse(graph_entry[2])
    outputs = {
        _first(parse(v), _VALUE_NAME, b"").decode()
        for n, _, v in graph_fields
        if n == _GRAPH_OUTPUT
    }
    graph = _Graph([_Node.parse(v) for n, _, v in graph_fields if n == _GRAPH_NODE], outputs)
    counts = {
        "conv_affine": _fold_conv_affine(graph),
        "hard_swish": _fold_hard_swish(graph),
        "affine_conv": _fold_affine_into_conv(graph),
    }
    _drop_unused_constants(graph)
    nodes = [
        [_GRAPH_NODE, _BYTES, n.serialize()] for n in graph.nodes if id(n) not in graph.removed
    ]
    others = [f for f in graph_fields if f[0] != _GRAPH_NODE]
    graph_entry[2] = serialize(nodes + others)
    return serialize(model), counts


def _conv_weights(graph: _Graph, conv: _Node) -> tuple[_Constant, _Constant] | None:
    if len(conv.inputs) != 3:
        return None
    weight, bias = (graph.private_constant(name) for name in conv.inputs[1:])
    if weight is None or bias is None or weight.array() is None or bias.array() is None:
        return None
    return weight, bias


def _fold_conv_affine(graph: _Graph) -> int:
    """Conv -> Mul(a) -> Add(b)  ==>  Conv with weights a*W, bias a*bias + b."""
    count = 0
    for conv in graph.nodes:
        if conv.op != "Conv" or id(conv) in graph.removed:
            continue
        mul = graph.only_consumer(conv.outputs[0], "Mul")
        if mul is None or (a := graph.scalar_operand(mul, conv.outputs[0])) is None:
            continue
        add = graph.only_consumer(mul.outputs[0], "Add")
        if add is None or (b := graph.scalar_operand(add, mul.outputs[0])) is None:
            continue
        constants = _conv_weights(graph, conv)
        if constants is None:
            continue
        weight, bias = constants
        weight.replace(weight.array() * np.float32(a))
        bias.replace(bias.array() * np.float32(a) + np.float32(b))
        conv.outputs[0] = add.outputs[0]
        graph.removed.update((id(mul), id(add)))
        count += 1
    return count


def _fold_hard_swish(graph: _Graph) -> int:
    """x * clip(x + 3, 0, 6) / 6  ==>  x * HardSigmoid(x; alpha=1/6, beta=1/2)."""
    count = 0
    replaced: dict[int, list[_Node]] = {}
    for add in graph.nodes:
        if add.op != "Add" or id(add) in graph.removed:
            continue
        x = next((name for name in add.inputs if name not in graph.constants), None)
        if x is None or graph.scalar_operand(add, x) != 3.0:
            continue
        clip = graph.only_consumer(add.outputs[0], "Clip")
        if clip is None or len(clip.inputs) != 3 or clip.inputs[0] != add.outputs[0]:
            continue
        low, high = (graph.constants.get(name) for name in clip.inputs[1:])
        if low is None or high is None or (low.scalar(), high.scalar()) != (0.0, 6.0):
            continue
        mul = graph.only_consumer(clip.outputs[0], "Mul")
        if mul is None or sorted(mul.inputs) != sorted([x, clip.outputs[0]]):
            continue
        div = graph.only_consumer(mul.outputs[0], "Div")
        if div is None or div.inputs[0] != mul.outputs[0]:
            continue
        if graph.scalar_operand(div, mul.outputs[0]) != 6.0:
            continue
        gate = f"{div.outputs[0]}_gate"
        replaced[id(add)] = [
            _Node.new("HardSigmoid", [x], [gate], {"alpha": 1 / 6, "beta": 0.5}),
            _Node.new("Mul", [x, gate], [div.outputs[0]], {}),
        ]
        graph.removed.update((id(add), id(clip), id(mul), id(div)))
        count += 1
    nodes = []
    for node in graph.nodes:
        nodes.extend(replaced.get(id(node), ()))
        nodes.append(node)
    graph.nodes = nodes
    return count


def _fold_affine_into_conv(graph: _Graph) -> int:
    """Mul(c) -> Add(d) -> 1x1 Conv without padding  ==>  Conv with c*W, bias + d*sum(W)."""
    count = 0
    for mul in graph.nodes:
        if mul.op != "Mul" or id(mul) in graph.removed:
            continue
        x = next((name for name in mul.inputs if name not in graph.constants), None)
        if x is None or (c := graph.scalar_operand(mul, x)) is None:
            continue
        add = graph.only_consumer(mul.outputs[0], "Add")
        if add is None or (d := graph.scalar_operand(add, mul.outputs[0])) is None:
            continue
        conv = graph.only_consumer(add.outputs[0], "Conv")
        if conv is None or conv.inputs[0] != add.outputs[0]:
            continue
        if conv.ints("kernel_shape") != [1, 1] or any(conv.ints("pads")):
            continue
        constants = _conv_weights(graph, conv)
        if constants is None:
            continue
        weight, bias = constants
        w = weight.array()
        bias.replace(bias.array() + np.float32(d) * w.sum(axis=(1, 2, 3), dtype=np.float32))
        weight.replace(w * np.float32(c))
        conv.inputs[0] = x
        graph.removed.update((id(mul), id(add)))
        count += 1
    return count


def _drop_unused_constants(graph: _Graph) -> None:
    used = {name for n in graph.nodes if id(n) not in graph.removed for name in n.inputs}
    used |= graph.outputs
    for name, constant in graph.constants.items():
        if name not in used:
            graph.removed.add(id(constant.node))
