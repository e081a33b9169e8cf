# Two commands matter: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# What Qt needs from the system to run (offscreen in tests, on screen for people): the package
# of every library in packaging/system-libraries.txt (the list the .deb's dependencies come
# from too: X11's xcb platform, Wayland, GTK's dialogs) and the fonts Qt finds through
# fontconfig, which the .deb depends on too (packaging/build.py, FONTS and CJK_FONT): DejaVu
# for Latin, Greek and Cyrillic, WenQuanYi Micro Hei for Chinese, Japanese and Korean names in
# the PDF reports (5 MB installed; Noto CJK is 91 MB); for the tests, an X server and a tool to
# look at its windows.
SYSTEM_LIBRARIES := packaging/system-libraries.txt
QT_DEBS := $(shell sed 's/\#.*//' $(SYSTEM_LIBRARIES) | awk 'NF { print $$2 }' | sort -u)
QT_DEBS += fonts-dejavu-core fonts-wqy-microhei
TEST_DEBS := xvfb xdotool

.PHONY: install system-deps run test lint typecheck bench screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,relay]'
	touch $(STAMP)

install: $(STAMP) system-deps

system-deps:
	@missing=$$(for p in $(QT_DEBS) $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update && apt-get install -y --no-install-recommends $$missing; \
		else \
			echo "Please install these system packages: $$missing"; exit 1; \
		fi; \
	fi

run: install
	$(BIN)/liaison-desk

lint: $(STAMP)
	$(BIN)/ruff check liaison_desk tests benchmarks scripts fuzz packaging
	$(BIN)/ruff format --check liaison_desk tests benchmarks scripts fuzz packaging

typecheck: $(STAMP)
	$(BIN)/mypy

# Two workers, one per core of the CI machine: the suite is CPU-bound (Argon2id floors,
# SQLCipher, Qt), and every test keeps to its own tmp_path, display and loopback port.
# Work-stealing keeps the long benchmark smokes and relay runs from ending on one worker.
test: install lint typecheck
	$(BIN)/pytest -n 2 --dist worksteal

bench: install
	$(BIN)/python benchmarks/vault.py
	$(BIN)/python benchmarks/sync.py
	$(BIN)/python benchmarks/relay.py
	$(BIN)/python benchmarks/gui.py
	$(BIN)/python benchmarks/interop.py
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/hq_scale.py

# The installer (README, "Packaging"): the versions pinned in packaging/constraints.txt, then
# dist/liaison-desk/liaison-desk and, on Linux, a .deb and a .tar.gz with their SHA256SUMS.
.PHONY: package
package: install
	$(BIN)/python -m pip install --quiet -e '.[package]' -c packaging/constraints.txt
	$(BIN)/python packaging/build.py

screenshots: install
	xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb $(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
