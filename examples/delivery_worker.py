#!/usr/bin/python3
"""Example delivery worker for the pg_receivables outbox.

It LISTENs on ar_notification, claims due notices of the channels it serves
with ar.claim_notifications (FOR UPDATE SKIP LOCKED under a lease, so any
number of workers can run side by side), "delivers" each by appending it as
one JSON line to a file (or stdout), and reports the result with
ar.complete_notification or ar.fail_notification.  A real worker replaces
deliver() with a mail, SMS or print API and passes the notice's dedupe_key
as the provider's idempotency key.

    examples/delivery_worker.py --channels email,sms,letter --out notices.jsonl
    examples/delivery_worker.py --once            # drain what is due, then exit

Connection settings come from the usual libpq environment (PGHOST, PGPORT,
PGDATABASE, PGUSER, ...).  Needs python3-psycopg2 (Debian).
"""
import argparse
import json
import os
import select
import socket
import sys
import time

import psycopg2
import psycopg2.extras


def deliver(notice, out):
    """Deliver one notice; return the provider's reference or raise."""
    if notice["recipient"] is None and notice["channel"] in ("email", "sms", "letter"):
        raise RuntimeError("no recipient")
    line = json.dumps({
        "notification_id": notice["notification_id"],
        "channel": notice["channel"],
        "recipient": notice["recipient"],
        "subject": notice["subject"],
        "body": notice["body"],
        "dedupe_key": notice["dedupe_key"],
    }, ensure_ascii=False)
    out.write(line + "\n")
    out.flush()
    return "file:%s" % notice["dedupe_key"]


def drain(conn, channels, worker, batch, out):
    """Claim and deliver everything due on the channels; return how many."""
    done = 0
    for channel in channels:
        while True:
            with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
                cur.execute("SELECT * FROM ar.claim_notifications(%s, %s, %s, %s)",
                            (channel, batch, worker, "5 minutes"))
                notices = cur.fetchall()
            conn.commit()          # the lease is ours; delivery happens outside any transaction
            if not notices:
                break
            for notice in notices:
                with conn.cursor() as cur:
                    try:
                        ref = deliver(notice, out)
                        cur.execute("SELECT ar.complete_notification(%s, %s)", (notice["notification_id"], ref))
                    except Exception as exc:   # report any delivery failure, keep going
                        cur.execute("SELECT ar.fail_notification(%s, %s)", (notice["notification_id"], str(exc)))
                conn.commit()
                done += 1
    return done


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--channels", default="email,sms,letter,internal,webhook,agency,retry")
    ap.add_argument("--out", default="-", help="file to append delivered notices to (- for stdout)")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--once", action="store_true", help="drain what is due now and exit")
    ap.add_argument("--max-seconds", type=float, default=None, help="stop after this long")
    ap.add_argument("--poll", type=float, default=30.0, help="seconds between polls for scheduled notices")
    args = ap.parse_args()

    channels = [c for c in args.channels.split(",") if c]
    worker = "%s:%d" % (socket.gethostname(), os.getpid())
    out = sys.stdout if args.out == "-" else open(args.out, "a", encoding="utf-8")
    conn = psycopg2.connect("")
    conn.set_client_encoding("UTF8")

    if args.once:
        print("delivered %d" % drain(conn, channels, worker, args.batch, out), file=sys.stderr)
        return

    with conn.cursor() as cur:
        cur.execute("LISTEN ar_notification")
    conn.commit()
    deadline = time.monotonic() + args.max_seconds if args.max_seconds else None
    drain(conn, channels, worker, args.batch, out)
    while deadline is None or time.monotonic() < deadline:
        timeout = args.poll if deadline is None else max(0.0, min(args.poll, deadline - time.monotonic()))
        if select.select([conn], [], [], timeout) != ([], [], []):
            conn.poll()
            conn.notifies.clear()   # the payload names the notice; claiming picks it up with any others due
        drain(conn, channels, worker, args.batch, out)


if __name__ == "__main__":
    main()
