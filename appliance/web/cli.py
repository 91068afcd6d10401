"""``appliance web passwd``: make the admin console's password hash (``web.password_hash``)."""

from __future__ import annotations

import argparse
import getpass
import sys

from appliance.config.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("web", help="admin console tools (the console itself runs inside `appliance serve`)")
    web_sub = p.add_subparsers(dest="web_command", required=True)
    pw = web_sub.add_parser("passwd", help="print a password hash for web.password_hash")
    pw.add_argument("--stdin", action="store_true", help="read the password from standard input (one line)")
    pw.set_defaults(func=passwd)


def passwd(args: argparse.Namespace) -> int:
    from appliance.web.auth import hash_password

    if args.stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("New admin password: ")
        if getpass.getpass("Again: ") != password:
            raise InputError("the two passwords differ")
    if len(password) < 8:
        raise InputError("use at least 8 characters")
    print("# put this under [web] in the config file, then restart the service:", file=sys.stderr)
    print(f'password_hash = "{hash_password(password)}"')
    return 0
