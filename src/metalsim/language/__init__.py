"""metalsim's language layer: MSL text in, host C++ out, diagnostics mapped back.

- ``lexer``: masking, tokens, bracket matching;
- ``rewriter``: MSL -> host C++ (``rewrite``);
- ``source_map``: ``#line`` pseudo-files, re-spacing, diagnostics mapped
  back to ``<header>``/``<source>``;
- ``checks``: what Metal rejects and clang accepts (keywords, bfloat);
- ``fibers``: the decision between fibers and plain calls.

Compiling and caching stay in ``metalsim.compiler``.
"""
