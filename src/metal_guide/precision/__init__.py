"""Code shown on the "Precision and linear algebra" guide page."""
