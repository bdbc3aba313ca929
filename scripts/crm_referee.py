"""Compare two pytest junit XML runs of crm's own tests: stock CRM against CRM + sales_discipline.

Usage: crm_referee.py STOCK.xml ADDON.xml [--intended FILE.csv] [--label TEXT] [--details]

A test id is ``test_file.py::Class::test_name``; its outcome is passed, failed, error or skipped
(a test absent from one run is "absent"). Exits 1 when a test's outcome differs between the runs and
the intended-differences file does not list it (with that outcome), when a listed difference no longer
occurs (a stale entry), or when a tour was skipped for want of a browser; exits 2 on unreadable input.
Without ``--intended`` no difference is allowed: the addon with every policy off must give stock's results.

The intended-differences file is a CSV with the header ``test,addon_outcome,message,rule,why``; lines
starting with ``#`` are comments. ``message``, when given, must appear in the test's failure (so that a
test listed for one rule is not excused when it fails for another reason); ``rule`` is the DOMAIN.md rule
id (e.g. ``NS-1``) that makes the test differ; ``why`` says why the difference is what a user wants.
"""

import argparse
import csv
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass

OUTCOMES = ("passed", "failed", "error", "skipped")
# When one id appears more than once (subtests, a teardown error), the worst outcome wins.
SEVERITY = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}
# The reason an HTTP request of a tour was refused, as the server logged it (pytest's junit_logging=log).
SERVER_WARNING = re.compile(r"WARNING\s+odoo\.http:\S+\s+(.*(?:\n(?!\S+\s+odoo\.).+)?)")
BROWSER_SKIP = re.compile(r"chrom|websocket|browser|devtools", re.IGNORECASE)
RULE_ID = re.compile(r"^[A-Z]{2}-\d+$")
BAD_INPUT = 2
MESSAGE_WIDTH = 220


@dataclass
class Result:
    outcome: str
    message: str = ""
    text: str = ""  # the whole failure: exception, message, traceback and the log captured during the test


@dataclass
class Intended:
    test: str
    addon_outcome: str
    message: str
    rule: str
    why: str
    line: int

    def matches(self, result):
        """The test ends as listed: same outcome, and its failure says ``message`` when one is given."""
        return self.addon_outcome == result.outcome and (not self.message or self.message in result.text)


def fail_input(message):
    print(f"ERROR: {message}", file=sys.stderr)
    sys.exit(BAD_INPUT)


def test_id(classname, name):
    """``a.b.tests.test_crm_lead.TestCRMLead`` + ``test_x`` -> ``test_crm_lead.py::TestCRMLead::test_x``."""
    parts = classname.split(".")
    start = next((i for i, part in enumerate(parts) if part.startswith("test_")), max(len(parts) - 2, 0))
    module, rest = parts[start], parts[start + 1 :]
    return "::".join([f"{module}.py", *rest, name])


def summary(text, log=""):
    """One line saying why a test failed: the exception and its first detail (the problem a ValidationError
    lists, the step a tour failed at), and for a tour the server's own warning from the captured log."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return ""
    detail = next((line for line in lines if line.startswith("FAILED:")), None)
    if detail is None and len(lines) > 1 and lines[0].endswith(":"):
        detail = lines[1]
    line = f"{lines[0]} {detail}" if detail else lines[0]
    warning = SERVER_WARNING.search(log or "")
    if detail and detail.startswith("FAILED:") and warning:
        line = f"{detail} (server: {' '.join(warning.group(1).split())})"
    return line if len(line) <= MESSAGE_WIDTH else line[: MESSAGE_WIDTH - 1] + "…"


def read_junit(path):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        fail_input(f"cannot read junit XML {path}: {exc}")
    results = {}
    for case in root.iter("testcase"):
        outcome, message, text = "passed", "", ""
        for tag, name in (("skipped", "skipped"), ("failure", "failed"), ("error", "error")):
            node = case.find(tag)
            if node is not None and SEVERITY[name] > SEVERITY[outcome]:
                outcome = name
                log = case.findtext("system-out") or ""
                message = summary(node.get("message"), log) or summary(node.text)
                text = "\n".join(filter(None, (node.get("message"), node.text, log)))
        key = test_id(case.get("classname", ""), case.get("name", ""))
        known = results.get(key)
        if known is None or SEVERITY[outcome] > SEVERITY[known.outcome]:
            results[key] = Result(outcome, message, text)
    if not results:
        fail_input(f"{path} holds no test case")
    return results


def read_intended(path):
    entries, problems = {}, []
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            lines = [(number, line) for number, line in enumerate(handle, 1) if not line.lstrip().startswith("#")]
    except OSError as exc:
        fail_input(f"cannot read the intended differences {path}: {exc}")
    reader = csv.DictReader(line for _number, line in lines)
    expected = ["test", "addon_outcome", "message", "rule", "why"]
    if reader.fieldnames != expected:
        fail_input(f"{path} must start with the header {','.join(expected)}")
    for row in reader:
        number = lines[reader.line_num - 1][0]
        entry = Intended(*(row[field].strip() if row[field] else "" for field in expected), line=number)
        if entry.addon_outcome not in (*OUTCOMES, "absent"):
            problems.append(f"line {number}: addon_outcome must be one of {', '.join(OUTCOMES)}, absent")
        if not RULE_ID.match(entry.rule):
            problems.append(f"line {number}: rule must be a DOMAIN rule id such as NS-1, not {entry.rule!r}")
        if not entry.why:
            problems.append(f"line {number}: why is empty")
        if entry.test in entries:
            problems.append(f"line {number}: {entry.test} is listed twice")
        entries[entry.test] = entry
    return entries, problems


def counts(results):
    return ", ".join(f"{sum(r.outcome == o for r in results.values())} {o}" for o in OUTCOMES)


def print_table(rows, details):
    if not rows:
        return
    width = max(len(row[0]) for row in rows)
    print(f"{'test':<{width}}  {'stock':<7}  {'addon':<7}  verdict")
    for test, stock, addon, verdict, message in rows:
        print(f"{test:<{width}}  {stock:<7}  {addon:<7}  {verdict}")
        if details and message:
            print(f"{'':<{width}}    {message}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stock", help="junit XML of crm's tests on stock CRM")
    parser.add_argument("addon", help="junit XML of crm's tests with the addon installed")
    parser.add_argument("--intended", help="CSV of intended differences (none allowed without it)")
    parser.add_argument("--label", default="CRM + sales_discipline", help="what the second run is")
    parser.add_argument("--details", action="store_true", help="print the addon run's message under each row")
    args = parser.parse_args()

    stock, addon = read_junit(args.stock), read_junit(args.addon)
    intended, problems = read_intended(args.intended) if args.intended else ({}, [])
    width = max(len("stock CRM"), len(args.label)) + 1
    print(f"{'stock CRM:':<{width}} {len(stock)} tests: {counts(stock)}")
    print(f"{args.label + ':':<{width}} {len(addon)} tests: {counts(addon)}")

    rows, unexpected, stale = [], 0, 0
    for test in sorted(set(stock) | set(addon)):
        before = stock.get(test, Result("absent"))
        after = addon.get(test, Result("absent"))
        entry = intended.get(test)
        if before.outcome == after.outcome:
            if entry:
                stale += 1
                verdict = f"STALE: listed ({entry.rule}), no longer differs"
                rows.append((test, before.outcome, after.outcome, verdict, ""))
            continue
        if entry and entry.matches(after):
            verdict = f"intended ({entry.rule})"
        elif entry:
            unexpected += 1
            said = f" saying {entry.message!r}" if entry.message else ""
            verdict = f"UNEXPECTED: listed ({entry.rule}) as {entry.addon_outcome}{said}"
        else:
            unexpected += 1
            verdict = "UNEXPECTED"
        rows.append((test, before.outcome, after.outcome, verdict, after.message or before.message))
    for test, entry in intended.items():
        if test not in stock and test not in addon:
            problems.append(f"line {entry.line}: {test} is not a test of crm's suite")

    skipped_tours = [
        f"{label}: {test}: {result.message}"
        for label, results in (("stock", stock), ("addon", addon))
        for test, result in sorted(results.items())
        if result.outcome == "skipped" and BROWSER_SKIP.search(result.message)
    ]

    print()
    print_table(rows, args.details)
    print()
    print(f"{len(rows)} differences: {unexpected} unexpected, {stale} stale, {len(rows) - unexpected - stale} intended")
    for line in skipped_tours:
        print(f"TOUR SKIPPED ({line}): install chromium and websocket-client")
    for line in problems:
        print(f"INTENDED FILE {args.intended}: {line}")
    if unexpected or stale or skipped_tours or problems:
        print("REFEREE: FAILED")
        return 1
    print("REFEREE: PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
