"""Benchmarks anyone can rerun: quality against labelled syndication, and (later) speed."""
