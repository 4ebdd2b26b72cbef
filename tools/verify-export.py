#!/usr/bin/env python3
"""Stand-alone verifier for a CallVault event-log export (NDJSON), standard library only.

It does not import any of CallVault's code: it follows docs/audit.md, so that an auditor can
read both side by side.

  python3 tools/verify-export.py EXPORT.ndjson [--checkpoint POSITION:HASH | --checkpoint FILE.json]
                                               [--previous-hash HASH]

Prints one JSON line and exits 0 when the chain holds, 1 when it does not (with the first bad
position and the reason), 2 on a usage error. `-` reads the export from stdin.

  --checkpoint      a published chain head (e.g. the JSON of GET /api/admin/checkpoint): the
                    export must reach that position with that hash, which also catches a
                    truncated tail and a chain rewritten from some row on
  --previous-hash   the hash of the row before the export's first one, for an export that
                    starts mid-log (without it that first row is taken as given)
"""
import decimal
import hashlib
import json
import sys

GENESIS = "0" * 64
FIELDS = ("position", "streamId", "streamVersion", "id", "type", "data", "metadata", "time", "hash")


# --- canonical JSON (docs/audit.md): RFC 8785 (JCS) --------------------------------------

def es_number(x):
    """ECMAScript Number::toString of a double, as JSON.stringify and JCS write numbers."""
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError("NaN and infinities are not JSON")
    if x == 0:
        return "0"  # also -0
    if x < 0:
        return "-" + es_number(-x)
    # repr gives the shortest digits that read back as the same double, as ECMAScript does.
    sign, digits, exponent = decimal.Decimal(repr(x)).as_tuple()
    digits = list(digits)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exponent += 1
    s = "".join(str(d) for d in digits)
    k = len(s)
    n = exponent + k  # value = 0.s × 10^n
    if k <= n <= 21:
        return s + "0" * (n - k)
    if 0 < n <= 21:
        return s[:n] + "." + s[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + s
    e = n - 1
    exp = ("e+" if e >= 0 else "e-") + str(abs(e))
    return (s if k == 1 else s[0] + "." + s[1:]) + exp


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def es_string(text):
    """A string as JSON.stringify writes it: only quote, backslash and controls escaped."""
    out = ['"']
    for ch in text:
        c = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif c < 0x20 or 0xD800 <= c <= 0xDFFF:  # a lone surrogate, as JSON.stringify does
            out.append("\\u%04x" % c)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def utf16_key(text):
    return text.encode("utf-16-be", "surrogatepass")


def canonical(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return es_number(float(value))
    if isinstance(value, str):
        return es_string(value)
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value.keys(), key=utf16_key)  # UTF-16 code units, as RFC 8785 says
        return "{" + ",".join(es_string(k) + ":" + canonical(value[k]) for k in keys) + "}"
    raise ValueError("not a JSON value: %r" % (value,))


def row_hash(previous, row):
    body = {k: row[k] for k in FIELDS if k != "hash"}
    text = previous + "\n" + canonical(body)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# --- the export ---------------------------------------------------------------------------

def no_duplicates(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError("key %s appears twice" % es_string(k))
        seen[k] = v
    return seen


def parse_row(line, number):
    row = json.loads(line, object_pairs_hook=no_duplicates)
    if not isinstance(row, dict):
        raise ValueError("line %d is not a JSON object" % number)
    if set(row) != set(FIELDS):
        raise ValueError("line %d: fields must be exactly %s" % (number, ", ".join(FIELDS)))
    for name in ("position", "streamVersion"):
        if not isinstance(row[name], int) or isinstance(row[name], bool) or row[name] < 1:
            raise ValueError("line %d: %s must be a whole number >= 1" % (number, name))
    return row


def read_checkpoint(arg):
    if ":" in arg and not arg.endswith(".json"):
        pos, _, h = arg.partition(":")
        return int(pos), h.lower()
    with open(arg, encoding="utf-8") as f:
        c = json.load(f)
    return int(c["position"]), str(c["hash"]).lower()


def verify(lines, checkpoint=None, previous_hash=None):
    previous = None
    expected = None
    count = 0
    first = None
    seen_checkpoint = False
    for number, line in enumerate(lines, 1):
        if line.strip() == "":
            continue
        try:
            row = parse_row(line, number)
        except ValueError as e:
            return {"ok": False, "count": count, "line": number, "reason": str(e)}
        position = row["position"]
        if expected is None:
            first = position
            if position == 1:
                previous = GENESIS
            elif previous_hash is not None:
                previous = previous_hash.lower()
            else:
                previous = None  # the first row of a partial export is taken as given
            expected = position
        if position != expected:
            return {
                "ok": False,
                "count": count,
                "position": expected,
                "reason": "row %d has position %d where %d was expected (a row was deleted, inserted or moved)"
                % (number, position, expected),
            }
        if previous is not None and row_hash(previous, row) != row["hash"]:
            return {
                "ok": False,
                "count": count,
                "position": position,
                "reason": "hash does not match the event and its predecessor",
            }
        if checkpoint and position == checkpoint[0]:
            seen_checkpoint = True
            if row["hash"] != checkpoint[1]:
                return {
                    "ok": False,
                    "count": count,
                    "position": position,
                    "reason": "hash differs from the checkpoint's: the log was rewritten up to here",
                }
        previous = row["hash"]
        expected = position + 1
        count += 1
    last = expected - 1 if expected is not None else 0
    if checkpoint and not seen_checkpoint:
        return {
            "ok": False,
            "count": count,
            "position": last + 1,
            "reason": "the export ends at position %d but the checkpoint covers position %d (truncated)"
            % (last, checkpoint[0]),
        }
    result = {"ok": True, "count": count, "lastPosition": last, "lastHash": previous or GENESIS}
    if first is not None and first > 1:
        result["checkedFrom"] = first
    return result


def main(argv):
    args = list(argv)
    checkpoint = None
    previous_hash = None
    path = None
    try:
        while args:
            a = args.pop(0)
            if a == "--checkpoint":
                checkpoint = read_checkpoint(args.pop(0))
            elif a == "--previous-hash":
                previous_hash = args.pop(0)
            elif a == "--canonical":
                # Test hook: one JSON value per stdin line in, its canonical form per line out.
                for line in sys.stdin:
                    if line.strip():
                        sys.stdout.write(canonical(json.loads(line)) + "\n")
                return 0
            elif a.startswith("-") and a != "-":
                raise ValueError("unknown option " + a)
            elif path is None:
                path = a
            else:
                raise ValueError("one export at a time")
        if path is None:
            raise ValueError("no export given")
    except (ValueError, IndexError, OSError, KeyError) as e:
        sys.stderr.write("verify-export: %s\n%s" % (e, __doc__))
        return 2
    stream = sys.stdin if path == "-" else open(path, encoding="utf-8", errors="surrogatepass")
    with stream:
        result = verify(stream, checkpoint, previous_hash)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
