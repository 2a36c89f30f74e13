# The peer of `patchferry scan` for bench:scan: Python's email package streaming an mbox (gzipped
# or not), each mail parsed whole (headers, the plain-text body) and, as scan keeps for assembly,
# only its ids, sender, subject and date kept to the end. Prints one JSON line: mails, seconds,
# peak RSS in MB.
import email.parser
import email.policy
import gzip
import json
import re
import resource
import sys
import time

FROM_LINE = re.compile(rb"^From \S+ .*\d\d:\d\d:\d\d \d{4}\s*$")


def messages(path):
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    lines = []
    with opener(path, "rb") as f:
        for line in f:
            if FROM_LINE.match(line):
                if lines:
                    yield b"".join(lines)
                lines = []
            else:
                lines.append(line[1:] if re.match(rb"^>+From ", line) else line)
    if lines:
        yield b"".join(lines)


def main(path):
    parser = email.parser.BytesParser(policy=email.policy.default)
    kept = []
    started = time.perf_counter()
    for raw in messages(path):
        msg = parser.parsebytes(raw)
        try:
            body = msg.get_body(("plain",))
            text = body.get_content() if body is not None else ""
        except Exception:
            text = ""
        kept.append(
            (
                str(msg.get("message-id", "")),
                str(msg.get("in-reply-to", "")),
                str(msg.get("references", "")).split(),
                str(msg.get("from", "")),
                str(msg.get("subject", "")),
                str(msg.get("date", "")),
                len(text),
            )
        )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mails": len(kept), "seconds": seconds, "peakRssMb": peak}))


main(sys.argv[1])
