"""The pure domain core: model and instrument definitions, loading, scoring.

Imports only the standard library, pydantic, PyYAML, numpy, pandas and scikit-learn; never
the web framework or the database (tests/scoring/test_purity.py proves it).
"""
