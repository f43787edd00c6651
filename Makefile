# tritalk: two commands on a fresh clone.
#   make demo   sets up .venv and renders the bundled example to out/demo.mp4
#   make test   sets up .venv with the dev extras, node_modules (npm ci), Debian chromium (apt, when root) and runs
#               the tests on two pytest workers
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test bench setup clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	mkdir -p out
	$(VENV)/bin/tritalk generate --image src/tritalk/assets/examples/portrait.jpg \
	    --audio src/tritalk/assets/examples/speech.wav -o out/demo.mp4 --overwrite

node_modules/.package-lock.json: package.json package-lock.json
	if command -v npm >/dev/null; then npm ci --no-audit --no-fund; \
	else echo "note: npm not found; the glTF validator / three.js tests will skip"; fi

# the export tests run Khronos' glTF validator and three.js (node); without node_modules they skip
# the web app's browser tests drive Debian's chromium (never `playwright install`): installed here when it is
# missing and this is a root shell with apt (CI); otherwise those tests skip and say why
.PHONY: browser
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	        apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; \
	    else echo "note: /usr/bin/chromium is missing (apt-get install chromium); the browser tests will skip"; fi; \
	fi

# two pytest workers (pytest-xdist), each test file on one of them: module fixtures are built once
TEST_WORKERS ?= 2
test: $(STAMP) node_modules/.package-lock.json browser
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

bench: $(STAMP)
	$(VENV)/bin/tritalk bench --size 512

clean:
	rm -rf $(VENV) out build *.egg-info node_modules
