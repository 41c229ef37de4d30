def backoff(attempts, first, longest):
    """How long to wait after the `attempts`-th failure: `first`, doubling, at most `longest`."""
    return min(first * 2 ** (attempts - 1), longest)
