"""Common pitfalls: one module per entry, each with the broken form and the fix.

Every module here is named ``*_pitfall.py`` so that its wrong half is never mistaken for advice.
"""
