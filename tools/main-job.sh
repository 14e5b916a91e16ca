#!/usr/bin/env bash
# The main job: validate -> changed leaves -> generate -> data diff -> the training mix a trainer
# loads -> the student's scores on held-out questions -> the coverage tree and the gap map.
#
# With no LABTAX_TEACHER_MODEL in the environment it starts `labtax fake-teacher`, an OFFLINE
# STAND-IN that answers deterministically; it is not a model and its data is not training data.
# It also plays the student (the model labtax-fake-student) unless LABTAX_STUDENT_MODEL is set.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

step "validate the taxonomy"
labtax validate

step "leaves changed against the base"
labtax changed

if [ -z "${LABTAX_TEACHER_MODEL:-}" ]; then
  port=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  step "no teacher configured: starting the offline fake teacher on 127.0.0.1:$port (a stand-in, not a model)"
  labtax fake-teacher --port "$port" &
  fake_pid=$!
  trap 'kill "$fake_pid" 2>/dev/null || true' EXIT
  export LABTAX_TEACHER_MODEL=openai/labtax-fake-teacher
  export LABTAX_TEACHER_API_BASE="http://127.0.0.1:$port/v1"
  export LABTAX_TEACHER_API_KEY=offline-stand-in
  export LABTAX_CACHE_DIR="${LABTAX_CACHE_DIR:-.labtax/cache-fake-teacher}"
  if [ -z "${LABTAX_STUDENT_MODEL:-}" ]; then
    export LABTAX_STUDENT_MODEL=openai/labtax-fake-student
    export LABTAX_STUDENT_API_BASE="http://127.0.0.1:$port/v1"
    export LABTAX_STUDENT_API_KEY=offline-stand-in
  fi
  for _ in $(seq 50); do
    python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=1)" 2>/dev/null && break
    sleep 0.1
  done
fi

step "generate data for changed leaves and for leaves whose data is missing or stale"
labtax generate --changed
labtax generate

step "data diff against the base"
labtax diff --format text

reports="${LABTAX_REPORTS_DIR:-reports}"
mkdir -p "$reports"

step "the training mix: the knowledge phase, then the skills phase"
# Made from the fake teacher's stand-in data unless a real teacher is configured: a demo, not
# training data. It loads with datasets.load_dataset("$reports/mix", "knowledge") (or "skills").
labtax export "$reports/mix"

if [ -n "${LABTAX_STUDENT_MODEL:-}" ]; then
  step "the student on every leaf's held-out questions: its seeds and the mix's test split ($LABTAX_STUDENT_MODEL)"
  # Failures are counted per leaf and shown on the map as "not evaluated": report, do not stop.
  labtax eval --held-out "$reports/mix" || echo "labtax eval: some leaves could not be evaluated (see above)" >&2
fi

step "coverage: seeds, data, diversity and the student's scores per leaf and branch"
labtax tree

step "the gap map"
labtax map "$reports/gap-map.html" --picture "$reports/gap-map.png"
echo "open $(cd "$reports" && pwd)/gap-map.html in a browser (works offline); picture: $reports/gap-map.png" >&2
