"""Response-parser test vectors (data in cases.py, one runner in test_vectors.py)."""
