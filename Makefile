# Developer verbs of the STO-assistent. `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
PY := .venv/bin/python
RUN := $(PY) scripts/runtime_env.py
MODEL := models/sto-assistent.tar.gz
TRAINING_INPUTS := config.yml $(shell find domain data -name '*.yml' 2>/dev/null) knowledge/regions.yml
WEB_INPUTS := $(wildcard web/package.json web/package-lock.json web/build.mjs web/src/*.js web/src/*.css)

.PHONY: install run shell train lookup validate test crossval compare bench lint clean

install: .stamps/install
.stamps/install: requirements.txt requirements.lock scripts/install.sh $(WEB_INPUTS)
	bash scripts/install.sh
	@mkdir -p .stamps && touch $@

run: install $(MODEL)
	$(PY) scripts/run_stack.py

shell: install $(MODEL)
	$(PY) scripts/run_stack.py --shell

train: install $(MODEL)
$(MODEL): $(TRAINING_INPUTS) | .stamps/install
	$(PY) scripts/generate_place_lookup.py
	$(RUN) rasa train --domain domain --fixed-model-name sto-assistent --out models

lookup: install
	$(PY) scripts/generate_place_lookup.py

validate: install
	$(PY) scripts/generate_place_lookup.py --check
	$(RUN) rasa data validate --domain domain --fail-on-warnings

test: install $(MODEL)
	bash scripts/run_tests.sh

crossval: install
	$(RUN) rasa test nlu --config config.yml --nlu data/nlu --cross-validation --folds 5 --out results/crossval

compare: install
	$(PY) scripts/compare_configs.py

bench: install $(MODEL)
	$(PY) scripts/bench.py

lint: install
	$(PY) -m ruff check actions channels sto_regions scripts tests web/serve.py
	$(PY) scripts/generate_place_lookup.py --check

clean:
	rm -rf models results .stamps build var/*.db .rasa
