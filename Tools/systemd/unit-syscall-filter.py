#!/usr/bin/python3
"""Runs a command under the system-call filter a systemd unit declares, as
systemd would apply it, for tests on machines where systemd is not the init
(CI): the unit's SystemCallFilter= lines, their @groups expanded by
`systemd-analyze syscall-filter`, the first an allow list and every later ~
line taken out of it; a call outside it fails with SystemCallErrorNumber=.

usage: unit-syscall-filter.py UNIT COMMAND [ARGUMENT...]  (Debian's python3, for python3-seccomp)
"""
import errno
import os
import subprocess
import sys

import seccomp


def unit_values(path, key):
    with open(path) as unit:
        return [line.split("=", 1)[1].strip() for line in unit if line.startswith(key + "=")]


def expand(names, groups):
    calls = set()
    for name in names:
        calls |= expand(groups[name], groups) if name.startswith("@") else {name}
    return calls


def syscall_groups():
    """@group -> its entries, from systemd-analyze (groups may name groups)."""
    groups, current = {}, None
    for raw in subprocess.run(["systemd-analyze", "syscall-filter"], check=True, capture_output=True, text=True).stdout.splitlines():
        line = raw.strip()
        if raw.startswith("@"):  # a group's name starts its line; its entries are indented
            current = groups.setdefault(line, [])
        elif raw.startswith(" ") and line and not line.startswith("#") and current is not None:
            current.append(line)
    return groups


def main():
    unit, command = sys.argv[1], sys.argv[2:]
    groups = syscall_groups()
    filters = unit_values(unit, "SystemCallFilter")
    if not filters or filters[0].startswith("~"):
        sys.exit(f"{unit}: the first SystemCallFilter= is not an allow list")
    allowed = set()
    for entry in filters:
        names = entry.lstrip("~").split()
        if entry.startswith("~"):
            allowed -= expand(names, groups)
        else:
            allowed |= expand(names, groups)
    error = (unit_values(unit, "SystemCallErrorNumber") or ["EPERM"])[-1]
    rules = seccomp.SyscallFilter(defaction=seccomp.ERRNO(getattr(errno, error)))
    for call in sorted(allowed):
        try:
            rules.add_rule(seccomp.ALLOW, call)
        except (RuntimeError, ValueError):
            pass  # a call this kernel or libseccomp does not know
    rules.load()
    os.execv(command[0], command)


main()
