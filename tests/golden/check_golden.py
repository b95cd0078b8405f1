#!/usr/bin/env python3
"""Re-run the Verdict CLI over the golden cases and compare with expected.json.

Usage: check_golden.py VERDICT_BINARY REPO_ROOT [--update]

For every entry of tests/golden/manifest.json this runs

    VERDICT_BINARY evaluate --policy resources/policy/sample-policy.json \
        --application tests/golden/<case>/case.json

from REPO_ROOT and checks that
  * the CLI exits 0,
  * the decision equals expected.json (as parsed JSON),
  * the decision's outcome equals the manifest's expect_outcome,
  * with "rule": null, "reasons" is empty; otherwise a reason for that rule exists with
    the rule's outcome (or its on_unknown outcome when the reason lists missing fields).

With --update, expected.json is rewritten from the CLI output first (the outcome and rule
checks still apply). Prints one line per case; exits 1 on any mismatch, 2 on bad usage.
"""
import json
import os
import subprocess
import sys

POLICY = os.path.join("resources", "policy", "sample-policy.json")
GOLDEN = os.path.join("tests", "golden")


def json_diff(a, b, path="", out=None, limit=5):
    """Up to `limit` JSON pointer-like paths where a and b differ."""
    if out is None:
        out = []
    if len(out) >= limit:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}/{k} ({'missing in expected' if k not in b else 'missing in actual'})")
            else:
                json_diff(a[k], b[k], f"{path}/{k}", out, limit)
            if len(out) >= limit:
                break
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path} (length {len(a)} != {len(b)})")
        else:
            for i, (x, y) in enumerate(zip(a, b)):
                json_diff(x, y, f"{path}/{i}", out, limit)
    elif a != b or type(a) is not type(b):
        out.append(f"{path or '/'} ({json.dumps(a)[:60]} != {json.dumps(b)[:60]})")
    return out


def check_expectations(entry, decision, rules):
    """Problems with the manifest's outcome/rule expectations, as a list of strings."""
    problems = []
    if decision.get("outcome") != entry["expect_outcome"]:
        problems.append(f"outcome {decision.get('outcome')} != expected {entry['expect_outcome']}")
    reasons = decision.get("reasons", [])
    rule = entry.get("rule")
    if rule is None:
        if reasons:
            problems.append("reasons not empty: " + ", ".join(r.get("rule_id", "?") for r in reasons))
        return problems
    if rule not in rules:
        problems.append(f"rule {rule} is not in the policy")
        return problems
    hits = [r for r in reasons if r.get("rule_id") == rule]
    if not hits:
        problems.append(f"rule {rule} did not fire")
        return problems
    for r in hits:
        want = rules[rule].get("on_unknown") if r.get("missing") else rules[rule].get("outcome")
        if r.get("outcome") != want:
            problems.append(f"rule {rule} fired with {r.get('outcome')}, expected {want}")
    return problems


def main(argv):
    args = [a for a in argv[1:] if a != "--update"]
    update = len(args) != len(argv) - 1
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    binary, root = os.path.abspath(args[0]), os.path.abspath(args[1])
    with open(os.path.join(root, GOLDEN, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    with open(os.path.join(root, POLICY), encoding="utf-8") as f:
        rules = {r["id"]: r for r in json.load(f)["rules"]}

    failures = 0
    width = max((len(e["case"]) for e in manifest), default=4)
    for entry in manifest:
        name = entry["case"]
        case_path = os.path.join(GOLDEN, name, "case.json")
        expected_path = os.path.join(root, GOLDEN, name, "expected.json")
        proc = subprocess.run([binary, "evaluate", "--policy", POLICY, "--application", case_path],
                              cwd=root, capture_output=True, text=True)
        problems = []
        decision = None
        if proc.returncode != 0:
            problems.append(f"CLI exit {proc.returncode}: {proc.stderr.strip() or proc.stdout.strip()}"[:300])
        else:
            try:
                decision = json.loads(proc.stdout)
            except json.JSONDecodeError as e:
                problems.append(f"CLI output is not JSON: {e}")
        if decision is not None:
            if update:
                with open(expected_path, "w", encoding="utf-8") as f:
                    f.write(proc.stdout)
            else:
                try:
                    with open(expected_path, encoding="utf-8") as f:
                        expected = json.load(f)
                    if decision != expected:
                        problems.append("differs from expected.json at " + "; ".join(json_diff(decision, expected)))
                except (OSError, json.JSONDecodeError) as e:
                    problems.append(f"cannot read expected.json: {e}")
            problems += check_expectations(entry, decision, rules)
        outcome = decision.get("outcome", "-") if decision else "-"
        fired = ",".join(r.get("rule_id", "?") for r in decision.get("reasons", [])) if decision else ""
        status = "FAIL" if problems else ("UPDATED" if update else "OK")
        print(f"{status:7} {name:{width}} {outcome:15} {fired or '-'}")
        for p in problems:
            print(f"        - {p}")
        failures += bool(problems)

    print(f"{len(manifest) - failures}/{len(manifest)} cases passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
