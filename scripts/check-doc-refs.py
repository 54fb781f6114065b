#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
#
# scripts/check-doc-refs.py -- every protocol section the code cites
# ("§x.y", "spec §x.y", "docs/protocol.md §x.y") must exist as a heading in
# docs/protocol.md, and no comment may point at the working material outside
# the repository (shared/spec, shared/design.md), which a clone does
# not have, nor an issue number (the tracker is not in a clone). Exit 1 with one line per dangling citation.
#
# Citations of other documents are not ours to check and are skipped: a
# "§" directly after "virtio", "virtio 1.x", "README.md", "policy.md",
# "cli.md", "status-codes.md", "layout.md", "RFC nnnn" or a vectors/ path
# (and the "§" list that follows it: "README.md §1, §3").
import re
import subprocess
import sys
from pathlib import Path

repo = Path(__file__).resolve().parent.parent
reference = repo / "docs" / "protocol.md"

SOURCE = re.compile(r"(\.(c|h|S|sh|py|mk|md|txt|json\.in|in)$|(^|/)Makefile$)")
SECTION = r"§\s?(\d+(?:\.\d+)*)"
# A citation list that belongs to another document: skipped as a whole.
FOREIGN = re.compile(
    r"(virtio(?: 1\.x| spec)?|README\.md|policy\.md|cli\.md|status-codes\.md|layout\.md|"
    r"RFC ?\d+|vectors/\S+)\s*" + SECTION + r"(?:\s*(?:,|/|-|and|or)\s*" + SECTION + r")*")
# Issue numbers belong to the tracker, which a clone does not have either.
WORKING_MATERIAL = re.compile(r"(shared/spec|shared/design|\bdesign\.md|migtd-spec\.md|td-under-tcg|\b[Ii]ssues? #?\d+)")


def tracked_files():
    out = subprocess.run(["git", "ls-files", "-z"], cwd=repo, check=True,
                         capture_output=True).stdout.decode()
    for name in out.split("\0"):
        if not name or not SOURCE.search(name):
            continue
        # The reference itself and the project's prose about it.
        if name in ("docs/protocol.md", "CHANGELOG.md"):
            continue
        yield name


def headings():
    found = set()
    for line in reference.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^#{2,6}\s+" + SECTION + r"\b", line)
        if m:
            found.add(m.group(1))
    return found


def main():
    if not reference.is_file():
        print("check-doc-refs: docs/protocol.md is missing", file=sys.stderr)
        return 1
    known = headings()
    bad = cited = 0
    for name in tracked_files():
        try:
            text = (repo / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        for lineno, line in enumerate(text.splitlines(), 1):
            if WORKING_MATERIAL.search(line) and "check-doc-refs" not in name:
                print(f"{name}:{lineno}: cites working material a clone does not have: "
                      f"{line.strip()}")
                bad += 1
            own = FOREIGN.sub("", line)
            for m in re.finditer(SECTION, own):
                cited += 1
                if m.group(1) not in known:
                    print(f"{name}:{lineno}: §{m.group(1)} is not a heading in "
                          f"docs/protocol.md")
                    bad += 1
    if bad:
        print(f"check-doc-refs: {bad} dangling citation(s)", file=sys.stderr)
        return 1
    print(f"check-doc-refs: {cited} section citations, all resolve in docs/protocol.md "
          f"({len(known)} headings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
