#!/usr/bin/env bash
# Renders each main view of the real studio to PNG under docs/screenshots/, under Xvfb, with
# realistic data: the sample policy edited into a draft (stricter bureau score, a fraud threshold,
# a rule switched off), 200,000 generated applications (binary history plus its JSON Lines, so the
# drill-down shows values), a simulation of the draft against the live version, and a change that
# another analyst sent for approval.
#   tests/studio/screenshots.sh [BUILD_DIR]      (default build/ci; needs verdict-studio and verdict)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/ci}
studio=$build/studio/verdict-studio
verdict=$build/daemon/cli/verdict
out=$root/docs/screenshots
for binary in "$studio" "$verdict"; do
  [[ -x $binary ]] || { echo "screenshots: $binary is missing; build verdict-studio and verdict first" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A fresh user: settings and the embedded policy folder live under this HOME only.
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_DATA_HOME=$work/home/.local/share XDG_RUNTIME_DIR=$work/run
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

"$verdict" generate --count 200000 --seed 7 --binary "$work/history.vhist" --jsonl "$work/history.jsonl" >/dev/null
python3 - "$root/resources/policy/sample-policy.json" "$work/draft.json" <<'PY'
import json, sys
policy = json.load(open(sys.argv[1]))
for p in policy["parameters"]:
    if p["name"] == "min_bureau_score": p["value"] = 600
    if p["name"] == "max_device_applications_24h": p["value"] = 2
for r in policy["rules"]:
    if r["id"] == "address.not_residential": r["enabled"] = False
policy["lists"][0]["items"].append("NL02ABNA0123456789")
json.dump(policy, open(sys.argv[2], "w"), indent=2)
PY

run() {
  if command -v xvfb-run >/dev/null; then
    xvfb-run -a -s "-screen 0 1600x1000x24" "$studio" "$@"
  else
    QT_QPA_PLATFORM=offscreen "$studio" "$@"
  fi
}
# Alice sends the draft for approval (her screenshots are thrown away) ...
run --user alice --draft "$work/draft.json" --request-approval \
    "Refer thin-file applicants below score 600 after the Q3 write-off review; tighter IBAN velocity." \
    --screenshots "$work/alice" >/dev/null
# ... and Bob, the approver, opens the same draft: these are the screenshots. The roll-out view reads
# the fleet topic of the broker in $VERDICT_KAFKA_BROKERS (default 127.0.0.1:9092) as it is.
mkdir -p "$out"
run --user bob --draft "$work/draft.json" --history "$work/history.vhist" --simulate --rule bureau.low_score \
    --screenshots "$out"
ls -1 "$out"
