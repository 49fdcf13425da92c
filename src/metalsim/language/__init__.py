"""metalsim's language layer: MSL text in, host C++ out, diagnostics mapped back.

- :mod:`~metalsim.language.lexer`: masking, tokens, bracket matching;
- :mod:`~metalsim.language.rewriter`: MSL -> host C++ (:func:`~metalsim.language.rewriter.rewrite`);
- :mod:`~metalsim.language.source_map`: ``#line`` pseudo-files, re-spacing, diagnostics mapped
  back to ``<header>``/``<source>``;
- :mod:`~metalsim.language.checks`: what Metal rejects and clang accepts (keywords, bfloat);
- :mod:`~metalsim.language.fibers`: the decision between fibers and plain calls.

Compiling and caching stay in :mod:`metalsim.compiler`.
"""
