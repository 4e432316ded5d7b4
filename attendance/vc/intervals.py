"""Connections as intervals of seconds since the epoch: a person's reconnects (and the same person on two
devices) are merged into their union, and only the part within the session counts."""


def merge(intervals):
    """The union of [start, end] pairs, in order and apart (touching intervals join)."""
    merged = []
    for start, end in sorted((int(s), int(e)) for s, e in intervals if e > s):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1][1] = end
        else:
            merged.append([start, end])
    return merged


def seconds_within(intervals, start, end):
    """Seconds of the union of `intervals` that fall between `start` and `end`."""
    total = 0
    for s, e in merge(intervals):
        s, e = max(s, start), min(e, end)
        if e > s:
            total += e - s
    return total
