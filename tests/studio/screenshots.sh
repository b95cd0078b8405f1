#!/usr/bin/env bash
# Renders each main view of the real studio to PNG under docs/screenshots/, under Xvfb, with
# realistic data: the sample policy edited into a draft (stricter bureau score, a fraud threshold,
# a rule switched off), 200,000 generated applications (binary history plus its JSON Lines, so the
# drill-down shows values), a simulation of the draft against the live version, a change that
# another analyst sent for approval, a week of decisions in the embedded store (30,000 archived
# applications imported on their dates, and 400 decided live by a real verdictd) and a review queue
# that two reviewers have started on.
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

# An embedded store with real decisions: a private verdictd (with verdict-sim in-process, realistic
# provider latency) decides 400 varied applications into its SQLite file, which becomes the studio's
# embedded store; then version 1 is published through four eyes (and the draft is sent for approval
# in the studio, below) — what the publish, approvals, history, decisions and charts views show.
verdictd=$build/daemon/verdictd/verdictd
[[ -x $verdictd ]] || { echo "screenshots: $verdictd is missing; build verdictd first" >&2; exit 2; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/verdictd.json" <<JSON
{"port": $port, "data_dir": "$work/daemon", "identifier_key": "screenshot-key",
 "tokens": [{"token": "screenshot-token-0123456789", "name": "shop-17", "scopes": ["decide", "read"]}]}
JSON
"$verdictd" --config "$work/verdictd.json" >"$work/verdictd.log" 2>&1 &
daemon_pid=$!
python3 - "$root/resources/samples/application.json" "$port" <<'PY'
import concurrent.futures, json, random, sys, time, urllib.request
base = json.load(open(sys.argv[1]))
url = "http://127.0.0.1:%s/v1/decisions" % sys.argv[2]
for _ in range(100):
    try:
        urllib.request.urlopen("http://127.0.0.1:%s/readyz" % sys.argv[2], timeout=1); break
    except Exception:
        time.sleep(0.1)
markers = ["", "", "", "", "clean", "clean", "bkr-a", "bkr-2", "preventel", "lowscore", "ibanmismatch", "arrears"]
def decide(i):
    rnd = random.Random(i)
    a = json.loads(json.dumps(base))
    a["id"] = "APP-2026-%06d" % i
    a["channel"] = rnd.choice(["shop", "web", "web"])
    a["applicant"]["last_name"] = "Jansen-%d" % i
    a["applicant"]["address"]["house_number"] = str(1 + i % 200)
    m = rnd.choice(markers)
    a["applicant"]["email"] = "klant%d%s@example.nl" % (i, ("+" + m) if m else "")
    # A bank account of their own (valid mod-97 check digits), so no velocity rule links them; every
    # twentieth shares one with the application before it, as a fraud ring would.
    account = "%010d" % (4_000_000 + i - (1 if i % 20 == 19 else 0))
    check = 98 - int("".join(str(int(ch, 36)) for ch in "ABNA" + account + "NL00")) % 97
    a["applicant"]["iban"] = "NL%02dABNA%s" % (check, account)
    req = urllib.request.Request(url, json.dumps(a).encode(), {"Content-Type": "application/json",
                                 "Authorization": "Bearer screenshot-token-0123456789"})
    try:
        urllib.request.urlopen(req, timeout=10).read()
    except Exception as e:
        print("decision %d: %s" % (i, e), file=sys.stderr)
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    list(pool.map(decide, range(400)))
PY
kill -TERM "$daemon_pid" && wait "$daemon_pid" || true
store="$XDG_DATA_HOME/Verdict/Verdict Studio/verdict.sqlite"
mkdir -p "$(dirname "$store")"
python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))' "$work/daemon/verdict.db" "$store"
# A week of history behind the live decisions: archived applications decided by the sample policy on
# their own dates (`verdict import`), for the charts and the review queue.
"$verdict" generate --count 30000 --seed 11 --last-day "$(date -u +%F)" --days 7 --jsonl "$work/week.jsonl" >/dev/null
"$verdict" import --history "$work/week.jsonl" --policy "$root/resources/policy/sample-policy.json" --sqlite "$store" \
    --identifier-key screenshot-key >/dev/null
for grant in alice:analyst alice:approver alice:fraud bob:analyst bob:approver bob:fraud; do
  "$verdict" grant-role --sqlite "$store" --user "${grant%%:*}" --role "${grant##*:}" --granted-by screenshots >/dev/null
done
"$verdict" request-approval --sqlite "$store" --user bob --policy "$root/resources/policy/sample-policy.json" \
    --comment "First version of the consumer policy: VFN 2025 norms, BKR above EUR 250." >/dev/null
"$verdict" approve 1 --sqlite "$store" --user alice --comment "Simulated on November: as expected." >/dev/null
"$verdict" publish-approved 1 --sqlite "$store" --user bob >/dev/null
python3 - "$work/draft.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["version"] = 2; json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
# The review queue, worked on: the oldest referrals decided, a few claimed, the rest waiting.
mapfile -t referred < <("$verdict" review list --sqlite "$store" --status pending --limit 40 --json |
                         python3 -c 'import json, sys; [print(json.loads(l)["decision_id"]) for l in sys.stdin if l.strip()]')
reasons=("BKR code checked by phone: paid off in 2024, no arrears" "Income confirmed with a payslip; device credit within VFN"
         "ID document reported stolen: refused" "Same IBAN as two other applicants this week: refused")
outcomes=(ACCEPT ACCEPT_SIM_ONLY REJECT REJECT)
for i in "${!referred[@]}"; do
  reviewer=$([[ $((i % 2)) -eq 0 ]] && echo alice || echo bob)
  ((i < 30)) || break
  "$verdict" review claim "${referred[$i]}" --sqlite "$store" --reviewer "$reviewer" >/dev/null
  ((i < 24)) || continue
  "$verdict" review decide "${referred[$i]}" --sqlite "$store" --reviewer "$reviewer" --outcome "${outcomes[$((i % 4))]}" \
      --reason "${reasons[$((i % 4))]}" >/dev/null
done

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
