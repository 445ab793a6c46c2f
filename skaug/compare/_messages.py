"""Text for messages about a user's files and columns."""


def printable(text):
    """``text`` with control characters (terminal escape codes, ...) escaped, for messages."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
