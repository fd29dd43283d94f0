"""Small helpers the benchmark scripts share: progress to stderr, tool errors on one line, Markdown cells."""
import re
import sys


def log(message):
    print(message, file=sys.stderr, flush=True)


def short_error(text, limit=200, context=2):
    """The lines of a tool's output that say what went wrong, on one line: the
    first line naming an error and the `context` - 1 after it (else the last
    two lines), warnings and Python traceback frames left out."""
    lines = [l.strip() for l in (text or "").splitlines() if l.strip()]
    lines = [l for l in lines if "warning" not in l.lower() and not l.startswith("File ")] or lines
    picked = [l for l in lines if re.search(r"error|failed|fatal|exception|illegal|fault", l, re.IGNORECASE)]
    if picked:
        first = lines.index(picked[0])
        picked = lines[first:first + context]
    else:
        picked = lines[-2:]
    message = re.sub(r"(^| )qcc: ", r"\1", " ".join(picked)) or "no output"
    return message if len(message) <= limit else message[:limit - 1] + "…"


def cell(text):
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")
