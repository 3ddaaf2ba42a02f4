"""HTML reports for staff: conversation tests and NLU quality (see tests/README.md)."""
