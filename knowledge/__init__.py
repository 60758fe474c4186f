"""The knowledge base: articles, their loading, checking and matching.

This package imports nothing of the rest of the project.
"""
