# Careline: `make run` to try it, `make test` to check it. Both install what they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
CARELINE := $(VENV)/bin/careline
INSTALL_INPUTS := requirements.txt requirements-nodeps.txt constraints.txt pyproject.toml scripts/bootstrap.sh scripts/system-packages.sh
INSTALL_STAMP := $(VENV)/.installed-$(shell cat $(INSTALL_INPUTS) 2>/dev/null | sha256sum | cut -c1-12)

.PHONY: install run test model validate lint pytest bench clean

install: $(INSTALL_STAMP)

$(INSTALL_STAMP): $(INSTALL_INPUTS)
	@scripts/system-packages.sh
	@scripts/bootstrap.sh
	@rm -f $(VENV)/.installed-*
	@touch $@

run: install
	@$(CARELINE) run

model: install
	@$(CARELINE) model

# Designer targets (docs/designer-guide.md). validate = rasa data validate + Careline's checks.
.PHONY: nlu-report story-report eval-nlu eval-heldout quality-check

validate: install
	$(CARELINE) validate

nlu-report: install
	nice -n 10 $(CARELINE) nlu-report

story-report: install
	nice -n 10 $(CARELINE) story-report

eval-nlu: install
	nice -n 10 $(CARELINE) eval-nlu

eval-heldout: install
	nice -n 10 $(CARELINE) eval-heldout

quality-check: install
	nice -n 10 $(CARELINE) quality-check

pytest: install model helm-tools
	$(PY) -m pytest

# ruff over the code and its tests, mypy --strict on careline/ (pyproject.toml configures both).
lint: install
	$(VENV)/bin/ruff check careline actions tests bench
	nice -n 5 $(VENV)/bin/mypy

# quality-check also runs the Rasa test stories (reports/stories/) and fails below the floor.
test: lint validate model pytest quality-check audit
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

# Helm chart (deploy/helm/careline): Helm's own template engine and linter, loaded as a
# library (helm-python-sdk: no helm binary), and the Kubernetes API schemas
# (kubernetes-validate), in their own tool environment; deploy/helm/check.py uses both,
# tests/deploy/test_helm_*.py run it under `make pytest`, `make lint-helm` alone.
HELM_VENV := $(VENV)/tools/helm
HELM_STAMP := $(HELM_VENV)/.installed-$(shell sha256sum deploy/helm/requirements.txt 2>/dev/null | cut -c1-12)
.PHONY: helm-tools lint-helm
$(HELM_STAMP): deploy/helm/requirements.txt | install
	@rm -rf $(HELM_VENV) && $(PY) -m venv $(HELM_VENV)
	@$(HELM_VENV)/bin/pip install -q --no-deps -r deploy/helm/requirements.txt
	@touch $@
helm-tools: $(HELM_STAMP)
lint-helm: helm-tools
	$(HELM_VENV)/bin/python deploy/helm/check.py deploy/helm/careline -f deploy/helm/careline/ci/minimal-values.yaml
	$(HELM_VENV)/bin/python deploy/helm/check.py deploy/helm/careline -f deploy/helm/careline/ci/production-values.yaml

# Container image and Compose file (Dockerfile, compose.yaml, docs/deploy.md): hadolint and
# docker-compose 1.29.2 in their own tool environment (requirements-deploy-tools.txt says
# why; PyYAML 5.4.1 is built first with Cython<3). tests/deploy/test_dockerfile.py and
# test_compose*.py run both under `make pytest`; `make lint-deploy` runs them alone, with
# test_deploy_doc.py (docs/deploy.md against Settings, the CLI and the files it names).
DEPLOY_VENV := $(VENV)/tools/deploy
DEPLOY_STAMP := $(DEPLOY_VENV)/.installed-$(shell sha256sum requirements-deploy-tools.txt 2>/dev/null | cut -c1-12)
.PHONY: deploy-tools lint-deploy
$(DEPLOY_STAMP): requirements-deploy-tools.txt | install
	@rm -rf $(DEPLOY_VENV) && $(PY) -m venv $(DEPLOY_VENV)
	@$(DEPLOY_VENV)/bin/pip install -q Cython==0.29.37 wheel==0.45.1
	@$(DEPLOY_VENV)/bin/pip install -q --no-build-isolation PyYAML==5.4.1
	@$(DEPLOY_VENV)/bin/pip install -q --no-deps -r requirements-deploy-tools.txt
	@touch $@
deploy-tools: $(DEPLOY_STAMP)
pytest: deploy-tools
lint-deploy: install deploy-tools
	$(PY) -m pytest tests/deploy/test_dockerfile.py tests/deploy/test_compose.py tests/deploy/test_compose_nginx.py tests/deploy/test_deploy_doc.py -q -p no:cacheprovider
