# kentmasa: `make run` starts everything on SQLite with demo data; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
export PORT
# Links in SMS, e-mail and receipts point here; production sets the real address (README, "Settings").
KENTMASA_PUBLIC_URL ?= http://127.0.0.1:$(PORT)
export KENTMASA_PUBLIC_URL
# The KADES gateway signs its alerts with this; `make demo-kades` (manage.py demo_kades) signs the demo's with it.
KENTMASA_KADES_WEBHOOK_SECRET ?= demo-kades-secret
export KENTMASA_KADES_WEBHOOK_SECRET

.PHONY: run test test-fast lint bench bench-http bench-rollups bench-live bench-kades bench-pts bench-field demo-kades demo-pts messages setup clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/.installed
	mkdir -p var

run: setup
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/python manage.py load_demo
	@echo "kentmasa: http://127.0.0.1:$(PORT)/  links in messages: $(KENTMASA_PUBLIC_URL)  (Ctrl-C stops web, worker and periodic jobs)"
	exec $(BIN)/honcho start --no-prefix -f Procfile

# The whole suite, browser tests included. DATABASE_URL=postgres://... runs it on PostgreSQL.
# pytest exits 5 when it collected nothing: that is a failure here, never a pass.
test: setup
	.ci/ensure-chromium
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/pytest -q $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no tests were collected"; exit 1; fi; exit $$rc

test-fast: setup
	$(BIN)/pytest -q -m "not browser" $(PYTEST_ARGS); rc=$$?; [ $$rc -ne 5 ] && exit $$rc || exit 1

# Schemathesis against the staff API's OpenAPI schema (kentmasa/api_fuzz.py), fixed seed, a few minutes;
# DATABASE_URL=postgres://... runs it on PostgreSQL (in a throwaway test database).
.PHONY: fuzz-api
fuzz-api: setup
	$(BIN)/pytest -q kentmasa/api_fuzz.py $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check kentmasa bench
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=kentmasa.settings_production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

bench: setup
	$(BIN)/python bench/run.py

# The screens and the API over real HTTP (gunicorn as `make run` starts it, wrk) beside a bare view and a
# bare insert; BENCH_DATABASE_URL=postgres://... and BENCH_CASES=10000000 as for `make bench` (README).
bench-http: setup
	$(BIN)/python bench/over_http.py

# The manager overview counted live vs summed from the rollups, and their cost per intake (README).
bench-rollups: setup
	$(BIN)/python bench/rollups.py

# The live stream: commit-to-client latency with 200 open streams, and what idle streams cost (README).
bench-live: setup
	$(BIN)/python bench/live.py

# KADES: a signed alert accepted by /kanal/kades/ → the alarm on a police console's stream, p50/p99 (README).
bench-kades: setup
	$(BIN)/python bench/kades.py

# PTS: plate reads ingested and matched per second over HTTP, batches of 500, 100,000-plate hotlist (README).
bench-pts: setup
	$(BIN)/python bench/pts.py

# The field app on a phone over emulated Fast 3G: first and repeat load (time, compressed bytes), a 12 MP
# photo's upload after the phone resized it (README).
bench-field: setup
	$(BIN)/python bench/field.py

# KVKK access log: the case page with and without it, and the middleware's own insert (README).
.PHONY: bench-access-log
bench-access-log: setup
	$(BIN)/python bench/access_log.py

# A KADES alert replayed against `make run` (another terminal): DEMO_KADES_ARGS="--moves 5", "--cancel ID".
demo-kades: setup
	$(BIN)/python manage.py demo_kades $(DEMO_KADES_ARGS)

# A batch of plate reads with a hotlisted plate posted to `make run`'s /api/v1/pts/reads (another terminal):
# DEMO_PTS_ARGS='--plate "06 BFK 92" --camera ESK-KGYS-004', "--reads 500", "--token km_…".
demo-pts: setup
	$(BIN)/python manage.py demo_pts $(DEMO_PTS_ARGS)

messages: setup
	cd kentmasa && ../$(BIN)/django-admin makemessages -l tr --no-obsolete --add-location file
	cd kentmasa && ../$(BIN)/django-admin compilemessages -l tr

clean:
	rm -rf var/kentmasa.sqlite3* var/test.sqlite3* var/static
