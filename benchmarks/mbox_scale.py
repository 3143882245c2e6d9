"""Benchmark: an mbox of 100,000 messages, parsed and imported (target: under 60 s).

The mailbox is generated from the real Enron email metadata in ../shared/datasets/enron
(who wrote to whom and when, 22,923 messages; see its README), replayed in rounds four
and a half years apart until there are enough messages. Each message gets realistic
headers (Message-ID, In-Reply-To on answers within a week, To/Cc, a Subject, MIME headers)
and a body of 5 to 40 lines that the importer must step over without keeping. About 5%
of messages are mailing-list mail and 2% come from no-reply senders, as in a real inbox.
"Me" is the busiest Enron address. Without the Enron data a synthetic network of the same
shape is used. The mbox is cached under benchmarks/.work/ (git-ignored).

Measures, side by side in one run:
- parse only: goodwill.io.mail.parse_mbox in this process;
- whole process: `goodwill --db NEW.db import mbox FILE --me ADDR`, timed with subprocess
  (when the import command exists on this branch).

    PYTHONPATH=src /work/venv/bin/python benchmarks/mbox_scale.py [--messages N]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from email.utils import format_datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
RESULTS = HERE / "results" / "mbox_scale.json"
TARGET_S = 60.0
ROUND_SHIFT = dt.timedelta(days=int(365.25 * 4.5))
WORDS = [
    "the",
    "gas",
    "deal",
    "schedule",
    "meeting",
    "contract",
    "price",
    "power",
    "trading",
    "report",
    "review",
    "call",
    "tomorrow",
    "please",
    "thanks",
    "regards",
    "attached",
    "update",
    "numbers",
    "position",
    "desk",
    "west",
    "east",
]


def enron_dir() -> Path | None:
    shared = os.environ.get("GOODWILL_SHARED_DIR")
    bases = [Path(shared)] if shared else []
    # ../shared beside the project (also seen from a git worktree one level deeper)
    for base in [*bases, HERE.parents[1] / "shared", HERE.parents[2] / "shared"]:
        d = base / "datasets" / "enron"
        if (d / "emails.csv.gz").is_file():
            return d
    return None


def load_enron(
    d: Path,
) -> tuple[dict[int, tuple[str, str]], list[tuple[dt.datetime, int, list[tuple[int, str]]]]]:
    people = {}
    with (d / "people.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            people[int(row["id"])] = (row["email"], row["name"])
    grouped: dict[tuple[str, int], list[tuple[int, str]]] = defaultdict(list)
    with gzip.open(d / "emails.csv.gz", "rt", newline="") as f:
        for row in csv.DictReader(f):
            if row["time"].startswith("1979"):
                continue  # the placeholder time the README says to drop
            kind = row["recipient_type"]
            if kind == "bcc":
                continue  # bcc rows mirror cc rows; received copies never show Bcc
            pair = (int(row["recipient_id"]), kind)
            key = (row["time"], int(row["sender_id"]))
            if pair not in grouped[key]:
                grouped[key].append(pair)
    messages = [
        (dt.datetime.fromisoformat(t), sender, rcpts) for (t, sender), rcpts in grouped.items()
    ]
    messages.sort(key=lambda m: (m[0], m[1]))
    return people, messages


def synthetic(
    rng: random.Random,
) -> tuple[dict[int, tuple[str, str]], list[tuple[dt.datetime, int, list[tuple[int, str]]]]]:
    people = {i: (f"person{i}@example.com", f"Person {i}") for i in range(180)}
    start = dt.datetime(1999, 1, 1)
    messages = []
    for _ in range(23000):
        when = start + dt.timedelta(seconds=rng.randrange(3 * 365 * 86400))
        sender = min(int(rng.paretovariate(1.2)) - 1, 179)
        rcpts = [(rng.randrange(180), "to") for _ in range(rng.choice((1, 1, 1, 2, 3)))]
        messages.append((when, sender, rcpts))
    messages.sort(key=lambda m: (m[0], m[1]))
    return people, messages


def body(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(5, 40)):
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
        lines.append(line)
    if rng.random() < 0.05:
        lines.append(">From the desk: a quoted line that looked like a separator")
    return "\n".join(lines) + "\n"


def generate(path: Path, n: int, seed: int = 7) -> str:
    """Write an mbox of `n` messages to `path`; return the address of 'me'."""
    rng = random.Random(seed)
    d = enron_dir()
    people, base = load_enron(d) if d else synthetic(rng)
    activity: Counter[int] = Counter()
    for _, sender, rcpts in base:
        activity[sender] += 1
        activity.update(r for r, _ in rcpts)
    me_id = activity.most_common(1)[0][0]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    written = 0
    with tmp.open("w", encoding="utf-8", newline="\n") as out:
        for rnd in range(n // max(len(base), 1) + 1):
            last_to: dict[tuple[int, int], tuple[str, dt.datetime]] = {}
            for i, (when0, sender, rcpts) in enumerate(base):
                if written >= n:
                    break
                when = when0 + rnd * ROUND_SHIFT
                msgid = f"{rnd}.{i}.{sender}@enron.bench.invalid"
                s_addr, s_name = people[sender]
                headers = [
                    f"Message-ID: <{msgid}>",
                    f"Date: {format_datetime(when.replace(tzinfo=dt.UTC))}",
                ]
                roll = rng.random()
                if roll < 0.02:
                    headers.append("From: Notifications <no-reply@updates.bench.invalid>")
                else:
                    headers.append(f'From: "{s_name}" <{s_addr}>')
                to = [people[r] for r, k in rcpts if k == "to"]
                cc = [people[r] for r, k in rcpts if k == "cc"]
                if to:
                    headers.append("To: " + ", ".join(f"{nm} <{a}>" for a, nm in to))
                if cc:
                    headers.append("Cc: " + ", ".join(a for a, _ in cc))
                first = rcpts[0][0] if rcpts else sender
                prior = last_to.get((first, sender))
                if prior and when - prior[1] < dt.timedelta(days=7):
                    headers.append(f"In-Reply-To: <{prior[0]}>")
                    headers.append("Subject: Re: topic")
                else:
                    headers.append("Subject: topic")
                for r, _ in rcpts:
                    last_to[(sender, r)] = (msgid, when)
                if 0.02 <= roll < 0.07:
                    headers.append("List-Id: <energy-news.lists.bench.invalid>")
                    headers.append("Precedence: list")
                headers += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=us-ascii"]
                stamp = when.strftime("%a %b %d %H:%M:%S %Y")
                out.write(
                    f"From {s_addr} {stamp}\n" + "\n".join(headers) + "\n\n" + body(rng) + "\n"
                )
                written += 1
    tmp.replace(path)
    return people[me_id][0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=100_000)
    args = ap.parse_args()
    sys.path.insert(0, str(HERE.parent / "src"))
    from goodwill.io.mail import parse_mbox
    from goodwill.io.records import ImportOptions

    mbox = WORK / f"enron_{args.messages}.mbox"
    me_file = mbox.with_suffix(".me")
    t0 = time.perf_counter()
    if not (mbox.is_file() and me_file.is_file()):
        WORK.mkdir(parents=True, exist_ok=True)
        me_file.write_text(generate(mbox, args.messages))
    generate_s = time.perf_counter() - t0
    me = me_file.read_text().strip()

    t0 = time.perf_counter()
    result = parse_mbox(mbox, ImportOptions(me=[me]))
    parse_s = time.perf_counter() - t0
    figures: dict[str, object] = {
        "messages": args.messages,
        "mbox_bytes": mbox.stat().st_size,
        "source": "enron" if enron_dir() else "synthetic",
        "me": me,
        "generate_or_cache_s": round(generate_s, 2),
        "parse_s": round(parse_s, 2),
        "interactions": len(result.interactions),
        "people": len(result.people),
        "issues": len(result.issues),
        "target_s": TARGET_S,
    }
    print(
        f"parsed {args.messages} messages in {parse_s:.1f} s: "
        f"{len(result.interactions)} interactions, {len(result.people)} people"
    )
    db = WORK / "mbox_scale.db"
    for leftover in WORK.glob("mbox_scale.db*"):
        leftover.unlink()
    env = dict(os.environ, PYTHONPATH=str(HERE.parent / "src"))
    cmd = [
        sys.executable,
        "-m",
        "goodwill",
        "--db",
        str(db),
        "import",
        "mbox",
        str(mbox),
        "--me",
        me,
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    whole_s = time.perf_counter() - t0
    if proc.returncode == 0:
        figures["import_whole_process_s"] = round(whole_s, 2)
        figures["import_ok"] = whole_s < TARGET_S
        t0 = time.perf_counter()
        again = subprocess.run(cmd, env=env, capture_output=True, text=True)
        figures["reimport_whole_process_s"] = round(time.perf_counter() - t0, 2)
        figures["reimport_ok"] = again.returncode == 0
        print(
            f"import (whole process): {whole_s:.1f} s; "
            f"again: {figures['reimport_whole_process_s']} s"
        )
    else:
        figures["import_whole_process_s"] = None
        figures["import_error"] = (proc.stderr or proc.stdout).strip()[-300:]
        print("import command not available or failed:", figures["import_error"])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
