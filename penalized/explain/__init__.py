"""Pictures and numbers that show why L1 gives exact zeros and L2 does not.

``geometry`` and ``shrinkage`` compute (plain numpy plus the solver); ``plots`` is the only
module that imports matplotlib, lazily; ``report`` assembles an HTML page from the figures.
"""
